"""``kbench selfcheck``: does the suite's timing mean what it says, under the asv and asv_runner installed here?

It times a few microsecond-scale kernels by two methods **in the same benchmark processes**, interleaved:

1. **through the suite**: a real ``asv run`` (asv's ``existing`` environment, this interpreter) of the suite's own
   classes, with ``--record-samples``; asv's stored samples (seconds per call) are read back through
   ``asv.results``;
2. **in process**: before every asv sample, in the same process, one ``timeit`` repeat of the bare call
   ``fn(*args)``: the same compiled dispatcher and the same input arrays that the suite's ``setup`` prepared,
   as many calls as one of the suite's samples makes.

asv runs the classes of a throw-away benchmark package written to a temporary folder: each class there is the
suite's class with one more step in ``setup`` (the timeit repeat); the timed method, ``number``, ``timer``,
the calibration and the warm-up are the suite's. Only the count of samples is set from outside, as a release
check sets it (``-a repeat=10``: a fixed count lines each process's samples up with its timeit repeats). Nothing
of this is in the measured suite.

Why in the same process: a kernel's speed differs from one process to the next, often in two modes up to 1.8x
apart here (input alignment, thread placement: sumsq at 10^3 runs 3.2 or 4.7 µs), so two methods timed in
separate processes disagree for reasons that have nothing to do with the harness. Paired in one process and
interleaved sample by sample, both see the same mode and the same slow spells; what is left between them is the
harness: asv_runner's sampling, the per-call clock, the calibration.

Per process (one asv round), the ratio is the median of asv's samples over the median of the timeit repeats; a
case's ratio is the median over the rounds. The check fails (exit 1) when a case's ratio is beyond ``--bound``
(default 1.3x) either way. A run that could not be made (asv missing, asv failed, no result) exits 2.
``--runner-path DIR`` puts an asv_runner installed into DIR (``pip install --target DIR asv_runner==0.2.5``) in
front of the benchmark processes' path, to check another asv_runner version with the same asv; the version that
actually ran is reported.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
from typing import Any, Dict, List, Optional, Sequence

DEFAULT_BOUND = 1.3
DEFAULT_ROUNDS = 3
SAMPLES_PER_ROUND = 10  # asv samples per process (``-a repeat``), each preceded by one timeit repeat

# (module, class, method, params as asv passes them): microsecond-scale calls, where per-sample overhead and
# asv_runner's choice of calls per sample would show first. CPU targets only, so it runs on every machine.
CASES = (
    ("sumsq", "SumSquares", "time_kernel", (1000, "contiguous", "jit", "float64")),
    ("sumsq", "SumSquares", "time_kernel", (1000, "contiguous", "numpy_dot", "float64")),
    ("matmul", "Matmul", "time_kernel", (16, "jit_ikj", "float64")),
    ("gauss", "Gauss", "time_kernel", (1000, "contiguous", "vectorize_cpu", "float64")),
)

PACKAGE = "kbench_selfcheck"  # the throw-away benchmark package's folder
MODULE = "paired"             # its one module: benchmark names are paired.<Class>.<method>


class SelfCheckError(RuntimeError):
    """The check could not be made (as opposed to: it was made and the timings disagree)."""


def case_name(case) -> str:
    module, cls, method, _ = case
    return f"{module}.{cls}.{method}"


def case_label(case) -> str:
    """The parameter set as asv prints it: ``name(1000, 'contiguous', 'jit', 'float64')``."""
    return f"{case_name(case)}({', '.join(repr(p) for p in case[3])})"


def paired_name(case) -> str:
    """The case's benchmark name in the throw-away package (``paired.SumSquares.time_kernel``)."""
    _, cls, method, _ = case
    return f"{MODULE}.{cls}.{method}"


def bench_regex(case, name: Optional[str] = None) -> str:
    """An asv ``--bench`` regex matching exactly this parameter set (asv searches ``name(p1, p2, ...)``) of
    benchmark ``name`` (default: the case's own name in the suite)."""
    label = f"{name or case_name(case)}({', '.join(repr(p) for p in case[3])})"
    return "^" + re.escape(label) + "$"


# ------------------------------------------------------------------------------------------- the paired package

_MODULE_SOURCE = '''
"""Written by kbench selfcheck: the suite's classes, each with one timeit repeat of the bare call taken in
``setup``, i.e. before every asv sample, in the same process. Not part of the measured suite."""
import json
import os
import sys
import timeit

sys.path.insert(0, {root!r})
{imports}

OUT = {out!r}
_TIMERS = {{}}


class _Paired:
    def setup(self, *params):
        super().setup(*params)
        key = (type(self).__name__, params)
        if key not in _TIMERS:
            fn, args = self.target.build(), self.host_args  # the dispatcher and arrays the suite times
            _TIMERS[key] = timeit.Timer("fn(*args)", globals={{"fn": fn, "args": args}})
        seconds = _TIMERS[key].timeit(self.calls) / self.calls  # as many calls as one of the suite's samples
        with open(OUT, "a") as f:
            f.write(json.dumps({{"class": type(self).__name__, "params": [repr(p) for p in params],
                                "pid": os.getpid(), "seconds": seconds}}) + "\\n")
{hook}

{classes}
'''


def write_package(folder: str, root: str, cases, out: str, setup_hook: str = "") -> str:
    """The throw-away benchmark package in ``folder`` (returns its directory). ``setup_hook``: extra source lines
    run at the end of ``_Paired.setup`` (tests use it to break the harness on purpose and see the check fail)."""
    modules = sorted({c[0] for c in cases})
    classes = sorted({(c[0], c[1]) for c in cases})
    source = _MODULE_SOURCE.format(
        root=os.path.abspath(root), out=os.path.abspath(out),
        imports="\n".join(f"import benchmarks.{m} as _suite_{m}" for m in modules),
        hook=textwrap.indent(textwrap.dedent(setup_hook).strip(), " " * 8) if setup_hook else "",
        classes="\n\n".join(f"class {cls}(_Paired, _suite_{mod}.{cls}):\n    pass\n" for mod, cls in classes))
    package = os.path.join(folder, PACKAGE)
    os.makedirs(package, exist_ok=True)
    open(os.path.join(package, "__init__.py"), "w").close()
    with open(os.path.join(package, f"{MODULE}.py"), "w") as f:
        f.write(source)
    return package


# ------------------------------------------------------------------------------------------- through asv

def _run(cmd: Sequence[str], cwd: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, check=False)


def runner_version(python: str, env: Dict[str, str]) -> Optional[str]:
    """The asv_runner version the benchmark processes import (asv gives them ASV_PYTHONPATH as PYTHONPATH),
    through the one environment probe (:func:`kbench.asvenv.probe`)."""
    from . import asvenv

    probe_env = dict(env)
    probe_env.pop("PYTHONPATH", None)
    if "ASV_PYTHONPATH" in probe_env:
        probe_env["PYTHONPATH"] = probe_env["ASV_PYTHONPATH"]
    code = "import json, importlib.metadata as m; print(json.dumps({'asv_runner': m.version('asv_runner')}))"
    try:
        return asvenv.probe(python, code, env=probe_env, cwd=os.getcwd()).get("asv_runner") or None
    except (RuntimeError, OSError):
        return None


def measure(root: str, cases, tmp: str, rounds: int = DEFAULT_ROUNDS, runner_path: Optional[str] = None,
            setup_hook: str = "") -> Dict[str, Any]:
    """One ``asv run`` of the paired package: ``rounds`` processes per case, ``SAMPLES_PER_ROUND`` asv samples
    each. Returns {label: {"asv": [samples...], "timeit": {pid: [seconds...]}}} plus the versions used."""
    try:
        import asv
    except ImportError as exc:
        raise SelfCheckError("asv is not installed here; install the bench extra (pip install -e '.[bench]')") from exc
    from . import asvenv, repo, results
    from .harness import ensure_asv_machine

    root = os.path.abspath(root)
    out = os.path.join(tmp, "timeit.jsonl")
    conf = asvenv.scratch_config(repo.load_config(os.path.join(root, repo.CONFIG_NAME)), root, tmp)
    conf["benchmark_dir"] = write_package(tmp, root, cases, out, setup_hook)
    config = str(asvenv.write_config(conf, os.path.join(tmp, repo.CONFIG_NAME)))
    env = dict(os.environ)
    if runner_path:
        env["ASV_PYTHONPATH"] = os.path.abspath(runner_path)
    try:
        commit = repo.require_head(root)
        machine = ensure_asv_machine("kbench-selfcheck")
    except (repo.RepoError, ValueError) as exc:
        raise SelfCheckError(str(exc)) from None
    cmd = [sys.executable, "-m", "asv", "run", "--config", config, "-E", f"existing:{sys.executable}",
           "--machine", machine, "--set-commit-hash", commit, "--record-samples", "--show-stderr",
           "-a", f"rounds={rounds}", "-a", f"repeat={SAMPLES_PER_ROUND}"]
    for case in cases:
        cmd += ["--bench", bench_regex(case, paired_name(case))]
    proc = _run(cmd, tmp, env)
    if proc.returncode != 0:
        raise SelfCheckError(f"asv run failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    folder = os.path.join(tmp, "results", machine)
    files = [f for f in os.listdir(folder) if f.endswith(".json") and f != "machine.json"] if os.path.isdir(folder) else []
    if len(files) != 1:
        raise SelfCheckError(f"expected one asv result file in {folder}, found {files}")
    stored = {(name, combo): m for name, combo, m in results.iter_measurements(
        results.load_results(os.path.join(folder, files[0])))}
    timeit_lines = []
    if os.path.isfile(out):
        with open(out) as f:
            timeit_lines = [json.loads(line) for line in f if line.strip()]
    data: Dict[str, Any] = {}
    for case in cases:
        params = [repr(p) for p in case[3]]
        m = stored.get((paired_name(case), tuple(params)))
        per_process: Dict[int, List[float]] = {}
        for line in timeit_lines:
            if line["class"] == case[1] and line["params"] == params:
                per_process.setdefault(line["pid"], []).append(line["seconds"])
        data[case_label(case)] = {"asv": list(m.samples or []) if m is not None else [],
                                  "timeit": list(per_process.values())}
    return {"cases": data, "asv": asv.__version__, "asv_runner": runner_version(sys.executable, env),
            "stdout_tail": proc.stdout[-1500:]}


# ------------------------------------------------------------------------------------------- the check

def compare(asv_seconds: Optional[float], reference_seconds: float, bound: float) -> Dict[str, Any]:
    """The verdict for one case: ``ratio`` = suite / in-process; agrees when within [1/bound, bound]."""
    if asv_seconds is None or not (asv_seconds > 0):
        return {"ratio": None, "agrees": False, "why": "asv stored no timing"}
    ratio = asv_seconds / reference_seconds
    agrees = 1.0 / bound <= ratio <= bound
    why = "" if agrees else f"the suite reads {ratio:.2f}x the in-process time (bound {bound}x)"
    return {"ratio": ratio, "agrees": agrees, "why": why}


def pair_rounds(asv_samples: Sequence[float], timeit_by_process: Sequence[Sequence[float]],
                per_round: int = SAMPLES_PER_ROUND) -> List[Dict[str, float]]:
    """Per process: asv's samples (``per_round`` a round, in the order asv ran the rounds, as it appends them)
    beside the timeit repeats of the same process (in the order the processes wrote them). SelfCheckError when
    the two cannot be lined up (a round lost on one side)."""
    samples = [s for s in asv_samples if s is not None]
    if not samples or len(samples) % per_round or len(samples) // per_round != len(timeit_by_process):
        raise SelfCheckError(f"cannot pair {len(samples)} asv samples ({per_round} a round) with timeit repeats "
                             f"from {len(timeit_by_process)} processes")
    out = []
    for i, repeats in enumerate(timeit_by_process):
        round_samples = samples[i * per_round:(i + 1) * per_round]
        out.append({"asv_median": statistics.median(round_samples), "timeit_median": statistics.median(repeats),
                    "asv_spread": (max(round_samples) - min(round_samples)) / statistics.median(round_samples)})
        out[-1]["ratio"] = out[-1]["asv_median"] / out[-1]["timeit_median"]
    return out


def run_check(root: str, bound: float = DEFAULT_BOUND, runner_path: Optional[str] = None, cases=CASES,
              rounds: int = DEFAULT_ROUNDS, keep: Optional[str] = None, setup_hook: str = "") -> Dict[str, Any]:
    """Measure the cases (``rounds`` processes each) and judge them: per case, the median over its processes
    of (asv's median / the same process's timeit median)."""
    with tempfile.TemporaryDirectory(prefix="kbench-selfcheck-") as tmp:
        work = keep or tmp
        os.makedirs(work, exist_ok=True)
        measured = measure(root, cases, work, rounds, runner_path, setup_hook)
    rows = []
    for case in cases:
        label = case_label(case)
        data = measured["cases"][label]
        paired = pair_rounds(data["asv"], data["timeit"])
        asv_seconds = statistics.median(r["asv_median"] for r in paired)
        timeit_seconds = statistics.median(r["timeit_median"] for r in paired)
        ratio = statistics.median(r["ratio"] for r in paired)
        row = {"case": label, "asv_seconds": asv_seconds, "timeit_seconds": timeit_seconds,
               "round_ratios": [r["ratio"] for r in paired], "asv_samples": data["asv"],
               "asv_spread": statistics.median(r["asv_spread"] for r in paired)}
        row.update(compare(ratio * timeit_seconds, timeit_seconds, bound))
        rows.append(row)
    return {"bound": bound, "rounds": rounds, "samples_per_round": SAMPLES_PER_ROUND, "asv": measured["asv"],
            "asv_runner": measured["asv_runner"], "rows": rows, "passed": all(r["agrees"] for r in rows)}


def render(report: Dict[str, Any]) -> str:
    from .report import format_value

    lines = [f"kbench selfcheck: asv {report['asv']}, asv_runner {report['asv_runner']} in the benchmark "
             f"processes; bound {report['bound']}x; {report['rounds']} process(es) a case, each with "
             f"{report['samples_per_round']} asv samples and as many timeit repeats, interleaved", "",
             f"{'case':<72} {'asv':>10} {'spread':>7} {'timeit':>10} {'ratio':>6}  per process"]
    for r in report["rows"]:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        lines.append(f"{r['case']:<72} {format_value(r['asv_seconds'], 'seconds'):>10} {r['asv_spread']:>7.0%} "
                     f"{format_value(r['timeit_seconds'], 'seconds'):>10} {ratio:>6}  "
                     + " ".join(f"{x:.2f}" for x in r["round_ratios"])
                     + ("" if r["agrees"] else f"   DISAGREES: {r['why']}"))
    lines.append("")
    lines.append("passed: the suite times what timeit times" if report["passed"]
                 else "FAILED: the suite's timings disagree with timeit (see above)")
    return "\n".join(lines)


def _bound(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--bound must be a number, got {text!r}") from None
    if not (1.0 < value < 10.0):
        raise argparse.ArgumentTypeError(f"--bound must be above 1 and below 10, got {text!r}")
    return value


def _rounds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rounds must be a whole number, got {text!r}") from None
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError(f"--rounds must be between 1 and 50, got {text!r}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bound", type=_bound, default=DEFAULT_BOUND,
                        help=f"largest accepted ratio between the two timings, either way (default {DEFAULT_BOUND})")
    parser.add_argument("--runner-path", metavar="DIR", default=None,
                        help="a folder with another asv_runner (pip install --target DIR asv_runner==X) to put in "
                             "front of the benchmark processes' path")
    parser.add_argument("--rounds", type=_rounds, default=DEFAULT_ROUNDS,
                        help=f"benchmark processes per case, each timing both ways (default {DEFAULT_ROUNDS})")
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="keep asv's results, the config and the generated package in DIR")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def find_root() -> str:
    from .repo import find_config

    config = find_config()
    if not config:
        raise SelfCheckError("no asv.conf.json found at or above the current directory (run from the repository)")
    return os.path.dirname(config)


def main(args: argparse.Namespace) -> int:
    if args.runner_path and not os.path.isdir(os.path.join(args.runner_path, "asv_runner")):
        print(f"kbench selfcheck: --runner-path {args.runner_path!r} holds no asv_runner package", file=sys.stderr)
        return 2
    try:
        report = run_check(find_root(), args.bound, args.runner_path, rounds=args.rounds, keep=args.keep)
    except SelfCheckError as exc:
        print(f"kbench selfcheck: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["passed"] else 1
