"""Compare two sets of asv results benchmark by benchmark, parameter combination by parameter combination.

Everything here is pure: it reads asv result files (or takes data already in memory) and returns rows; it never
runs asv. ``kbench release-check``, ``kbench bisect``, the pull-request gate (``python -m kbench.compare``),
``kbench noise`` and the results site all use this one rule (docs/release-check.md explains the choices).

**The unit of evidence is a round** (one benchmark process), not a sample: the samples of one process share
its state (thread placement, clocks, allocation), so they are not independent. The runs pass a fixed sample
count per round (``-a repeat=K``), which makes the rounds recoverable from asv's concatenated sample list
(:func:`kbench.stats.split_rounds`); each round is reduced to its median. The numbers and the verdict come
from :mod:`kbench.stats`; this module arranges them into rows.

A timing row (asv type "time") is

* **not tested** when the rounds cannot be recovered (a single summary value, samples without a known K or
  not a multiple of K) or either side has fewer than ``min_rounds`` (default :data:`MIN_ROUNDS`) rounds; its
  ratio is shown (of the medians of the round medians when rounds are known, else of the medians),
  it never gates;
* otherwise tested: ``ratio`` = median of the candidate's round medians / median of the baseline's (robust to
  one disturbed round: a process that shared the cores with something else reads 10-40x slow for a parallel
  kernel, and would drag a mean of logs by 1.5x at 6 rounds), and ``p_value`` = two-sided Welch t-test (``scipy.stats.ttest_ind(equal_var=False)``) on the log round medians.
  The p-values of all tested rows of one comparison are adjusted together into ``q_value``: by default
  Holm's step-down method, which holds the family-wise error rate at ``alpha`` (default
  :data:`DEFAULT_ALPHA`): whatever the number of rows and of real changes, the chance that a check reports
  even one false change is at most alpha. (Benjamini-Hochberg, ``scipy.stats.false_discovery_control``, is
  available as ``adjust="bh"``; it controls the false discovery rate, which lets a false alarm through next to
  real ones.) Then the row is

  - a **regression** when ratio > ``factor`` (default 1.10) and q < alpha; an **improvement** when
    ratio < 1/factor and q < alpha;
  - **undecided** when the ratio is beyond the factor but q >= alpha (reported, never a failure);
  - **unchanged** when the ratio is within [1/factor, factor].

Only timing regressions gate (``Row.gates``). ``track_*``, ``mem_*`` and ``peakmem_*`` rows follow the same rule
but say "increase"/"decrease" (asv cannot tell whether higher is better); they usually have no samples and are
then not tested.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .stats import (DECREASE, DEFAULT_ADJUST, DEFAULT_ALPHA, DEFAULT_FACTOR, FAILED, GATING_TYPES,  # noqa: F401
                    IMPROVEMENT, INCREASE, MIN_ROUNDS, MISSING, NOT_SIGNIFICANT, NOT_TESTED, RATIO, REGRESSION,
                    SKIPPED, SKIPPED_ONE_SIDE, TEST, UNCHANGED, UNDECIDED, adjust_pvalues, median_ratio,
                    ratio_of, round_medians, verdict, welch_log_test)
from . import report, stats
from .results import BenchmarkInfo, Measurement, Side, read_benchmarks, load_side, select_combinations

ONE_RUN_DETAIL = "one run per side: not tested"


# ---------------------------------------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Row:
    benchmark: str
    params: Dict[str, str]
    type: str
    unit: str
    status: str
    gates: bool  # True for a timing benchmark's regression (the only rows that fail a release check)
    ratio: Optional[float] = None
    p_value: Optional[float] = None  # raw two-sided p of the test, None when not tested
    test: Optional[str] = None  # TEST or None (not tested)
    significant: Optional[bool] = None  # q_value < alpha; None when not tested
    q_value: Optional[float] = None  # p adjusted over the tested rows of the comparison
    adjustment: Optional[str] = None  # how q_value was adjusted: "holm", "bh", "none"
    rounds: Optional[List[int]] = None  # recovered rounds [baseline, candidate]
    baseline: Optional[Dict[str, Any]] = None
    candidate: Optional[Dict[str, Any]] = None
    detail: str = ""

    def to_json(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def params_text(self) -> str:
        return report.format_params(self.params)


def _summary(m: Optional[Measurement], medians: Optional[List[float]] = None) -> Optional[Dict[str, Any]]:
    if m is None:
        return None
    s = m.clean_samples()
    out: Dict[str, Any] = {"value": None if m.failed else (None if m.skipped else m.value),
                           "median": m.centre(), "n": len(s), "failed": m.failed, "skipped": m.skipped}
    if len(s) >= 2:
        qs = statistics.quantiles(s, n=4, method="inclusive")
        out["q_25"], out["q_75"] = qs[0], qs[2]
        out["min"], out["max"] = min(s), max(s)
    elif m.q_25 is not None and m.q_75 is not None:
        out["q_25"], out["q_75"] = m.q_25, m.q_75
    if medians is not None:
        out["rounds"] = len(medians)
        out["round_medians"] = list(medians)
    return out


def _measure(row: Row, base: Measurement, cand: Measurement, samples_per_round: Optional[int],
             min_rounds: int) -> None:
    """Fill in the ratio and the raw p-value of one row whose both sides have values; leaves the verdict to
    :func:`classify`. With fewer than ``min_rounds`` on a side the row gets the ratio of the medians of the round
    medians, without recoverable rounds the ratio of the medians; either way no test (``p_value``
    None), with the reason in ``detail``."""
    if stats.is_exact(row.benchmark):
        row.test = stats.EXACT_TEST
        row.status, row.ratio, row.detail = stats.exact_verdict(base.clean_samples() or [base.value],
                                                                cand.clean_samples() or [cand.value])
        return
    mb, mc = round_medians(base.samples, samples_per_round), round_medians(cand.samples, samples_per_round)
    if mb is not None and mc is not None:
        row.baseline, row.candidate = _summary(base, mb), _summary(cand, mc)
        row.rounds = [len(mb), len(mc)]
        if min(len(mb), len(mc)) >= min_rounds:
            _, p = welch_log_test(mb, mc)
            row.ratio = median_ratio(mb, mc)
            if not math.isnan(p):
                row.p_value, row.test = p, TEST
                return
            row.detail = "not tested: the round medians have no spread, the t-test is undefined"
            return
        if min(len(mb), len(mc)) >= 1 and min(mb + mc) > 0:
            row.ratio = median_ratio(mb, mc)
        row.detail = (f"not tested: {min(len(mb), len(mc))} round(s) on a side, a verdict needs at least "
                      f"{min_rounds}")
        return
    b, c = base.centre(), cand.centre()
    if b is not None and c is not None:
        row.ratio = ratio_of(b, c)
    if len(base.clean_samples()) <= 1 or len(cand.clean_samples()) <= 1:
        row.detail = ONE_RUN_DETAIL  # a summary value (or one sample) per side
    elif samples_per_round is None:
        row.detail = "not tested: samples without a known count per round (rounds not recoverable)"
    else:
        row.detail = (f"not tested: the sample count is not a multiple of {samples_per_round} per round "
                      f"(rounds not recoverable)")


def classify(row: Row, factor: float = DEFAULT_FACTOR, alpha: float = DEFAULT_ALPHA) -> Row:
    """Set the verdict of a measured row from its ratio and its adjusted p-value ``q_value`` by
    :func:`kbench.stats.verdict`. Rows that are missing, failed or skipped are left as they are."""
    if row.status in (MISSING, FAILED, SKIPPED, SKIPPED_ONE_SIDE):
        return row
    row.gates = False
    if row.test == stats.EXACT_TEST:  # decided by the exact rule in _measure; counts never gate
        row.significant = None
        return row
    if row.test is None or row.q_value is None:
        row.status, row.significant = NOT_TESTED, None
        return row
    row.status, row.significant, row.gates = verdict(row.ratio, row.q_value, row.type in GATING_TYPES,
                                                     factor, alpha)
    return row


def compare_measurement(name: str, params: Dict[str, str], info: BenchmarkInfo, base: Optional[Measurement],
                        cand: Optional[Measurement], factor: float = DEFAULT_FACTOR,
                        alpha: float = DEFAULT_ALPHA, samples_per_round: Optional[int] = None,
                        min_rounds: int = MIN_ROUNDS) -> Row:
    """Classify one parameter combination on its own (a family of one test, so ``q_value`` = ``p_value``).
    :func:`compare_sides` measures every row the same way and then adjusts the p-values over all of them."""
    if factor <= 1.0:
        raise ValueError("factor must be greater than 1")
    row = Row(benchmark=name, params=params, type=info.type, unit=info.unit, status=NOT_TESTED, gates=False,
              baseline=_summary(base), candidate=_summary(cand))
    if base is None or cand is None:
        row.status = MISSING
        row.detail = f"no result in the {'baseline' if base is None else 'candidate'}"
        if base is None and cand is None:
            row.detail = "no result on either side"
        return row
    if base.failed or cand.failed:
        row.status = FAILED
        sides = [s for s, m in (("baseline", base), ("candidate", cand)) if m.failed]
        row.detail = f"failed in the {' and the '.join(sides)}"
        return row
    if base.skipped and cand.skipped:
        row.status = SKIPPED
        row.detail = "n/a on both sides"
        return row
    if base.skipped or cand.skipped:
        row.status = SKIPPED_ONE_SIDE
        row.detail = f"n/a in the {'baseline' if base.skipped else 'candidate'} only"
        return row
    _measure(row, base, cand, samples_per_round, min_rounds)
    row.q_value = row.p_value
    return classify(row, factor, alpha)


def compare_sides(baseline: Side, candidate: Side, factor: float = DEFAULT_FACTOR,
                  alpha: float = DEFAULT_ALPHA,
                  expected: Optional[Dict[str, Optional[Sequence[Tuple[str, ...]]]]] = None,
                  infos: Optional[Dict[str, BenchmarkInfo]] = None, samples_per_round: Optional[int] = None,
                  min_rounds: int = MIN_ROUNDS, adjust: str = DEFAULT_ADJUST) -> List[Row]:
    """Compare every benchmark and parameter combination present on either side, plus those in ``expected``
    ({benchmark: combinations or None}, e.g. what ``--bench`` selected) so that something selected but found on
    neither side still shows up, as missing. Rows come sorted by benchmark name, then in parameter order.

    ``samples_per_round`` (K, the ``-a repeat=K`` of the run) defaults to the sides' own
    :attr:`Side.samples_per_round` when both agree. The p-values of all tested rows form one family and
    are adjusted together (``adjust``: "holm", "bh" or "none") before the verdicts are set."""
    if factor <= 1.0:
        raise ValueError("factor must be greater than 1")
    if samples_per_round is None and baseline.samples_per_round == candidate.samples_per_round:
        samples_per_round = baseline.samples_per_round
    expected = expected or {}
    infos = infos or {}
    names = sorted(set(baseline.benchmarks) | set(candidate.benchmarks) | set(expected))
    rows = []
    for name in names:
        info = baseline.benchmarks.get(name) or candidate.benchmarks.get(name) or infos.get(name) \
            or BenchmarkInfo.from_name(name)
        # combinations: the union, in the order of the side that has the benchmark (baseline first)
        combos: List[Tuple[str, ...]] = []
        for side in (baseline, candidate):
            for key in side.measurements:
                if key[0] == name and key[1] not in combos:
                    combos.append(key[1])
        for combo in (expected.get(name) or ([] if name not in expected or info.params else [()])):
            if tuple(combo) not in combos:
                combos.append(tuple(combo))
        if not combos:
            combos = info.combinations()
        for combo in combos:
            params = dict(zip(info.param_names or [f"param{i + 1}" for i in range(len(combo))], combo))
            rows.append(compare_measurement(name, params, info, baseline.measurements.get((name, combo)),
                                            candidate.measurements.get((name, combo)), factor, alpha,
                                            samples_per_round, min_rounds))
    tested = [r for r in rows if r.p_value is not None]
    for r, q in zip(tested, adjust_pvalues([r.p_value for r in tested], adjust)):
        r.q_value = q
        r.adjustment = adjust
        classify(r, factor, alpha)
    return rows


def summarise(rows: Sequence[Row]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    counts["compared"] = sum(1 for r in rows if r.ratio is not None)
    counts["tested"] = sum(1 for r in rows if r.p_value is not None)
    counts["total"] = len(rows)
    return counts


def is_gating_failure(rows: Iterable[Row]) -> bool:
    return any(r.gates for r in rows)


def rows_with(rows: Iterable[Row], *statuses: str) -> List[Row]:
    return [r for r in rows if r.status in statuses]


# ---------------------------------------------------------------------------------------------------------------
# command line: the pull-request gate
# ---------------------------------------------------------------------------------------------------------------
def render_markdown(rows: Sequence[Row], base_label: str, cand_label: str, settings: Dict[str, Any],
                    problems: Sequence[str] = ()) -> str:
    """The pull-request gate's Markdown (:func:`kbench.report.render_comparison`)."""
    return report.render_comparison([r.to_json() for r in rows], summarise(rows), base_label, cand_label, settings,
                                    problems)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m kbench.compare``: compare two asv result files with the one rule; used by the
    pull-request gate. Exit status 0 no regression (undecided is not a failure), 1 a regression, 2 broken
    (a file missing, a benchmark failed, nothing compared)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m kbench.compare", description=main.__doc__)
    parser.add_argument("--baseline", required=True, help="asv results file of the baseline")
    parser.add_argument("--candidate", required=True, help="asv results file of the candidate")
    parser.add_argument("--benchmarks", help="asv's benchmarks.json (types, units, parameter names)")
    parser.add_argument("--samples-per-round", type=int, required=True, metavar="K",
                        help="the K of the run's -a repeat=K (rounds are recovered from it)")
    parser.add_argument("--rounds", type=int, help="the R of the run's -a rounds=R (reported only)")
    parser.add_argument("--bench", nargs="+", action="extend", metavar="REGEX",
                        help="only these benchmarks (asv --bench rule), e.g. what the run selected")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR)
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    parser.add_argument("--min-rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--markdown", metavar="PATH", help="also write the Markdown report here")
    parser.add_argument("--json", metavar="PATH", help="write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.factor <= 1.0 or args.samples_per_round < 1:
        parser.error("--factor must be greater than 1 and --samples-per-round at least 1")
    problems: List[str] = []
    infos = read_benchmarks(args.benchmarks) if args.benchmarks and os.path.isfile(args.benchmarks) else {}
    selection = select_combinations(infos, args.bench) if infos and args.bench else None
    sides = []
    for role, path in (("baseline", args.baseline), ("candidate", args.candidate)):
        if not os.path.isfile(path):
            problems.append(f"no {role} results: {path} does not exist (the run broke before writing it)")
            sides.append(Side(label=role, benchmarks={}, measurements={}))
            continue
        sides.append(load_side(path, benchmarks=infos or None, label=role, selection=selection,
                                   samples_per_round=args.samples_per_round))
    rows = compare_sides(sides[0], sides[1], args.factor, args.alpha, expected=selection, infos=infos,
                         samples_per_round=args.samples_per_round, min_rounds=args.min_rounds)
    failed = rows_with(rows, FAILED)
    if failed:
        problems.append(f"{len(failed)} benchmark result(s) failed: " + "; ".join(
            f"{r.benchmark}({r.params_text}) {r.detail}" for r in failed[:10]))
    if not any(r.ratio is not None for r in rows) and not problems:
        problems.append("nothing compared: no benchmark has a result on both sides")
    settings = {"factor": args.factor, "alpha": args.alpha, "samples_per_round": args.samples_per_round,
                "rounds": args.rounds, "min_rounds": args.min_rounds, "test": TEST, "adjust": DEFAULT_ADJUST,
                "ratio": RATIO}
    md = render_markdown(rows, os.path.basename(args.baseline), os.path.basename(args.candidate), settings,
                         problems)
    status = 2 if problems else (1 if is_gating_failure(rows) else 0)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(md + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"settings": settings, "exit_status": status, "problems": problems,
                       "summary": summarise(rows), "rows": [report.json_safe(r.to_json()) for r in rows]}, fh, indent=2)
    print(md)
    for p in problems:
        print(f"kbench.compare: {p}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover - exercised through main() in the tests
    raise SystemExit(main())
