"""``kbench selfcheck``: does the suite's timing mean what it says, under the asv and asv_runner installed here?

It times a few microsecond-scale kernels by two independent methods, in alternation, each round in fresh
processes. A kernel's speed differs from one process to the next, often in two modes (sumsq at 10^3: 3 or 5 µs;
the Gauss ufunc: 11 or 20 µs), so each side's figure is its *fastest* process: the smallest of the per-round
medians. A harness that adds overhead or times the wrong thing moves every process, the fastest included;
which mode a process lands in does not move the fastest of five.

1. **through the suite**: a real ``asv run`` of those parameter sets in this interpreter (asv's existing
   environment), into a temporary results folder, with ``--record-samples``; the stored value (asv's median of
   the samples, per call) is read back through ``asv.results``;
2. **in process**: in a fresh interpreter, the same benchmark class prepared by its own ``setup`` (same inputs,
   same compiled kernel), then ``timeit`` of the bare call ``fn(*args)``, each repeat about 20 ms.

The check fails (exit 1) when the two disagree by more than ``--bound`` (default 1.3x) in either direction for
any case: the harness is then not timing what it claims. A run that could not be made (asv missing, asv failed, no
result) exits 2. ``--runner-path DIR`` puts an asv_runner installed into DIR (``pip install --target DIR
asv_runner==0.2.5``) in front of the benchmark processes' path, to check another asv_runner version with the
same asv; the version that actually ran is reported.
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
import timeit
from typing import Any, Dict, List, Optional, Sequence

DEFAULT_BOUND = 1.3
REPEAT_SECONDS = 0.02
REPEATS = 7
DEFAULT_ROUNDS = 5

# (module, class, method, params as asv passes them): microsecond-scale calls, where per-sample overhead and
# asv_runner's choice of calls per sample would show first. CPU targets only, so it runs on every machine.
CASES = (
    ("sumsq", "SumSquares", "time_kernel", (1000, "contiguous", "jit", "float64")),
    ("sumsq", "SumSquares", "time_kernel", (1000, "contiguous", "numpy_dot", "float64")),
    ("matmul", "Matmul", "time_kernel", (16, "jit_ikj", "float64")),
    ("gauss", "Gauss", "time_kernel", (1000, "contiguous", "vectorize_cpu", "float64")),
)


class SelfCheckError(RuntimeError):
    """The check could not be made (as opposed to: it was made and the timings disagree)."""


def case_name(case) -> str:
    module, cls, method, _ = case
    return f"{module}.{cls}.{method}"


def case_label(case) -> str:
    """The parameter set as asv prints it: ``name(1000, 'contiguous', 'jit', 'float64')``."""
    return f"{case_name(case)}({', '.join(repr(p) for p in case[3])})"


def bench_regex(case) -> str:
    """An asv ``--bench`` regex matching exactly this parameter set (asv searches ``name(p1, p2, ...)``)."""
    return "^" + re.escape(case_label(case)) + "$"


# ------------------------------------------------------------------------------------------- in process

def _import_benchmarks(root: str):
    if root not in sys.path:
        sys.path.insert(0, root)
    import importlib

    return importlib.import_module("benchmarks")


def prepare_in_process(root: str, case):
    """The benchmark class's own setup (inputs, warm-up, reference check), and the bare call it times."""
    import importlib

    _import_benchmarks(root)
    module, cls, _, params = case
    bench = getattr(importlib.import_module(f"benchmarks.{module}"), cls)()
    bench.setup(*params)
    fn, args = bench.target.build(), bench.host_args
    return fn, args


def timeit_seconds(fn, args, repeats: int = REPEATS, repeat_seconds: float = REPEAT_SECONDS) -> List[float]:
    """Seconds per call of ``fn(*args)`` from ``repeats`` timeit repeats of about ``repeat_seconds`` each."""
    timer = timeit.Timer("fn(*args)", globals={"fn": fn, "args": args})
    one = timer.timeit(1)
    number = max(1, int(repeat_seconds / max(one, 1e-9)))
    probe = timer.timeit(number) / number  # the first estimate, from one call, is often several times too high
    number = max(1, int(repeat_seconds / max(probe, 1e-9)))
    return [t / number for t in timer.repeat(repeat=repeats, number=number)]


# ------------------------------------------------------------------------------------------- through asv

def derived_config(root: str, tmp: str) -> str:
    """A copy of the repository's asv.conf.json writing everything under ``tmp``
    (:func:`kbench.asvenv.scratch_config`); returns its path."""
    from . import asvenv, repo

    conf = asvenv.scratch_config(repo.load_config(os.path.join(root, repo.CONFIG_NAME)), root, tmp)
    return str(asvenv.write_config(conf, os.path.join(tmp, repo.CONFIG_NAME)))


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


def asv_timings(root: str, cases, tmp: str, runner_path: Optional[str] = None) -> Dict[str, Any]:
    """Run the cases with asv in this interpreter; {label: {"value", "samples"}} plus the versions used."""
    try:
        import asv
    except ImportError as exc:
        raise SelfCheckError("asv is not installed here; install the bench extra (pip install -e '.[bench]')") from exc
    config = derived_config(root, tmp)
    env = dict(os.environ)
    if runner_path:
        env["ASV_PYTHONPATH"] = os.path.abspath(runner_path)
    from . import repo

    try:
        commit = repo.require_head(root)
    except repo.RepoError as exc:
        raise SelfCheckError(str(exc)) from None
    machine = "kbench-selfcheck"
    asv_cmd = [sys.executable, "-m", "asv"]
    from .harness import ensure_asv_machine

    try:
        ensure_asv_machine(machine)
    except ValueError as exc:
        raise SelfCheckError(str(exc)) from None
    cmd = asv_cmd + ["run", "--config", config, "-E", f"existing:{sys.executable}", "--machine", machine,
                     "--set-commit-hash", commit, "--record-samples", "--show-stderr"]
    for case in cases:
        cmd += ["--bench", bench_regex(case)]
    proc = _run(cmd, tmp, env)
    if proc.returncode != 0:
        raise SelfCheckError(f"asv run failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    folder = os.path.join(tmp, "results", machine)
    files = [f for f in os.listdir(folder) if f.endswith(".json") and f != "machine.json"] if os.path.isdir(folder) else []
    if len(files) != 1:
        raise SelfCheckError(f"expected one asv result file in {folder}, found {files}")
    from . import results

    stored = {(name, combo): m for name, combo, m in results.iter_measurements(
        results.load_results(os.path.join(folder, files[0])))}
    out: Dict[str, Any] = {}
    for case in cases:
        m = stored.get((case_name(case), tuple(repr(p) for p in case[3])))
        value, samples = (m.value, m.samples) if m is not None else (None, None)
        out[case_label(case)] = {"value": value, "samples": samples}
    return {"timings": out, "asv": asv.__version__, "asv_runner": runner_version(sys.executable, env),
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


def reference_round(root: str, cases=CASES) -> Dict[str, List[float]]:
    """One round of the in-process method in a fresh interpreter: {label: seconds per call of each repeat}."""
    code = ("import json, sys\n"
            "from kbench import selfcheck as s\n"
            "cases = [c for c in s.CASES if s.case_label(c) in json.loads(sys.argv[2])]\n"
            "out = {s.case_label(c): s.timeit_seconds(*s.prepare_in_process(sys.argv[1], c)) for c in cases}\n"
            "print('KBENCH-JSON ' + json.dumps(out))\n")
    labels = json.dumps([case_label(c) for c in cases])
    proc = subprocess.run([sys.executable, "-c", code, root, labels], cwd=root, capture_output=True, text=True,
                          check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("KBENCH-JSON ")]
    if proc.returncode != 0 or not lines:
        raise SelfCheckError(f"the in-process timing failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}")
    return json.loads(lines[-1][len("KBENCH-JSON "):])


def run_check(root: str, bound: float = DEFAULT_BOUND, runner_path: Optional[str] = None, cases=CASES,
              rounds: int = DEFAULT_ROUNDS, keep: Optional[str] = None) -> Dict[str, Any]:
    """``rounds`` alternations of the two methods, each in fresh processes: a kernel's speed differs from one
    process to the next (input alignment, thread placement; two modes up to 1.8x apart were measured here), so
    a median over three processes on each side disagreed by 1.6x in one CI run for reasons that have nothing to
    do with the harness. The figure compared is, on each side, the smallest of the rounds' medians (the
    medians over rounds are reported too)."""
    suite_rounds, ref_rounds = [], []
    versions = {}
    with tempfile.TemporaryDirectory(prefix="kbench-selfcheck-") as tmp:
        for i in range(rounds):
            ref_rounds.append(reference_round(root, cases))
            work = os.path.join(keep or tmp, f"round-{i + 1}")
            os.makedirs(work, exist_ok=True)
            suite = asv_timings(root, cases, work, runner_path)
            suite_rounds.append(suite["timings"])
            versions = {"asv": suite["asv"], "asv_runner": suite["asv_runner"]}
    rows = []
    for case in cases:
        label = case_label(case)
        asv_values = [r[label]["value"] for r in suite_rounds]
        ref_values = [statistics.median(r[label]) for r in ref_rounds]
        measured = [v for v in asv_values if v is not None and v > 0]
        asv_seconds = min(measured) if len(measured) == len(asv_values) else None
        samples = [s for r in suite_rounds for s in (r[label]["samples"] or []) if s is not None]
        row = {"case": label, "asv_seconds": asv_seconds, "asv_round_medians": asv_values, "asv_samples": samples,
               "timeit_seconds": min(ref_values), "timeit_round_medians": ref_values,
               "asv_median_of_rounds": statistics.median(measured) if measured else None,
               "timeit_median_of_rounds": statistics.median(ref_values)}
        row.update(compare(asv_seconds, row["timeit_seconds"], bound))
        rows.append(row)
    return {"bound": bound, "rounds": rounds, **versions, "rows": rows, "passed": all(r["agrees"] for r in rows)}


def render(report: Dict[str, Any]) -> str:
    from .report import format_value

    lines = [f"kbench selfcheck: asv {report['asv']}, asv_runner {report['asv_runner']} in the benchmark "
             f"processes; bound {report['bound']}x; {report['rounds']} rounds of each method", "",
             f"{'case':<72} {'asv':>12} {'spread':>8} {'timeit':>12} {'ratio':>7}"]
    for r in report["rows"]:
        samples = [s for s in (r["asv_samples"] or []) if s is not None]
        spread = f"{(max(samples) - min(samples)) / statistics.median(samples):.0%}" if samples else "-"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        lines.append(f"{r['case']:<72} {format_value(r['asv_seconds'], 'seconds'):>12} {spread:>8} "
                     f"{format_value(r['timeit_seconds'], 'seconds'):>12} {ratio:>7}"
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
                        help=f"alternations of the two methods, each in fresh processes (default {DEFAULT_ROUNDS})")
    parser.add_argument("--keep", metavar="DIR", default=None, help="keep asv's results and config in DIR")
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
