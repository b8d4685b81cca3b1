"""``kbench inject``: slowdowns of known size, measured for real, and what the release check's rule makes of them.

The measured suite never contains injection machinery. This tool writes a throw-away benchmark module into a
temporary folder and runs it with the real asv, in this interpreter's environment (``existing``), with
recorded samples and interleaved rounds, exactly as a release check samples. The module times vector kernels
of the package (a serial and a parallel one) at several sizes, from microseconds to tens of milliseconds a
call. Each (kernel, size) is measured with:

* two **unchanged** copies (``aa1``, ``aa2``): an A/A pair, whose verdict must be "unchanged";
* copies doing **5, 10, 20 and 50 % more work**: the same kernel on a vector that many elements longer (their
  work is linear in the length). More work is not always as much more time: a parallel kernel of a few
  microseconds is dominated by its launch, so +20 % of work there reads about +9 %;
* on request (``--extras t20`` ...), copies taking **that much more time**: the unchanged call followed, in the
  timed loop, by a busy wait of the given share of the call's time, measured in the benchmark's process before
  sampling. This is the slowdown the detection goal is stated in (20 % more time per call), whatever the kernel
  does with more work.

The rows are then compared against ``aa1`` through :func:`kbench.compare.compare_sides`, which applies the
release check's rule: round medians, Welch's t-test on their logs, Holm over every tested row of the run,
the factor. The table says, per call time and injected slowdown, what was flagged, and lists every false
alarm of the A/A pairs. Calls take about ``SAMPLE_SECONDS`` per sample: the timed method loops over a
calibrated number of calls, as the suite does.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
import time
from typing import Any, Dict, List, Sequence

from . import _io, _options, asvenv, compare, repo, results
from . import report as report_md

KERNELS = ("sumsq.jit", "gauss.poly_prange")
SIZES = (3_000, 300_000, 30_000_000)
EXTRAS = ("aa1", "aa2", "5", "10", "20", "50")  # the default run: A/A twins and more work
TIME_EXTRAS = ("t5", "t10", "t20", "t50")  # more time (a busy wait after the call), on request
ALL_EXTRAS = EXTRAS + TIME_EXTRAS
DEFAULT_ROUNDS = 8
REPEAT = 3

_MODULE = '''
"""Injected slowdowns for kbench inject (generated; not part of the measured suite)."""
import functools
import time

import numpy as np

import kernels

KERNELS = {kernels!r}
SIZES = {sizes!r}
EXTRAS = {extras!r}


def _per_call(fn, args):
    """Seconds per call: the fastest of 5 batches of about 4 ms each (after the compiling call)."""
    t0 = time.perf_counter()
    fn(*args)
    batch = max(1, int(0.004 / max(time.perf_counter() - t0, 1e-7)))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / batch)
    return best


@functools.lru_cache(maxsize=None)
def _prepared(key, size, extra):
    family, name = key.split(".")
    record = kernels.family(family)
    grow = 0.0 if extra.startswith(("aa", "t")) else int(extra) / 100.0
    n = int(round(size * (1.0 + grow)))
    args = record.make_inputs(n, np.dtype("float64"), record.layouts[0], np.random.default_rng(0))
    fn = kernels.get(family, name)
    kernels.verify.check(fn(*args), record.reference(*args), np.dtype("float64"), what=key,
                         tol=record.tolerance(np.dtype("float64"), n))  # compiles, checks
    one = _per_call(fn, args)
    # more time: a busy wait of that share of this process's own per-call time, after every call
    spin = one * int(extra[1:]) / 100.0 if extra.startswith("t") else 0.0
    calls = max(1, int(0.01 / (one + spin)))
    return fn, args, calls, spin


class Injected:
    params = [KERNELS, SIZES, EXTRAS]
    param_names = ["kernel", "size", "extra"]
    number = 1
    repeat = {repeat}
    warmup_time = 0.0
    timeout = 300

    def setup(self, key, size, extra):
        fn, args, calls, spin = _prepared(key, size, extra)
        self.fn, self.args, self.calls, self.spin = fn, args, calls, spin
        # asv divides by nothing here: time_ returns per-sample seconds over ``calls`` calls, so store per call
        self.timer = lambda: time.perf_counter() / calls

    def time_injected(self, key, size, extra):
        fn, args, spin, clock = self.fn, self.args, self.spin, time.perf_counter
        for _ in range(self.calls):
            fn(*args)
            if spin:  # every copy pays this test; only the "t" copies wait
                end = clock() + spin
                while clock() < end:
                    pass
'''


def write_module(folder: str, kernels: Sequence[str] = KERNELS, sizes: Sequence[int] = SIZES,
                 extras: Sequence[str] = EXTRAS, repeat: int = REPEAT) -> str:
    """The throw-away benchmark package in ``folder``; returns its directory."""
    bench = os.path.join(folder, "injected_benchmarks")
    os.makedirs(bench, exist_ok=True)
    open(os.path.join(bench, "__init__.py"), "w").close()
    with open(os.path.join(bench, "injected.py"), "w") as f:
        f.write(textwrap.dedent(_MODULE.format(kernels=tuple(kernels), sizes=tuple(sizes),
                                               extras=tuple(extras), repeat=repeat)))
    return bench


def measure(rounds: int, kernels: Sequence[str] = KERNELS, sizes: Sequence[int] = SIZES,
            tmp: str = None, extras: Sequence[str] = EXTRAS) -> str:
    """Run the injected module with asv in this interpreter; the path of the result file."""
    extras = tuple(extras)
    bad = [e for e in extras if e not in ALL_EXTRAS]
    if bad or "aa1" not in extras:
        raise ValueError(f"--extras: {', '.join(bad) or 'aa1 is missing'}: give aa1 (the reference) and any of "
                         f"{', '.join(ALL_EXTRAS[1:])}")
    root = str(repo.repo_root())
    tmp = tmp or tempfile.mkdtemp(prefix="kbench-inject-")
    conf = asvenv.scratch_config(repo.load_config(os.path.join(root, "asv.conf.json")), root, tmp)
    conf["benchmark_dir"] = write_module(tmp, kernels, sizes, extras)
    config = str(asvenv.write_config(conf, os.path.join(tmp, "asv.conf.json")))
    machine = "kbench-inject"
    from .harness import ensure_asv_machine

    ensure_asv_machine(machine)
    commit = repo.require_head(root)
    cmd = [sys.executable, "-m", "asv", "run", "--config", config, "-E", f"existing:{sys.executable}",
           "--machine", machine, "--set-commit-hash", commit, "--record-samples",
           "-a", f"rounds={rounds}", "-a", f"repeat={REPEAT}"]
    import subprocess

    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    folder = os.path.join(tmp, "results", machine)
    files = [f for f in os.listdir(folder) if f.endswith(".json") and f != "machine.json"] \
        if os.path.isdir(folder) else []
    if proc.returncode != 0 or len(files) != 1:
        raise RuntimeError(f"asv run failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-2500:]}")
    return os.path.join(folder, files[0])


def judge(path: str, factor: float = compare.DEFAULT_FACTOR, alpha: float = compare.DEFAULT_ALPHA
          ) -> List[Dict[str, Any]]:
    """Every injected row against its ``aa1`` twin, by the release check's rule (Holm over all of them)."""
    infos = results.read_benchmarks(os.path.join(os.path.dirname(os.path.dirname(path)), "benchmarks.json"))
    side = results.load_side(path, benchmarks=infos, samples_per_round=REPEAT)
    name = "injected.Injected.time_injected"
    info = side.benchmarks.get(name) or results.BenchmarkInfo.from_name(name)
    base_m, cand_m = {}, {}
    for (bench, combo), m in side.measurements.items():
        kernel, size, extra = combo
        if extra == "'aa1'":
            continue
        key = (bench, (kernel, size, extra))
        base_m[key] = side.measurements[(bench, (kernel, size, "'aa1'"))]
        cand_m[key] = m
    base = results.Side(label="aa1", benchmarks={name: info}, measurements=base_m, samples_per_round=REPEAT)
    cand = results.Side(label="injected", benchmarks={name: info}, measurements=cand_m, samples_per_round=REPEAT)
    rows = compare.compare_sides(base, cand, factor, alpha, samples_per_round=REPEAT)
    out = []
    for r in rows:
        p = {k: report_md.unquote(v) for k, v in r.params.items()}
        extra = p["extra"]
        injected = 0 if extra.startswith("aa") else int(extra.lstrip("t"))
        seconds = (r.baseline or {}).get("median")
        out.append({"kernel": p["kernel"], "size": int(p["size"]), "injected_percent": injected,
                    "injected_kind": "none" if not injected else ("time" if extra.startswith("t") else "work"),
                    "seconds": seconds, "ratio": r.ratio, "status": r.status, "q_value": r.q_value,
                    "flagged": r.status == compare.REGRESSION, "false_alarm": injected == 0 and r.status in (
                        compare.REGRESSION, compare.IMPROVEMENT)})
    return out


def render(rows: Sequence[Dict[str, Any]], rounds: int, wall: float) -> str:
    injected = [r for r in rows if r["injected_percent"]]
    aa = [r for r in rows if not r["injected_percent"]]
    lines = [f"# Injected slowdowns: {rounds} interleaved rounds of {REPEAT} samples, wall {wall:.0f} s", "",
             f"A/A pairs: {len(aa)}, false alarms: {sum(r['false_alarm'] for r in aa)}. Injected: "
             f"{sum(r['flagged'] for r in injected)} of {len(injected)} flagged.", ""]
    goal = [r for r in injected if r.get("injected_kind") == "time" and r["injected_percent"] >= 20
            and (r["seconds"] or 0.0) >= 1e-5]
    if goal:  # the detection goal, stated in time: every +20 % or more on calls of 10 us and longer
        lines[-1:-1] = [f"Goal (20 % or more time injected, calls of 10 µs or longer): "
                        f"{sum(r['flagged'] for r in goal)} of {len(goal)} flagged."]
    body = [[f"`{r['kernel']}`", f"{r['size']:,}", report_md.format_value(r["seconds"], "seconds"),
             f"+{r['injected_percent']} % {r.get('injected_kind', 'work')}" if r["injected_percent"] else "A/A",
             report_md.format_ratio(r["ratio"]), r["status"],
             "" if r["q_value"] is None else f"{r['q_value']:.2g}"] for r in rows]
    lines.append(report_md.table(["kernel", "size", "time per call", "injected", "ratio", "verdict", "q"], body))
    return "\n".join(lines) + "\n"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=_options.option_type("--rounds", _options.positive_int),
                        default=DEFAULT_ROUNDS, help="interleaved rounds (default %(default)s)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--extras", nargs="+", metavar="EXTRA", default=list(EXTRAS),
                        help=f"the copies to measure: aa1 (the reference, required), aa2 (its A/A twin), 5/10/20/50 "
                             f"(that many %% more work), t5/t10/t20/t50 (that many %% more time) "
                             f"(default: {' '.join(EXTRAS)})")


def main(args: argparse.Namespace) -> int:
    t0 = time.time()
    try:
        path = measure(args.rounds, extras=args.extras)
        rows = judge(path)
    except (RuntimeError, ValueError, repo.RepoError) as exc:
        print(f"kbench inject: {exc}", file=sys.stderr)
        return 2
    print(render(rows, args.rounds, time.time() - t0))
    if args.json:
        _io.atomic_write_json(args.json, report_md.json_safe({"rounds": args.rounds, "rows": rows}))
    return 0
