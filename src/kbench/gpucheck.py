"""The GPU check's Python steps (``scripts/gpu_check.sh`` runs them, each in its own process):

- ``check``: ``kbench check`` for the GPU targets only: each GPU target on fresh random data, every layout and
  both dtypes, against the float64 NumPy reference (same sizes and tolerances as ``kbench check``);
- ``summary``: read what the steps wrote into the output folder and say, in ``summary.txt`` and
  ``summary.json``, what ran, what was skipped and why, what failed, and which measurements ran throttled; its
  exit status is the script's: 0 all ok, 2 broken.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OK, BROKEN = 0, 2


def check_gpu_targets(seed=None):
    """Rows like ``kbench check --json`` gives, for GPU targets only."""
    from .check import run_checks

    return run_checks(seed=seed, device="gpu")


def _load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        return {"_missing": f"{Path(path).name}: {exc}"}


def summarise(out, sim, step_status):
    """The verdict from the files in ``out``; ``step_status``: {step: exit status} from the script."""
    out = Path(out)
    problems, notes, lines = [], [], []
    env = _load(out / "environment.json")
    if "_missing" in env:
        problems.append(f"no environment record ({env['_missing']})")
    else:
        dev = env.get("cuda_device", {})
        nvml = (env.get("nvml") or {}).get("device") or {}
        if env.get("simulator"):
            lines.append("device: numba-cuda SIMULATOR (no GPU: no timing here describes hardware)")
            if not sim:
                problems.append("NUMBA_ENABLE_CUDASIM is set, but this was not a --sim run: no GPU was measured")
        elif "error" in dev:
            problems.append(f"no CUDA device: {dev['error']}")
        else:
            lines.append(f"device: {dev.get('name')} cc {dev.get('compute_capability')}, {dev.get('sm_count')} SMs, "
                         f"driver {nvml.get('driver_version')}, CUDA driver {dev.get('cuda_driver_version')}, "
                         f"runtime {dev.get('cuda_runtime_version')}")
            if (env.get("nvml") or {}).get("error"):
                notes.append(f"no NVML state recorded: {env['nvml']['error']}")
        if sim and not env.get("simulator"):
            problems.append("--sim run without NUMBA_ENABLE_CUDASIM=1")

    check = _load(out / "check.json")
    if isinstance(check, dict):
        problems.append(f"kbench check on GPU targets: no result ({check.get('_missing')})")
    else:
        bad = [r for r in check if r["status"] in ("wrong", "error")]
        ok = sum(r["status"] == "ok" for r in check)
        lines.append(f"check: {ok} ok, {len(bad)} wrong or failed, "
                     f"{sum(r['status'] == 'skipped' for r in check)} targets skipped")
        problems += [f"check {r['kernel']} {r.get('layout', '')} {r.get('dtype', '')}: {r['status']} "
                     f"{r.get('reason', '') or 'rel.err %.3g > tol %.0e' % (r['error'], r['tolerance'])}" for r in bad]
        if not sim and ok == 0:
            problems.append("check: no GPU target ran on this GPU machine")

    measured = 0
    for stage in ("ceilings", "efficiency", "tier"):
        record = _load(out / f"{stage}.json")
        if "_missing" in record:
            problems.append(f"{stage}: no result ({record['_missing']})")
            continue
        rows = record["results"]
        counts = {}
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        measured += counts.get("ok", 0)
        lines.append(f"{stage}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
        problems += [f"{r['benchmark']}{tuple(r['params'])}: {r.get('error')}" for r in rows if r["status"] == "failed"]
        throttled = [r for r in rows if (r.get("gpu") or {}).get("throttled")]
        if throttled:
            notes.append(f"{stage}: {len(throttled)} measurements ran throttled (see their 'gpu' field), e.g. "
                         f"{throttled[0]['benchmark']}: {throttled[0]['gpu']['why']}")
        if counts.get("not run"):
            notes.append(f"{stage}: {counts['not run']} benchmarks not started within the time budget")
        if record.get("simulator") != bool(sim):
            problems.append(f"{stage}: recorded simulator={record.get('simulator')} in a run with sim={bool(sim)}")
    if measured == 0:
        problems.append("no benchmark produced a result")
    for step, status in step_status.items():
        if step == "tier" and status in (124, 137):  # stopped by its limit: what it measured is kept
            notes.append("tier: stopped by its time limit; the benchmarks it finished are in tier.json")
        elif status not in (0, None):
            problems.append(f"step {step} exited with status {status}" + (" (killed by its time limit)"
                                                                          if status in (124, 137) else ""))
    verdict = "BROKEN" if problems else "OK"
    text = "\n".join([f"GPU check: {verdict}" + (" (simulator run)" if sim else ""), *lines,
                      *[f"problem: {p}" for p in problems], *[f"note: {n}" for n in notes]])
    (out / "summary.txt").write_text(text + "\n")
    (out / "summary.json").write_text(json.dumps({"verdict": verdict, "simulator": bool(sim), "problems": problems,
                                                  "notes": notes, "steps": step_status}, indent=1) + "\n")
    print(text)
    return BROKEN if problems else OK


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kbench.gpucheck")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="GPU targets against the NumPy reference (JSON)")
    c.add_argument("--out", required=True)
    c.add_argument("--seed", type=int)
    s = sub.add_parser("summary", help="verdict over an output folder; exit 0 ok, 2 broken")
    s.add_argument("out")
    s.add_argument("--sim", action="store_true")
    s.add_argument("--step", action="append", default=[], help="NAME=STATUS of a step the script ran")
    args = parser.parse_args(argv)
    if args.command == "check":
        rows = check_gpu_targets(args.seed)
        Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")
        for r in rows:
            print(f"{r['kernel']:<24} {r.get('layout', ''):<10} {r.get('dtype', ''):<8} {r['status']:<7} "
                  f"{r.get('reason', '') or '%.2e' % r['error']}")
        return BROKEN if any(r["status"] in ("wrong", "error") for r in rows) else OK
    steps = {}
    for item in args.step:
        name, _, status = item.partition("=")
        steps[name] = int(status) if status.strip().lstrip("-").isdigit() else None
    return summarise(args.out, args.sim, steps)


if __name__ == "__main__":
    sys.exit(main())
