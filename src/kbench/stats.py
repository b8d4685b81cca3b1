"""The one statistics module: how two sets of timings are compared, and what counts as a change.

Every command that judges a change (``kbench release-check``, ``kbench bisect``, ``kbench noise``, the
pull-request gate ``python -m kbench.compare``) goes through here; :mod:`kbench.compare` only arranges the
rows. docs/release-check.md explains the choices.

* **The unit of evidence is a round** (one benchmark process). :func:`split_rounds` cuts asv's concatenated
  sample list back into rounds of ``K`` samples (the run's ``-a repeat=K``); :func:`round_medians` reduces each
  round to its median.
* **Effect size**: :func:`median_ratio`, the candidate's median round median over the baseline's (one
  disturbed round does not move it).
* **Significance**: :func:`welch_log_test`, Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``) on the
  log round medians, two-sided.
* **Many rows at once**: :func:`adjust_pvalues`, Holm's step-down method by default (family-wise error rate),
  Benjamini-Hochberg (``scipy.stats.false_discovery_control``) on request.
* **The verdict**: :func:`verdict`, the one function to edit to change what counts as a regression.
* **Deterministic counts** (``instructions.*``, ``codegen.*``: :func:`is_exact`) are not sampled quantities:
  :func:`exact_verdict` compares them with a fixed tolerance instead of a test (docs/instructions.md).

:func:`pooled_u_test` (``scipy.stats.mannwhitneyu`` on all samples pooled) is the rule of an older kbench,
kept only so that the tests can show how often it fires on A/A data; it decides nothing.
"""
from __future__ import annotations

import math
import statistics
from typing import Any, List, Optional, Sequence, Tuple

DEFAULT_FACTOR = 1.10
DEFAULT_ALPHA = 0.01  # family-wise error rate over the tested rows of one comparison (Holm)
DEFAULT_ADJUST = "holm"  # how the p-values of one comparison are adjusted: "holm", "bh" or "none"
ADJUSTMENTS = ("holm", "bh", "none")
MIN_ROUNDS = 6  # rounds per side below which a row is not tested (docs/release-check.md says why 6)
TEST = "welch-t-log-round-medians"  # the name of the test, recorded in every report
RATIO = "median of round medians"  # how a row's ratio is estimated (recorded in every report's settings)

# Row statuses
REGRESSION = "regression"
IMPROVEMENT = "improvement"
INCREASE = "increase"  # non-gating benchmark (track/peakmem/mem) went up significantly, beyond the factor
DECREASE = "decrease"
UNCHANGED = "unchanged"  # tested, ratio within [1/factor, factor]
UNDECIDED = "undecided"  # tested, beyond the factor, but the rounds do not show it is real (q >= alpha)
NOT_SIGNIFICANT = UNDECIDED  # the old name of the same status
NOT_TESTED = "not tested"  # rounds not recoverable, or fewer than min_rounds on a side: neutral
FAILED = "failed"  # asv stored no value (null): the benchmark raised or timed out on one side or both
SKIPPED = "skipped"  # n/a (NaN) on both sides: the benchmark skipped itself, not an error
SKIPPED_ONE_SIDE = "skipped on one side"
MISSING = "missing"  # no result at all on one side

GATING_TYPES = ("time",)
# Series whose values are counts that repeat exactly (instructions per call under callgrind, the SIMD width and
# FMA count of generated code): compared by exact_verdict, never by the t-test, and never gating
EXACT_SERIES = ("instructions.", "codegen.")
EXACT_TOLERANCE = 0.01  # 25x the largest A/A spread measured for the instruction counts (docs/instructions.md)
EXACT_TEST = "exact-count"
  # asv benchmark types whose regressions fail a check


def is_nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def clean(samples: Optional[Sequence[Any]]) -> List[float]:
    """The samples as floats, without nulls and NaNs."""
    return [float(s) for s in (samples or []) if s is not None and not is_nan(s)]


def ratio_of(baseline: float, candidate: float) -> float:
    """candidate / baseline, with 0/0 = 1 and x/0 = inf."""
    if baseline == 0.0:
        return 1.0 if candidate == 0.0 else math.inf
    return candidate / baseline


def split_rounds(samples: Optional[Sequence[Any]], samples_per_round: Optional[int]) -> Optional[List[List[float]]]:
    """The samples of one measurement cut back into its rounds, or None when that cannot be done.

    asv appends the samples of every round to one list, in round order, and does not store where a round
    ends. Run with an integer ``-a repeat=K`` every round contributes exactly K samples (asv_runner takes
    ``min_repeat = max_repeat = K``), so the list is R blocks of K. When the length is not a multiple of K
    (a round failed, or K is not the count the run used) the rounds are not recoverable: None. A block with a
    null or NaN sample is dropped (that round is lost), the others are kept.
    """
    if not samples or not samples_per_round or samples_per_round < 1:
        return None
    k = int(samples_per_round)
    if len(samples) % k:
        return None
    blocks = [samples[i:i + k] for i in range(0, len(samples), k)]
    return [[float(s) for s in block] for block in blocks if not any(s is None or is_nan(s) for s in block)]


def round_medians(samples: Optional[Sequence[Any]], samples_per_round: Optional[int]) -> Optional[List[float]]:
    """The median of each round of ``samples`` (see :func:`split_rounds`), or None."""
    rounds = split_rounds(samples, samples_per_round)
    return None if rounds is None else [float(statistics.median(r)) for r in rounds]


def median_ratio(base_medians: Sequence[float], cand_medians: Sequence[float]) -> float:
    """The effect size of a row: the candidate's median round median over the baseline's. A median, not a mean
    of logs: one disturbed round (measured: 10-40x slow for a parallel kernel while another process ran) must
    not move the ratio; the Welch test, whose variance that round inflates, only gets more cautious."""
    return ratio_of(statistics.median(base_medians), statistics.median(cand_medians))


def welch_log_test(base_medians: Sequence[float], cand_medians: Sequence[float]) -> Tuple[float, float]:
    """(ratio, two-sided p) of Welch's t-test on the logarithms of the per-round medians.

    ``ratio`` is the ratio of geometric means, candidate / baseline, i.e. ``exp`` of the difference of the
    mean log round medians the test is about. p is NaN when the test is undefined (a side with fewer than two
    rounds, a non-positive median, or no spread at all on either side).
    """
    from scipy import stats

    if min(len(base_medians), len(cand_medians)) < 2 or min(list(base_medians) + list(cand_medians)) <= 0:
        return math.nan, math.nan
    lb = [math.log(x) for x in base_medians]
    lc = [math.log(x) for x in cand_medians]
    ratio = math.exp(statistics.fmean(lc) - statistics.fmean(lb))
    if statistics.pvariance(lb) == 0.0 and statistics.pvariance(lc) == 0.0:
        return ratio, math.nan
    return ratio, float(stats.ttest_ind(lc, lb, equal_var=False).pvalue)


def adjust_pvalues(pvalues: Sequence[float], method: str = DEFAULT_ADJUST) -> List[float]:
    """Adjusted p-values for a family of tests, in the order given: Holm ("holm", family-wise error rate:
    the k-th smallest p times (m - k + 1), then a running maximum), Benjamini-Hochberg ("bh", false discovery
    rate, ``scipy.stats.false_discovery_control``) or none. Another method is a :class:`ValueError`."""
    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown multiple-comparison method {method!r} (bh, holm, none)")
    ps = [float(p) for p in pvalues]
    if not ps or method == "none":
        return ps
    if method == "bh":
        from scipy import stats

        return [float(q) for q in stats.false_discovery_control(ps, method="bh")]
    m = len(ps)
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: ps[i])):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def verdict(ratio: float, q_value: float, gating: bool, factor: float = DEFAULT_FACTOR,
            alpha: float = DEFAULT_ALPHA) -> Tuple[str, bool, bool]:
    """What counts as a change, for one tested row: (status, significant, gates).

    Significant means ``q_value < alpha``. A ratio within [1/factor, factor] is :data:`UNCHANGED`; beyond it
    but not significant, :data:`UNDECIDED`; beyond and significant, a :data:`REGRESSION` or
    :data:`IMPROVEMENT` for a ``gating`` (timing) benchmark, else an :data:`INCREASE` or :data:`DECREASE`.
    Only a timing regression gates."""
    significant = q_value < alpha
    up, down = ratio > factor, ratio < 1.0 / factor
    if not (up or down):
        return UNCHANGED, significant, False
    if not significant:
        return UNDECIDED, significant, False
    if gating:
        return (REGRESSION if up else IMPROVEMENT), significant, up
    return (INCREASE if up else DECREASE), significant, False


def needs_confirmation(status: str, ratio: Optional[float], gating: bool, factor: float = DEFAULT_FACTOR) -> bool:
    """Whether a row's verdict is worth more rounds: a timing row that is :data:`UNDECIDED` (beyond the factor,
    not significant), or :data:`UNCHANGED` but beyond the square root of the factor (close to it), where more
    rounds can still turn it either way. Decided rows and everything else are left alone."""
    if not gating or ratio is None or not math.isfinite(ratio) or ratio <= 0:
        return False
    if status == UNDECIDED:
        return True
    return status == UNCHANGED and abs(math.log(ratio)) > 0.5 * math.log(factor)


def alpha_per_look(alpha: float, looks: int) -> float:
    """The significance level of each look when a check may look at the same rows ``looks`` times (a first pass
    and its confirmation stages): Bonferroni over the looks, so that re-testing undecided rows with more rounds
    cannot raise the family-wise error rate above ``alpha``."""
    if looks < 1:
        raise ValueError(f"looks must be at least 1, got {looks!r}")
    return alpha / looks


def pooled_u_test(base_samples: Sequence[Any], cand_samples: Sequence[Any]) -> Tuple[float, float]:
    """(ratio of medians, two-sided p) of the rule kbench used before rounds were the unit: a Mann-Whitney U
    test (``scipy.stats.mannwhitneyu``) on all samples pooled, as if every sample were independent. Kept only
    so that the tests can show how often it fires on A/A data; it decides nothing."""
    from scipy import stats

    a, b = clean(base_samples), clean(cand_samples)
    if len(a) < 2 or len(b) < 2:
        return math.nan, math.nan
    ratio = statistics.median(b) / statistics.median(a)
    return float(ratio), float(stats.mannwhitneyu(b, a, alternative="two-sided").pvalue)


def is_exact(benchmark: str) -> bool:
    """Whether a benchmark is a deterministic count, compared by :func:`exact_verdict`."""
    return benchmark.startswith(EXACT_SERIES)


def exact_verdict(base_values: Sequence[Any], cand_values: Sequence[Any],
                  tolerance: float = EXACT_TOLERANCE) -> Tuple[str, Optional[float], str]:
    """(status, ratio, detail) for a deterministic count. The sides' medians are compared: more than
    ``tolerance`` up is an :data:`INCREASE`, as much down a :data:`DECREASE`, else :data:`UNCHANGED`. A side whose
    own values vary by more than half the tolerance is not deterministic here, so the row is
    :data:`UNDECIDED` (and says so) rather than judged. Counts never gate."""
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance!r}")
    base, cand = clean(base_values), clean(cand_values)
    if not base or not cand:
        return NOT_TESTED, None, "not tested: no count on a side"
    for side, values in (("baseline", base), ("candidate", cand)):
        lo, hi = min(values), max(values)
        if hi - lo > tolerance / 2 * max(abs(lo), abs(hi)):
            return (UNDECIDED, None, f"the {side}'s counts vary from {lo:g} to {hi:g}: not deterministic here, "
                    "so not judged")
    b, c = statistics.median(base), statistics.median(cand)
    if b == c:
        return UNCHANGED, 1.0, ""
    if b == 0:
        return (INCREASE if c > 0 else DECREASE), None, f"from 0 to {c:g}"
    ratio = c / b
    if ratio > 1 + tolerance:
        return INCREASE, ratio, ""
    if ratio < 1 / (1 + tolerance):
        return DECREASE, ratio, ""
    return UNCHANGED, ratio, ""
