"""Welch's t-test (the release check's rule) against Yuen's trimmed t-test, by the resampling of kbench power.

    python scripts/welch_vs_yuen.py results/release-checks/release-check-0.68.1-vs-0.68.1-<run id>.json

For every tested timing set of a release-check report (an A/A check is best), simulated checks resample the
set's own log round residuals for both sides, slow the candidate by 0, 20 and 50 %, and count how often the
ratio passes the factor and the test is significant at the level a lone regression must pass (Holm's first
step over the report's rows and looks). Prints, per slowdown and test, the mean flag probability and the share
of sets flagged in at least 80 % of the checks. The table in docs/release-check.md came from this script.
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats as sstats

from kbench import power, stats

TRIALS = 300
SLOWDOWNS = (1.0, 1.2, 1.5)
TESTS = {"welch": 0.0, "yuen (20 % trimmed)": 0.2}


def flag_share(residuals, rounds, slowdown, trim, factor, level, rng):
    flagged = 0
    for _ in range(TRIALS):
        base = np.exp(rng.choice(residuals, rounds))
        cand = np.exp(rng.choice(residuals, rounds)) * slowdown
        p = sstats.ttest_ind(np.log(cand), np.log(base), equal_var=False, trim=trim).pvalue
        if math.isfinite(p):
            flagged += stats.median_ratio(list(base), list(cand)) > factor and p < level
    return flagged / TRIALS


def main(path):
    warnings.simplefilter("ignore", RuntimeWarning)  # a resampled side may repeat one value
    report = json.load(open(path))
    s = report["settings"]
    rows = [r for r in report["rows"] if r.get("p_value") is not None and r.get("type") == "time"
            and (r.get("baseline") or {}).get("round_medians") and (r.get("candidate") or {}).get("round_medians")]
    level = s["alpha"] / ((s.get("looks") or 1) * (s.get("pairs") or 1) * len(rows))
    rng = np.random.default_rng(0)
    residuals = [np.array(power.log_residuals(r["baseline"]["round_medians"], r["candidate"]["round_medians"]))
                 for r in rows]
    print(f"{len(rows)} sets, {s['rounds']} rounds a side, level {level:.2g}, {TRIALS} checks per set")
    for slowdown in SLOWDOWNS:
        for name, trim in TESTS.items():
            shares = np.array([flag_share(res, int(s["rounds"]), slowdown, trim, s["factor"], level, rng)
                               for res in residuals])
            print(f"slowdown {slowdown:.2f} {name:20s} mean P(flag) {shares.mean():.2f}, "
                  f"sets flagged in >= 80 %: {(shares >= 0.8).mean():.0%}")


if __name__ == "__main__":
    main(sys.argv[1])
