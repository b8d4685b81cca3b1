"""Write the synthetic asv result fixtures in tests/data/synthetic/ (run once; the output is committed).

Two asv results files (api version 2, the format ``asv run --record-samples`` writes) for a baseline and a
candidate environment, plus the matching ``benchmarks.json``. Timings are drawn from log-normal noise around a
chosen centre, seeded, so every case is reproducible:

=====================================  ======================================================================
benchmark                              case
=====================================  ======================================================================
cases.Cases.time_regressed             1.00 ms -> 1.25 ms, 2 % noise, 20 samples a side: a clear regression
cases.Cases.time_improved              2.00 ms -> 1.50 ms: a clear improvement
cases.Cases.time_small_shift           1.00 ms -> 1.05 ms, significant but within the 1.10 factor: no alarm
cases.Cases.time_bimodal               bimodal noise, medians 1.15 apart, same distribution: not significant
cases.Cases.time_few_samples           3 samples a side (a --quick run), 1.2x with overlapping CIs: no alarm
cases.Cases.time_only_baseline         absent from the candidate file
cases.Cases.time_only_candidate        absent from the baseline file
cases.Cases.time_failed                null in the candidate (it raised): failed
cases.Cases.time_skipped               NaN on both sides (n/a): skipped, not an error
cases.Kernel.time_kernel               parameterised size x target: one regression, one improvement, one
                                       unchanged, one combination n/a on both sides
cases.Kernel.track_gbps                GB/s drops by 30 %: reported as a decrease, never gating
cases.Kernel.peakmem_kernel            peak memory up 1.5x, one value per round: informational only
=====================================  ======================================================================
"""
from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent / "synthetic"
COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
           "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]
STARTED = 1_795_272_100_000  # a JS timestamp (ms)
NaN = float("nan")


def draw(rng, centre, n, noise=0.02):
    return [centre * math.exp(rng.gauss(0.0, noise)) for _ in range(n)]


def stats(samples):
    """Roughly what asv stores: the median, a 99 % interval and the quartiles."""
    s = sorted(samples)
    med = statistics.median(s)
    if len(s) >= 2:
        q = statistics.quantiles(s, n=4, method="inclusive")
        q25, q75 = q[0], q[2]
        half = 2.576 * 1.2533 * statistics.stdev(s) / math.sqrt(len(s))
    else:
        q25 = q75 = med
        half = 0.0
    return {"result": med, "ci_a": med - half, "ci_b": med + half, "q25": q25, "q75": q75, "n": len(s)}


def row(values, params=None):
    """An asv results row; ``values`` holds per combination a sample list, None (failed) or NaN (skipped)."""
    cols = {c: [] for c in ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75",
                            "stats_number", "stats_repeat", "samples")}
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            cols["result"].append(v)
            for c in cols:
                if c != "result":
                    cols[c].append(None)
            continue
        st = stats(v)
        cols["result"].append(st["result"])
        cols["stats_ci_99_a"].append(st["ci_a"])
        cols["stats_ci_99_b"].append(st["ci_b"])
        cols["stats_q_25"].append(st["q25"])
        cols["stats_q_75"].append(st["q75"])
        cols["stats_number"].append(1)
        cols["stats_repeat"].append(st["n"])
        cols["samples"].append(v)
    out = []
    for c in COLUMNS:
        if c == "params":
            out.append(params or [])
        elif c == "version":
            out.append("0" * 64)
        elif c == "started_at":
            out.append(STARTED)
        elif c == "duration":
            out.append(1.0)
        elif c == "profile":
            out.append(None)
        else:
            col = cols[c]
            out.append(None if all(x is None for x in col) else col)
    while out and out[-1] is None:
        out.pop()
    return out


def results_file(numba, llvmlite, results):
    env = f"virtualenv-py3.11-llvmlite{llvmlite}-numba{numba}-numpy2.4.6-scipy1.17.1"
    reqs = {"numpy": "2.4.6", "llvmlite": llvmlite, "numba": numba, "scipy": "1.17.1"}
    return {"commit_hash": "0123456789abcdef0123456789abcdef01234567", "env_name": env, "date": STARTED,
            "params": {"arch": "x86_64", "cpu": "fixture", "machine": "fixture", "num_cpu": "2",
                       "os": "Linux", "ram": "1", "python": "3.11", **reqs},
            "python": "3.11", "requirements": reqs, "env_vars": {}, "result_columns": COLUMNS,
            "results": results, "durations": {}, "version": 2}


def bench(name, kind, unit, params=None, param_names=None):
    return {"name": name, "type": kind, "unit": unit, "params": params or [], "param_names": param_names or [],
            "version": "0" * 64, "timeout": 60.0, "rounds": 2}


def main():
    rng = random.Random(20261121)
    ms = 1e-3
    base, cand, infos = {}, {}, {}

    def simple(name, b, c):
        infos[f"cases.Cases.{name}"] = bench(f"cases.Cases.{name}", "time", "seconds")
        if b is not False:
            base[f"cases.Cases.{name}"] = row([b])
        if c is not False:
            cand[f"cases.Cases.{name}"] = row([c])

    simple("time_regressed", draw(rng, 1.00 * ms, 20), draw(rng, 1.25 * ms, 20))
    simple("time_improved", draw(rng, 2.00 * ms, 20), draw(rng, 1.50 * ms, 20))
    simple("time_small_shift", draw(rng, 1.00 * ms, 20, 0.01), draw(rng, 1.05 * ms, 20, 0.01))
    # two modes (say, two thread placements) that both environments hit; the split differs by one sample
    lo_b, hi_b = draw(rng, 1.00 * ms, 10, 0.01), draw(rng, 1.30 * ms, 10, 0.01)
    lo_c, hi_c = draw(rng, 1.00 * ms, 9, 0.01), draw(rng, 1.30 * ms, 11, 0.01)
    simple("time_bimodal", lo_b + hi_b, lo_c + hi_c)
    simple("time_few_samples", draw(rng, 1.00 * ms, 3, 0.15), draw(rng, 1.20 * ms, 3, 0.15))
    simple("time_only_baseline", draw(rng, 1.00 * ms, 20), False)
    simple("time_only_candidate", False, draw(rng, 1.00 * ms, 20))
    simple("time_failed", draw(rng, 1.00 * ms, 20), None)
    simple("time_skipped", NaN, NaN)

    sizes, targets = ["1000", "100000"], ["'jit'", "'numpy'"]
    params = [sizes, targets]
    infos["cases.Kernel.time_kernel"] = bench("cases.Kernel.time_kernel", "time", "seconds", params,
                                              ["size", "target"])
    centres_b = {("1000", "'jit'"): 2e-6, ("1000", "'numpy'"): 3e-6,
                 ("100000", "'jit'"): 1e-4, ("100000", "'numpy'"): None}
    centres_c = {("1000", "'jit'"): 2e-6, ("1000", "'numpy'"): 2e-6,  # improvement
                 ("100000", "'jit'"): 1.4e-4, ("100000", "'numpy'"): None}  # regression; n/a both sides
    vb, vc = [], []
    for s in sizes:
        for t in targets:
            cb, cc = centres_b[(s, t)], centres_c[(s, t)]
            vb.append(NaN if cb is None else draw(rng, cb, 20))
            vc.append(NaN if cc is None else draw(rng, cc, 20))
    base["cases.Kernel.time_kernel"] = row(vb, params)
    cand["cases.Kernel.time_kernel"] = row(vc, params)

    infos["cases.Kernel.track_gbps"] = bench("cases.Kernel.track_gbps", "track", "GB/s", params, ["size", "target"])
    base["cases.Kernel.track_gbps"] = row([draw(rng, 10.0, 10) for _ in range(4)], params)
    cand["cases.Kernel.track_gbps"] = row([draw(rng, 7.0, 10) for _ in range(4)], params)

    infos["cases.Kernel.peakmem_kernel"] = bench("cases.Kernel.peakmem_kernel", "peakmemory", "bytes", params,
                                                 ["size", "target"])
    base["cases.Kernel.peakmem_kernel"] = row([[100e6] * 3 for _ in range(4)], params)
    cand["cases.Kernel.peakmem_kernel"] = row([[150e6] * 3 for _ in range(4)], params)

    HERE.mkdir(exist_ok=True)
    infos["version"] = 2
    (HERE / "benchmarks.json").write_text(json.dumps(infos, indent=4, sort_keys=True) + "\n")
    (HERE / "baseline.json").write_text(json.dumps(results_file("0.67.0", "0.49.0", base)) + "\n")
    (HERE / "candidate.json").write_text(json.dumps(results_file("0.68.1", "0.50.0", cand)) + "\n")


if __name__ == "__main__":
    main()
