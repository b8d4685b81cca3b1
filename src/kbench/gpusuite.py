"""Run the GPU tier of the asv suite in one process, the way asv runs a benchmark, and write JSON.

Why not asv itself on the GPU machine: that machine has no internet and no asv; asv's wheel is small but pulls
virtualenv, PyYAML and others (several MB, partly compiled), and asv spends a fresh process (numba import, CUDA
context, JIT) on every parameter set, which in an 8-minute slot leaves little time for measuring. This driver
imports ``benchmarks/*.py`` itself and, per parameter set, does what asv's runner does: ``setup(*params)``, then

- ``time_*``: the class's ``number`` of invocations per sample (calibrated to asv's 10 ms ``sample_time`` when it
  is 0) read through the class's ``timer`` as asv does (the suite's per-call clock, so values are seconds per
  call), samples until the class's ``repeat = (min, max, max_seconds)`` says stop; median and samples;
- ``track_*``: the returned value, with the method's ``unit``;
- ``peakmem_*``: called once (asv measures a process's peak RSS; one shared process cannot, so no value);

a ``NotImplementedError`` (asv's skip) in ``setup`` or a method is a skip with its reason, anything else a
failure. Parameters come from the classes' own ``params`` (the same on every machine): only the GPU targets,
and a few of each class's sizes (``SIZES``) so that the run fits its time budget. Under numba-cuda's simulator
(``--sim``) every class runs at its smallest size, capped at its family's simulator limit
(``kernels.Limits.simulator``: the simulator runs each CUDA thread in Python), and the output says
``"simulator": true`` everywhere.

Around every measurement the device's clocks, temperature, power and NVML clock-event reasons are sampled
(:mod:`kbench.gpurecord`) and summarised in the result, so a throttled sample can be told from a regression.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import pkgutil
import statistics
import sys
import time
import timeit
import traceback
from pathlib import Path

from . import gpurecord

ROOT = Path(__file__).resolve().parents[2]

# Sizes run on a GPU, per kind of size axis (``Family.kind``). A class whose sizes do not include one gets its
# nearest size (on a log scale), so every class is run at sizes of its own params.
SIZES = {"matrix": [1024, 4096], "vector": [1_000_000, 100_000_000]}
SIM_REPEAT = (1, 2, 0.2)  # samples under the simulator: the code path, not a measurement

STAGES = ("ceilings", "efficiency", "tier")
CEILINGS = ("roofline.DeviceBandwidth", "roofline.DevicePeakFlops")
EFFICIENCY = ("gpu_efficiency.GpuEfficiency",)


def import_suite(root=ROOT):
    """The benchmark modules, imported from ``root/benchmarks`` (no GPU work happens at import)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import benchmarks

    return {m.name: importlib.import_module(f"benchmarks.{m.name}") for m in pkgutil.iter_modules(benchmarks.__path__)
            if m.name != "common"}


def _methods(cls):
    return sorted(n for n in dir(cls) if n.startswith(("time_", "track_", "peakmem_")) and callable(getattr(cls, n)))


def _is_gpu_kernel_class(cls):
    from benchmarks import common

    if not (isinstance(cls, type) and issubclass(cls, common.KernelBenchmark)) or getattr(cls, "__abstractmethods__", None):
        return False
    if "target" not in getattr(cls, "param_names", []):
        return False
    import kernels

    targets = cls.params[cls.param_names.index("target")]
    return any(kernels.get_target(cls.family, t).device == "gpu" for t in targets)


def gpu_classes(modules, stage):
    """``{"module.Class": class}`` of one stage: the GPU ceilings, the efficiency series, or every kernel
    benchmark class that has GPU targets (the tier)."""
    found = {}
    for mod_name, mod in sorted(modules.items()):
        for name, cls in vars(mod).items():
            if not isinstance(cls, type) or cls.__module__ != mod.__name__ or not _methods(cls):
                continue
            key = f"{mod_name}.{name}"
            if stage == "ceilings" and key in CEILINGS or stage == "efficiency" and key in EFFICIENCY:
                found[key] = cls
            elif stage == "tier" and _is_gpu_kernel_class(cls):
                found[key] = cls
    return found


def _nearest(values, wanted):
    return min(values, key=lambda v: (abs(math.log(v) - math.log(wanted)), v))


def simulator_sizes():
    """The largest size any family runs at under the simulator, per kind of size axis (for the record)."""
    import kernels

    sizes = {}
    for name in kernels.families():
        family = kernels.family(name)
        sizes[family.kind] = max(sizes.get(family.kind, 0), family.limits.simulator)
    return sizes


def chosen_sizes(cls, sizes, sim):
    import kernels

    family = kernels.family(cls.family)
    if sim:
        return [min(min(sizes), family.limits.simulator)]
    return sorted({_nearest(sizes, s) for s in SIZES[family.kind]})


def parameter_sets(cls, sim=False):
    """The parameter tuples to run, in ``passes``: pass 0 at each class's smaller chosen size, pass 1 at the
    larger, so a short budget still reaches every class once. Returns ``[(pass, params), ...]``."""
    import itertools

    import kernels

    params = getattr(cls, "params", None)
    if not params:
        return [(0, ())]
    names = list(cls.param_names)
    if names and not isinstance(params[0], (list, tuple)):  # one axis given as a plain list
        params = [params]
    axes = [list(values) for values in params]
    if "target" in names:
        i = names.index("target")
        axes[i] = [t for t in axes[i] if kernels.get_target(cls.family, t).device == "gpu"]
    passes = [axes]
    if "size" in names:
        i = names.index("size")
        passes = []
        for size in chosen_sizes(cls, axes[i], sim):
            one = list(axes)
            one[i] = [size]
            passes.append(one)
    out = []
    for n, axes_of_pass in enumerate(passes):
        # the target axis varies fastest, so the cached inputs and reference are shared by consecutive sets
        order = sorted(range(len(names)), key=lambda k: names[k] == "target")
        for combo in itertools.product(*[axes_of_pass[k] for k in order]):
            values = [None] * len(names)
            for k, v in zip(order, combo):
                values[k] = v
            out.append((n, tuple(values)))
    return out


def _repeat(cls, sim):
    if sim:
        return SIM_REPEAT
    rep = getattr(cls, "repeat", 0)
    if isinstance(rep, tuple):
        return rep
    return (rep or 3, rep or 10, 10.0)


def time_samples(fn, repeat, sample_time=0.01, number=0, timer=timeit.default_timer):
    """asv's timing of one ``time_`` benchmark: ``number`` invocations per sample (0: calibrated so a sample
    lasts ``sample_time`` or more), read with ``timer`` (the benchmark's own ``timer`` attribute, as asv reads it:
    the suite's classes set ``number = 1`` and a per-call clock, so that each value is seconds per call), then
    ``repeat = (min, max, max_seconds)`` samples. Returns (median seconds per call, samples, number)."""
    if not number:
        t0 = timer()
        fn()
        one = timer() - t0
        number = max(1, int(math.ceil(sample_time / max(one, 1e-9))))
    min_repeat, max_repeat, max_time = repeat
    samples, start = [], timeit.default_timer()
    while len(samples) < max_repeat:
        t0 = timer()
        for _ in range(number):
            fn()
        samples.append((timer() - t0) / number)
        if len(samples) >= min_repeat and timeit.default_timer() - start >= max_time:
            break
    return statistics.median(samples), samples, number


class Run:
    """One stage's results, written to ``out`` after every benchmark (a killed run keeps what it measured)."""

    def __init__(self, stage, out, sim, deadline):
        self.out = Path(out) if out else None
        self.deadline = deadline
        self.record = {"stage": stage, "simulator": sim, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "driver": "kbench.gpusuite (in-process, asv-like)", "sizes": simulator_sizes() if sim else SIZES,
                       "results": []}

    def add(self, row):
        self.record["results"].append(row)
        print(_line(row), flush=True)
        self.save()

    def save(self):
        if self.out:
            tmp = self.out.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.record, indent=1, default=str) + "\n")
            tmp.replace(self.out)


def _line(row):
    params = ", ".join(map(str, row["params"]))
    where = f"{row['benchmark']}({params})"
    if row["status"] == "ok":
        value = row.get("value")
        shown = f"{value:.4g} {row.get('unit', '')}" if isinstance(value, (int, float)) else "done"
        gpu = row.get("gpu") or {}
        flag = "  THROTTLED: " + gpu["why"] if gpu.get("throttled") else ""
        return f"ok      {where}: {shown}{flag}"
    return f"{row['status']:<7} {where}: {row.get('reason') or row.get('error', '')}"


def run_stage(stage, out=None, sim=None, budget=None, root=ROOT, sampler=None, only=None):
    """Run one stage; return the record (``results``: one row per benchmark method and parameter set)."""
    sim = gpurecord.simulator_enabled() if sim is None else sim
    if sim and not gpurecord.simulator_enabled():
        raise SystemExit("--sim needs NUMBA_ENABLE_CUDASIM=1 in the environment before Python starts")
    deadline = time.monotonic() + budget if budget else None
    run = Run(stage, out, sim, deadline)
    modules = import_suite(root)
    classes = gpu_classes(modules, stage)
    if only:
        classes = {k: v for k, v in classes.items() if any(o in k for o in only)}
    run.record["classes"] = sorted(classes)
    work = sorted(((n, key, params) for key, cls in classes.items() for n, params in parameter_sets(cls, sim)),
                  key=lambda item: item[0])  # pass 0 of every class first
    device = gpurecord.cuda_device()  # the device CUDA runs on: NVML samples that one (matched by PCI bus id)
    run.record["cuda_device"] = device
    with (sampler or gpurecord.sampler(device.get("pci_bus_id"))) as smp:
        for _, key, params in work:
            cls = classes[key]
            if deadline is not None and time.monotonic() > deadline:
                for method in _methods(cls):
                    run.add({"benchmark": f"{key}.{method}", "params": list(params), "status": "not run",
                             "reason": f"past the stage's time budget of {budget:.0f} s", "simulator": sim})
                continue
            for row in run_one(cls, key, params, sim, smp):
                run.add(row)
    run.record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    run.save()
    return run.record


def run_one(cls, key, params, sim, smp):
    """Every benchmark method of one class at one parameter set, asv-style; yields result rows."""
    names = list(getattr(cls, "param_names", []))
    base = {"params": list(params), "param_names": names, "simulator": sim}
    bench = cls()
    t0 = time.perf_counter()
    try:
        if hasattr(bench, "setup"):
            bench.setup(*params)
    except NotImplementedError as exc:
        for method in _methods(cls):
            yield dict(base, benchmark=f"{key}.{method}", status="skipped", reason=str(exc) or type(exc).__name__)
        return
    except Exception as exc:
        for method in _methods(cls):
            yield dict(base, benchmark=f"{key}.{method}", status="failed", error=f"setup: {type(exc).__name__}: {exc}",
                       traceback=traceback.format_exc()[-3000:])
        return
    setup_seconds = time.perf_counter() - t0
    for method in _methods(cls):
        fn = getattr(bench, method)
        row = dict(base, benchmark=f"{key}.{method}", setup_seconds=setup_seconds)
        started = smp.begin()
        try:
            if method.startswith("time_"):
                if hasattr(bench, "setup"):
                    bench.setup(*params)  # asv re-runs setup before timing (memoised: cheap)
                value, samples, number = time_samples(lambda: fn(*params), _repeat(cls, sim),
                                                      number=int(getattr(bench, "number", 0) or 0),
                                                      timer=getattr(bench, "timer", timeit.default_timer))
                row.update(status="ok", value=value, unit="seconds", samples=samples, number=number)
            elif method.startswith("track_"):
                row.update(status="ok", value=fn(*params), unit=getattr(fn, "unit", "unit"))
            else:
                fn(*params)
                row.update(status="ok", value=None,
                           note="peakmem is asv's per-process peak RSS; the in-process driver only runs it")
        except NotImplementedError as exc:
            row.update(status="skipped", reason=str(exc) or type(exc).__name__)
        except Exception as exc:
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()[-3000:])
        row["gpu"] = smp.end(started)
        yield row
    if hasattr(bench, "teardown"):
        bench.teardown(*params)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kbench.gpusuite", description=__doc__.split("\n")[0])
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--out", help="JSON file to write (rewritten after every benchmark)")
    parser.add_argument("--sim", action="store_true", help="numba-cuda's simulator (needs NUMBA_ENABLE_CUDASIM=1)")
    parser.add_argument("--budget", type=float, help="seconds; parameter sets not started by then are 'not run'")
    parser.add_argument("--only", action="append", help="only classes whose 'module.Class' contains this")
    parser.add_argument("--list", action="store_true", help="print the parameter sets it would run, run nothing")
    args = parser.parse_args(argv)
    if args.list:
        sim = args.sim or gpurecord.simulator_enabled()
        classes = gpu_classes(import_suite(), args.stage)
        total = 0
        for key, cls in classes.items():
            if args.only and not any(o in key for o in args.only):
                continue
            sets = parameter_sets(cls, sim)
            total += len(sets)
            print(f"{key}: {len(sets)} parameter sets x {len(_methods(cls))} methods")
            for n, params in sets:
                print(f"    pass {n}: {params}")
        print(f"{total} parameter sets in all", file=sys.stderr)
        return 0
    record = run_stage(args.stage, args.out, sim=args.sim or None, budget=args.budget, only=args.only)
    counts = {}
    for row in record["results"]:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    print(f"{args.stage}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())), file=sys.stderr)
    return 2 if counts.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
