"""``kbench power``: how small a slowdown the release check can see on this machine, per parameter set.

Input: one or more release-check reports (their JSON), ideally A/A checks (the same release on both sides),
whose round medians show how much a timing moves between processes here. For each tested timing row:

* the **spread**: the robust standard deviation of the log round medians (1.4826 x their median absolute
  deviation, each side centred on its own median, both sides pooled), shown as a percentage;
* the **power** at each slowdown of ``--slowdowns``: the share of simulated checks that would call it a
  regression. Each simulated check resamples ``rounds`` round medians for each side from the measured
  residuals, multiplies the candidate's by the slowdown, and applies the release check's own rule
  (:func:`kbench.stats.median_ratio`, :func:`kbench.stats.welch_log_test`, :func:`kbench.stats.verdict`) at
  the level one row gets when Holm's method spreads ``alpha`` over all the report's tested rows and the
  confirmation stages' looks and, for a pair of a history run, the pairs (``alpha / (looks * pairs * rows)``,
  Holm's first step: the level a lone real
  regression among unchanged rows must pass);
* the **smallest flagged slowdown**: the least slowdown beyond the factor, on a fine grid, flagged with
  ``--power`` probability.

The machine summary says on what share of the timing sets 10 %, 20 % and 50 % slowdowns are flagged. The
resampling is seeded, so the same reports give the same table.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _io, _options
from . import report as report_md

DEFAULT_SLOWDOWNS = (1.05, 1.1, 1.2, 1.5)
DEFAULT_POWER = 0.8
DEFAULT_TRIALS = 400
GRID = tuple(round(1.0 + 0.01 * i, 2) for i in range(1, 30)) + (1.35, 1.4, 1.5, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0)


def log_residuals(base: Sequence[float], cand: Sequence[float]) -> List[float]:
    """Log round medians of each side minus that side's median log, both sides pooled."""
    out: List[float] = []
    for side in (base, cand):
        logs = [math.log(v) for v in side if v and v > 0 and math.isfinite(v)]
        if logs:
            centre = statistics.median(logs)
            out += [x - centre for x in logs]
    return out


def robust_spread(residuals: Sequence[float]) -> float:
    """1.4826 x the median absolute deviation of the residuals (a standard deviation for normal data)."""
    if not residuals:
        return math.nan
    centre = statistics.median(residuals)
    return 1.4826 * statistics.median(abs(r - centre) for r in residuals)


def flag_probability(residuals: Sequence[float], rounds: int, slowdown: float, factor: float, alpha: float,
                     trials: int, rng) -> float:
    """The share of ``trials`` simulated checks (``rounds`` resampled round medians a side, the candidate's
    ``slowdown`` times slower) that the release check's rule flags as a regression at level ``alpha``."""
    import numpy as np

    res = np.asarray(residuals, dtype=float)
    if res.size < 2 or rounds < 2:
        return math.nan
    with warnings.catch_warnings():
        # resampling can repeat one round's value on a side: scipy warns about the precision of that variance
        warnings.simplefilter("ignore", RuntimeWarning)
        return _flagged_share(res, rounds, slowdown, factor, alpha, trials, rng)


def _flagged_share(res, rounds, slowdown, factor, alpha, trials, rng) -> float:
    """All ``trials`` simulated checks at once (one row each): the same rule as :func:`kbench.stats.median_ratio`,
    :func:`kbench.stats.welch_log_test` and :func:`kbench.stats.verdict` applied row by row (the tests check it),
    vectorised because a check of 500 parameter sets needs millions of them."""
    import numpy as np
    from scipy import stats as sp_stats

    lb = rng.choice(res, (trials, rounds))
    lc = rng.choice(res, (trials, rounds)) + math.log(slowdown)
    ratio = np.median(np.exp(lc), axis=1) / np.median(np.exp(lb), axis=1)
    p = sp_stats.ttest_ind(lc, lb, axis=1, equal_var=False).pvalue
    # a resampled side whose rounds are all one value on both sides has no spread: the t-test is undefined, not a
    # flag (welch_log_test answers NaN there; scipy would give p = 0 for different means)
    defined = (lb.var(axis=1) > 0) | (lc.var(axis=1) > 0)
    flagged = defined & ~np.isnan(p) & (p < alpha) & (ratio > factor)
    return float(np.count_nonzero(flagged)) / trials


def analyse(report: Mapping[str, Any], slowdowns: Sequence[float] = DEFAULT_SLOWDOWNS,
            power: float = DEFAULT_POWER, trials: int = DEFAULT_TRIALS, seed: int = 0) -> Dict[str, Any]:
    """The detectability table of one release-check report: a row per tested timing parameter set."""
    import numpy as np

    from . import stats

    s = report["settings"]
    rounds, factor = int(s["rounds"]), float(s["factor"])
    tested = [r for r in report["rows"] if r.get("p_value") is not None and r.get("type") == "time"
              and (r.get("baseline") or {}).get("round_medians") and (r.get("candidate") or {}).get("round_medians")]
    looks = int(s.get("looks") or 1)
    pairs = int(s.get("pairs") or 1)  # a pair of a kbench history shares alpha with the other pairs
    level = float(s["alpha"]) / (looks * pairs * max(1, len(tested)))
    rng = np.random.default_rng(seed)
    rows = []
    for r in tested:
        res = log_residuals(r["baseline"]["round_medians"], r["candidate"]["round_medians"])
        powers = {f"{x:g}": flag_probability(res, rounds, x, factor, level, trials, rng) for x in slowdowns}
        smallest = None
        for x in GRID:
            if x <= factor:
                continue  # below the factor a flag is noise pushing the observed ratio over it: not "seen"
            if flag_probability(res, rounds, x, factor, level, max(100, trials // 4), rng) >= power:
                smallest = x
                break
        rows.append({"benchmark": r["benchmark"], "params": r["params"], "spread": robust_spread(res),
                     "power": powers, "smallest_flagged": smallest,
                     "median_seconds": statistics.median(r["baseline"]["round_medians"])})
    summary = {f"{x:g}": (sum(1 for row in rows if row["smallest_flagged"] is not None
                                and row["smallest_flagged"] <= x + 1e-9) / len(rows) if rows else math.nan)
               for x in (1.1, 1.2, 1.5)}
    return {"baseline": report["baseline"]["version"], "candidate": report["candidate"]["version"],
            "machine": report.get("machine"), "rounds": rounds, "factor": factor, "alpha": s["alpha"],
            "looks": looks, "pairs": pairs, "level": level, "tested": len(tested), "power_target": power, "trials": trials,
            "rows": rows, "summary": summary, "rule": stats.TEST}


THRESHOLD_Z = 3.0  # a step of 3 standard deviations of a two-run difference: about 0.3 % of unchanged pairs
THRESHOLD_FLOOR = 0.05  # asv's history never flags less than this, however quiet a benchmark is


def history_threshold(spread: float, z: float = THRESHOLD_Z, floor: float = THRESHOLD_FLOOR) -> float:
    """The relative step asv's history page should need before it marks a regression on a series whose round
    medians spread by ``spread`` (log standard deviation): asv compares one run per commit, so two runs
    differ with a log standard deviation of sqrt(2) x spread, and a step must pass z of those. Rounded up to a
    whole percent, never below ``floor``."""
    if not math.isfinite(spread) or spread < 0:
        raise ValueError(f"spread must be a finite non-negative number, got {spread!r}")
    step = math.exp(z * math.sqrt(2.0) * spread) - 1.0
    return max(floor, math.ceil(step * 100.0 - 1e-9) / 100.0)


def thresholds(results_list: Sequence[Mapping[str, Any]]) -> Dict[str, float]:
    """asv ``regressions_thresholds`` entries, one anchored regex per measured parameter set (asv matches
    ``name(v1, v2)`` and takes the largest matching threshold); the largest over every report given."""
    out: Dict[str, float] = {}
    for result in results_list:
        for row in result["rows"]:
            combo = ", ".join(str(v) for v in row["params"].values())
            # asv appends "@<branch>" to the name when the graph is per branch: allowed, nothing else
            key = "^" + re.escape(f"{row['benchmark']}({combo})" if combo else row["benchmark"]) + "(@.*)?$"
            out[key] = max(out.get(key, 0.0), history_threshold(row["spread"]))
    return dict(sorted(out.items()))


# The steps the measured thresholds are rounded up to in asv.conf.json. asv matches every regex of
# regressions_thresholds against every graph entry of the site; Python's re module caches 512 compiled patterns,
# so one regex per parameter set (500 and more) had every match recompile its pattern and made `asv publish`
# run past 10 minutes (measured; 29 s grouped). Grouped by step, a dozen regexes do the same work.
THRESHOLD_STEPS = (0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0)


def grouped_thresholds(per_set: Mapping[str, float], floor: float = THRESHOLD_FLOOR) -> Dict[str, float]:
    """:func:`thresholds`' entries for asv.conf.json: each set's threshold rounded up to the next of
    :data:`THRESHOLD_STEPS` (so a set never gets less than it measured), sets at the floor left to the ``".*"``
    class, and one regex per step matching all of its sets (``^(?:name(params)|...)(@.*)?$``)."""
    by_step: Dict[float, List[str]] = {}
    for regex, value in per_set.items():
        step = next((x for x in THRESHOLD_STEPS if x >= value - 1e-12), THRESHOLD_STEPS[-1])
        if step <= floor:
            continue
        body = regex[1:-len("(@.*)?$")] if is_measured_entry(regex) else regex
        by_step.setdefault(step, []).append(body)
    return {"^(?:" + "|".join(sorted(bodies)) + ")(@.*)?$": step for step, bodies in sorted(by_step.items())}


def is_measured_entry(regex: str) -> bool:
    """Whether a ``regressions_thresholds`` key is one :func:`thresholds` wrote (an anchored parameter set)."""
    return regex.startswith("^") and regex.endswith("(@.*)?$")


def merge_thresholds(config: Mapping[str, Any], measured: Mapping[str, float]) -> Dict[str, Any]:
    """``config`` (asv.conf.json's data) with ``measured`` entries in place of the measured entries it had; the
    hand-written class entries (``".*"``, the parallel, GPU and compile classes) stay. asv takes the largest of
    every threshold whose regex matches, so a measured threshold raises a class's where a set is noisier than
    its class assumes and never lowers it."""
    current = dict(config.get("regressions_thresholds") or {})
    merged = {k: v for k, v in current.items() if not is_measured_entry(k)}
    merged.update(measured)
    out = dict(config)
    out["regressions_thresholds"] = merged
    return out


def with_thresholds(text: str, thresholds: Mapping[str, float]) -> str:
    """asv.conf.json's ``text`` with its ``regressions_thresholds`` mapping replaced by ``thresholds`` (one entry a
    line), everything else of the file as it was written. ValueError where the file has no such mapping or the
    result would not read back as the same configuration with the new thresholds."""
    match = re.search(r'"regressions_thresholds"\s*:\s*\{[^{}]*\}', text)
    if not match:
        raise ValueError("the asv configuration has no regressions_thresholds mapping to update")
    entries = ",\n".join(f"        {json.dumps(k)}: {v:g}" for k, v in thresholds.items())
    new = text[:match.start()] + '"regressions_thresholds": {\n' + entries + "\n    }" + text[match.end():]
    expected = dict(json.loads(text), regressions_thresholds=dict(thresholds))
    if json.loads(new) != expected:  # pragma: no cover - a guard against a file this function misreads
        raise ValueError("updating regressions_thresholds would change more than the thresholds")
    return new


def render(result: Mapping[str, Any]) -> str:
    summ = result["summary"]
    head = ["benchmark", "params", "time", "spread"] + [f"P(flag +{float(x) - 1:.0%})" for x in result["rows"][0]
                                                          ["power"]] + ["smallest flagged"] if result["rows"] else []
    lines = [f"# Detection power: {result['machine']}, from the check {result['baseline']} → {result['candidate']}",
             "",
             f"{result['tested']} tested timing sets, {result['rounds']} rounds a side, factor {result['factor']:g}, "
             f"level {result['level']:.2g} per row (alpha {result['alpha']:g} over {result['tested']} rows and "
             f"{result['looks']} look(s)" + (f", shared by {result['pairs']} release pairs" if result.get("pairs", 1) > 1
                                              else "") + f"); {result['trials']} simulated checks per cell; the smallest flagged "
             f"slowdown is flagged in {result['power_target']:.0%} of them.", "",
             "**This machine flags " + ", ".join(
                 f"{float(x) - 1:.0%} on {v:.0%}" for x, v in summ.items() if not math.isnan(v))
             + " of the timing sets.**", ""]
    if result["rows"]:
        body = []
        for row in sorted(result["rows"], key=lambda r: (r["smallest_flagged"] or 99, r["benchmark"])):
            body.append([f"`{row['benchmark']}`", report_md.format_params(row["params"]),
                         report_md.format_value(row["median_seconds"], "seconds"),
                         f"{100 * row['spread']:.1f} %"]
                        + [f"{p:.2f}" if not math.isnan(p) else "n/a" for p in row["power"].values()]
                        + [f"{row['smallest_flagged']:g}x" if row["smallest_flagged"] else "beyond 4x"])
        lines.append(report_md.table(head, body))
    return "\n".join(lines) + "\n"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reports", nargs="+", metavar="REPORT.json",
                        help="release-check reports (JSON); A/A checks show this machine's own noise")
    parser.add_argument("--power", type=_options.option_type("--power", _options.probability),
                        default=DEFAULT_POWER, help="the flag probability that counts as seen (default %(default)s)")
    parser.add_argument("--trials", type=_options.option_type("--trials", _options.positive_int),
                        default=DEFAULT_TRIALS, help="simulated checks per cell (default %(default)s)")
    parser.add_argument("--json", metavar="PATH", help="also write the tables as JSON")
    parser.add_argument("--thresholds", metavar="PATH",
                        help="write asv regressions_thresholds derived from the measured spread (JSON: anchored "
                             "regex per parameter set -> relative step; see docs/release-check.md)")
    parser.add_argument("--update-config", metavar="ASV_CONF",
                        help="put those thresholds into this asv.conf.json's regressions_thresholds, in place of "
                             "the measured entries it had (its class entries stay)")


def main(args: argparse.Namespace) -> int:
    out = []
    for path in args.reports:
        try:
            report = _io.read_json(path, "release-check report")
            if not isinstance(report, dict) or report.get("kind") != "kbench-release-check":
                raise ValueError(f"{path}: not a kbench release-check report")
            result = analyse(report, power=args.power, trials=args.trials)
        except (OSError, ValueError, KeyError) as exc:
            print(f"kbench power: {exc}", file=sys.stderr)
            return 2
        result["report"] = str(path)
        out.append(result)
        print(render(result))
    if args.json:
        _io.atomic_write_json(args.json, report_md.json_safe(out))
    measured = thresholds(out)
    if args.thresholds:
        _io.atomic_write_json(args.thresholds, measured)
    if args.update_config:
        grouped = grouped_thresholds(measured)
        try:
            config = _io.read_json(args.update_config, "asv configuration")
            with open(args.update_config, encoding="utf-8") as f:
                text = with_thresholds(f.read(), merge_thresholds(config, grouped)["regressions_thresholds"])
        except (OSError, ValueError) as exc:
            print(f"kbench power: {exc}", file=sys.stderr)
            return 2
        _io.atomic_write_text(args.update_config, text)
        print(f"kbench power: {len(measured)} measured thresholds written to {args.update_config} (rounded up to "
              f"{len(grouped)} steps)", file=sys.stderr)
    return 0
