"""Compare two sets of asv results benchmark by benchmark, parameter combination by parameter combination.

Everything here is pure: it reads asv result files (or takes data already in memory) and returns rows; it never
runs asv. ``kbench release-check`` and ``kbench bisect`` build on it.

A change is a *regression* only when both hold:

* the ratio of medians, candidate / baseline, exceeds ``factor`` (default 1.10), and
* the difference is statistically significant on the recorded samples: a two-sided Mann-Whitney U test with
  p < ``alpha`` (default 0.002, the threshold ``asv compare`` uses). When there are too few samples for the test
  to ever reach ``alpha`` (for example a ``--quick`` run), asv's fallback is used: the two 99% confidence
  intervals asv stored must not overlap.

Improvements are the mirror image (ratio < 1/factor and significant). Only timing benchmarks (asv type "time":
``time_*`` and ``timeraw_*``) gate; ``track_*``, ``mem_*`` and ``peakmem_*`` rows are computed the same way but
reported as informational increases/decreases, because asv cannot tell whether higher is better for them.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import statistics
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

DEFAULT_FACTOR = 1.10
DEFAULT_ALPHA = 0.002

# Row statuses
REGRESSION = "regression"
IMPROVEMENT = "improvement"
INCREASE = "increase"  # non-gating benchmark (track/peakmem/mem) went up significantly, beyond the factor
DECREASE = "decrease"
UNCHANGED = "unchanged"  # ratio within [1/factor, factor]
NOT_SIGNIFICANT = "not significant"  # beyond the factor, but the samples do not show it is real
FAILED = "failed"  # asv stored no value (null): the benchmark raised or timed out on one side or both
SKIPPED = "skipped"  # n/a (NaN) on both sides: the benchmark skipped itself, not an error
SKIPPED_ONE_SIDE = "skipped on one side"
MISSING = "missing"  # no result at all on one side

GATING_TYPES = ("time",)


# ---------------------------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Measurement:
    """One parameter combination of one benchmark on one side.

    ``value`` is asv's result (the median of the samples for timings); None means the benchmark failed, NaN that
    it was skipped (n/a). ``samples`` are the raw recorded samples (``--record-samples``); ``ci_99`` is asv's
    99% confidence interval of the value, used only when there are too few samples.
    """

    value: Optional[float]
    samples: Optional[List[float]] = None
    ci_99: Optional[Tuple[float, float]] = None
    q_25: Optional[float] = None
    q_75: Optional[float] = None

    @property
    def failed(self) -> bool:
        return self.value is None

    @property
    def skipped(self) -> bool:
        return isinstance(self.value, float) and math.isnan(self.value)

    def clean_samples(self) -> List[float]:
        return [float(s) for s in (self.samples or []) if s is not None and not _isnan(s)]

    def centre(self) -> Optional[float]:
        """The median of the samples when there are any, else asv's value."""
        s = self.clean_samples()
        if s:
            return float(statistics.median(s))
        if self.failed or self.skipped:
            return None
        return float(self.value)


@dataclasses.dataclass
class BenchmarkInfo:
    name: str
    type: str = "time"  # asv's type: time, track, memory, peakmemory
    unit: str = "seconds"
    param_names: List[str] = dataclasses.field(default_factory=list)
    params: List[List[str]] = dataclasses.field(default_factory=list)  # value reprs, as asv stores them

    @property
    def gates(self) -> bool:
        return self.type in GATING_TYPES

    def combinations(self) -> List[Tuple[str, ...]]:
        return [tuple(c) for c in itertools.product(*self.params)] if self.params else [()]


@dataclasses.dataclass
class SideResults:
    """The results of one side (one environment) of a comparison."""

    label: str  # e.g. "0.67.0"
    benchmarks: Dict[str, BenchmarkInfo]
    measurements: Dict[Tuple[str, Tuple[str, ...]], Measurement]  # (benchmark, param values) -> measurement
    env: Dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Row:
    benchmark: str
    params: Dict[str, str]
    type: str
    unit: str
    status: str
    gates: bool  # True for a timing benchmark's regression (the only rows that fail a release check)
    ratio: Optional[float] = None
    p_value: Optional[float] = None
    test: Optional[str] = None  # "mann-whitney-u", "ci99-overlap" or None
    significant: Optional[bool] = None
    baseline: Optional[Dict[str, Any]] = None
    candidate: Optional[Dict[str, Any]] = None
    detail: str = ""

    def to_json(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def params_text(self) -> str:
        return format_params(self.params)


# ---------------------------------------------------------------------------------------------------------------
# reading asv's files
# ---------------------------------------------------------------------------------------------------------------
def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def read_asv_results(path: str) -> Dict[str, Any]:
    """Read one asv results file (api version 2) into a plain dict.

    asv stores, per benchmark, one row aligned with ``result_columns`` (``result``, ``params``, ``version``,
    ``started_at``, ``duration``, ``stats_ci_99_a``, ``stats_ci_99_b``, ``stats_q_25``, ``stats_q_75``,
    ``stats_number``, ``stats_repeat``, ``samples``, ``profile``), with trailing nulls trimmed. For a
    parameterised benchmark ``result``, ``samples`` and the stats are lists over the product of ``params``.
    A null result is a failure, NaN (written as the JSON extension ``NaN``) means skipped.
    Returns {"meta": {...file header...}, "benchmarks": {name: {column: value}}}.
    """
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("version") != 2:
        raise ValueError(f"{path}: asv results api version {data.get('version')!r}, expected 2")
    columns = data["result_columns"]
    benchmarks = {}
    for name, row in data.get("results", {}).items():
        entry = {col: None for col in columns}
        entry.update(dict(zip(columns, row)))
        benchmarks[name] = entry
    meta = {k: v for k, v in data.items() if k not in ("results", "result_columns")}
    return {"meta": meta, "benchmarks": benchmarks}


def read_asv_benchmarks(path: str) -> Dict[str, BenchmarkInfo]:
    """Read asv's ``benchmarks.json`` (written next to the machine folders) into :class:`BenchmarkInfo`."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    out = {}
    for name, b in data.items():
        if name == "version" or not isinstance(b, dict):
            continue
        out[name] = BenchmarkInfo(name=name, type=b.get("type", "time"), unit=b.get("unit", "seconds"),
                                  param_names=list(b.get("param_names") or []),
                                  params=[list(p) for p in (b.get("params") or [])])
    return out


def guess_type(name: str) -> str:
    """asv's type from the naming convention, for results that come without benchmarks.json."""
    leaf = name.rsplit(".", 1)[-1]
    for prefix, kind in (("timeraw_", "time"), ("time_", "time"), ("track_", "track"),
                         ("peakmem_", "peakmemory"), ("mem_", "memory")):
        if leaf.startswith(prefix):
            return kind
    return "time"


def _unit_for(kind: str) -> str:
    return {"time": "seconds", "memory": "bytes", "peakmemory": "bytes"}.get(kind, "unit")


def _column(entry: Dict[str, Any], col: str, n: int) -> List[Any]:
    """One column of an asv results row as a list over the parameter combinations (asv writes a whole column
    as null when every entry is null, and stores unparameterised benchmarks as one-element lists)."""
    value = entry.get(col)
    if value is None:
        return [None] * n
    return list(value) if isinstance(value, list) else [value]


def side_from_asv(results_path: str, benchmarks: Optional[Dict[str, BenchmarkInfo]] = None, label: str = "",
                  selection: Optional[Dict[str, Optional[Iterable[Tuple[str, ...]]]]] = None,
                  started_after: Optional[float] = None, env: Optional[Dict[str, Any]] = None) -> SideResults:
    """Turn one asv results file into a :class:`SideResults`.

    ``benchmarks`` (from benchmarks.json) supplies types, units and parameter names; without it they are taken
    from the file and the naming convention. ``selection`` restricts to {benchmark: combinations or None for
    all}; a selected benchmark absent from the file is simply absent here (and shows as missing in the
    comparison). ``started_after`` (a JS timestamp in ms) ignores benchmarks whose stored results are older,
    i.e. left in the file by an earlier run.
    """
    raw = read_asv_results(results_path)
    infos: Dict[str, BenchmarkInfo] = {}
    measurements: Dict[Tuple[str, Tuple[str, ...]], Measurement] = {}
    for name, entry in raw["benchmarks"].items():
        if selection is not None and name not in selection:
            continue
        if started_after is not None and (entry.get("started_at") or 0) < started_after:
            continue
        params = [list(p) for p in (entry.get("params") or [])]
        known = benchmarks.get(name) if benchmarks else None
        kind = known.type if known else guess_type(name)
        info = BenchmarkInfo(name=name, type=kind, unit=known.unit if known else _unit_for(kind),
                             param_names=list(known.param_names) if known and known.param_names
                             else [f"param{i + 1}" for i in range(len(params))],
                             params=params)
        infos[name] = info
        combos = info.combinations()
        results, samples = _column(entry, "result", len(combos)), _column(entry, "samples", len(combos))
        ci_a, ci_b = _column(entry, "stats_ci_99_a", len(combos)), _column(entry, "stats_ci_99_b", len(combos))
        q25, q75 = _column(entry, "stats_q_25", len(combos)), _column(entry, "stats_q_75", len(combos))
        wanted = None
        if selection is not None and selection.get(name) is not None:
            wanted = set(tuple(c) for c in selection[name])
        for j, combo in enumerate(combos):
            if wanted is not None and combo not in wanted:
                continue
            value = results[j] if j < len(results) else None
            ci = None
            if j < len(ci_a) and ci_a[j] is not None and ci_b[j] is not None:
                ci = (float(ci_a[j]), float(ci_b[j]))
            measurements[(name, combo)] = Measurement(
                value=None if value is None else float(value),
                samples=list(samples[j]) if j < len(samples) and samples[j] is not None else None,
                ci_99=ci,
                q_25=q25[j] if j < len(q25) else None,
                q_75=q75[j] if j < len(q75) else None,
            )
    meta = raw["meta"]
    side_env = {"env_name": meta.get("env_name"), "python": meta.get("python"),
                "machine": (meta.get("params") or {}).get("machine"), "commit": meta.get("commit_hash"),
                "requirements": meta.get("requirements") or {}}
    side_env.update(env or {})
    return SideResults(label=label, benchmarks=infos, measurements=measurements, env=side_env)


def select_combinations(benchmarks: Dict[str, BenchmarkInfo], regexes: Optional[Sequence[str]]):
    """Which benchmarks and parameter combinations ``asv run --bench REGEX ...`` runs, with asv's own rule:
    ``re.search`` against the name, and for parameterised benchmarks against ``name(p1, p2, ...)``.
    Returns {benchmark: [combinations]} (None for an unparameterised benchmark)."""
    import re

    out: Dict[str, Optional[List[Tuple[str, ...]]]] = {}
    regexes = list(regexes or [])
    for name, info in benchmarks.items():
        if info.params:
            chosen = [c for c in info.combinations()
                      if not regexes or any(re.search(r, f"{name}({', '.join(c)})") for r in regexes)]
            if chosen:
                out[name] = chosen
        elif not regexes or any(re.search(r, name) for r in regexes):
            out[name] = None
    return out


# ---------------------------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------------------------
def _rank(values: Sequence[float]) -> Tuple[List[float], List[int]]:
    """Mid-ranks (1-based) of ``values`` and the sizes of the groups of ties."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mid = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = mid
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _exact_u_pvalue(u: float, m: int, n: int) -> float:
    """Two-sided exact p-value of the Mann-Whitney U statistic (no ties), by counting arrangements."""
    # counts[k] = number of ways to get U = k for (i, j) elements; built by the standard recurrence
    # f(i, j, k) = f(i-1, j, k-j) + f(i, j-1, k), done over a table in i for every j.
    table = [[1] + [0] * (m * n) for _ in range(n + 1)]  # i = 0: only U = 0
    for i in range(1, m + 1):
        cur = [[0] * (m * n + 1) for _ in range(n + 1)]
        cur[0][0] = 1
        for j in range(1, n + 1):
            for k in range(0, i * j + 1):
                a = table[j][k - j] if k - j >= 0 else 0
                b = cur[j - 1][k]
                cur[j][k] = a + b
        table = cur
    counts = table[n]
    total = math.comb(m + n, m)
    k = int(round(min(u, m * n - u)))
    cdf = sum(counts[: k + 1])
    return min(1.0, 2.0 * cdf / total)


def mann_whitney_u_fallback(x: Sequence[float], y: Sequence[float]) -> Tuple[float, float]:
    """(U of x, two-sided p) without SciPy: the exact distribution for small samples without ties, else the
    normal approximation with tie and continuity corrections (as scipy.stats.mannwhitneyu does)."""
    m, n = len(x), len(y)
    ranks, ties = _rank(list(x) + list(y))
    r1 = sum(ranks[:m])
    u1 = r1 - m * (m + 1) / 2.0
    has_ties = any(t > 1 for t in ties)
    if not has_ties and m * n <= 2500 and min(m, n) <= 25:
        return u1, _exact_u_pvalue(u1, m, n)
    mu = m * n / 2.0
    tie_term = sum(t ** 3 - t for t in ties)
    sigma2 = m * n / 12.0 * ((m + n + 1) - tie_term / ((m + n) * (m + n - 1)))
    if sigma2 <= 0:
        return u1, 1.0
    z = (abs(u1 - mu) - 0.5) / math.sqrt(sigma2)
    p = math.erfc(max(z, 0.0) / math.sqrt(2.0))
    return u1, min(1.0, p)


def mann_whitney_u(x: Sequence[float], y: Sequence[float]) -> Tuple[float, float]:
    """(U, two-sided p) by SciPy when it is installed, else by :func:`mann_whitney_u_fallback`."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:  # pragma: no cover - SciPy is a dependency of the project, the fallback is insurance
        return mann_whitney_u_fallback(x, y)
    res = mannwhitneyu(list(x), list(y), alternative="two-sided", method="auto")
    return float(res.statistic), float(res.pvalue)


def min_pvalue(m: int, n: int) -> float:
    """The smallest two-sided p-value a Mann-Whitney U test can give with samples of sizes m and n."""
    if m == 0 or n == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(m + n, min(m, n)))


def significance(base: Measurement, cand: Measurement, alpha: float = DEFAULT_ALPHA):
    """(significant, p_value, test) for the difference between two measurements.

    Mann-Whitney U on the recorded samples when there are enough of them for p < alpha to be possible;
    otherwise asv's fallback (99% confidence intervals that do not overlap); otherwise unknown (None).
    """
    a, b = base.clean_samples(), cand.clean_samples()
    if len(a) >= 2 and len(b) >= 2 and min_pvalue(len(a), len(b)) < alpha:
        _, p = mann_whitney_u(a, b)
        return p < alpha, p, "mann-whitney-u"
    if base.ci_99 is not None and cand.ci_99 is not None:
        (a0, a1), (b0, b1) = base.ci_99, cand.ci_99
        overlap = a1 >= b0 and a0 <= b1
        return (not overlap), None, "ci99-overlap"
    return None, None, None


def _summary(m: Optional[Measurement]) -> Optional[Dict[str, Any]]:
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
    return out


def compare_measurement(name: str, params: Dict[str, str], info: BenchmarkInfo, base: Optional[Measurement],
                        cand: Optional[Measurement], factor: float = DEFAULT_FACTOR,
                        alpha: float = DEFAULT_ALPHA) -> Row:
    """Classify one parameter combination. See the module docstring for the rule."""
    if factor <= 1.0:
        raise ValueError("factor must be greater than 1")
    row = Row(benchmark=name, params=params, type=info.type, unit=info.unit, status=UNCHANGED, gates=False,
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
    b, c = base.centre(), cand.centre()
    if b is None or c is None:  # pragma: no cover - guarded above
        row.status = MISSING
        return row
    if b == 0.0:
        ratio = 1.0 if c == 0.0 else math.inf
    else:
        ratio = c / b
    row.ratio = ratio
    significant, p, test = significance(base, cand, alpha)
    row.p_value, row.test, row.significant = p, test, significant
    up, down = ratio > factor, ratio < 1.0 / factor
    if not (up or down):
        row.status = UNCHANGED
        return row
    if not significant:
        row.status = NOT_SIGNIFICANT
        row.detail = "too few samples for a test" if test is None else ""
        return row
    if info.gates:
        row.status = REGRESSION if up else IMPROVEMENT
        row.gates = up
    else:
        row.status = INCREASE if up else DECREASE
    return row


def compare_sides(baseline: SideResults, candidate: SideResults, factor: float = DEFAULT_FACTOR,
                  alpha: float = DEFAULT_ALPHA,
                  expected: Optional[Dict[str, Optional[Sequence[Tuple[str, ...]]]]] = None,
                  infos: Optional[Dict[str, BenchmarkInfo]] = None) -> List[Row]:
    """Compare every benchmark and parameter combination present on either side, plus those in ``expected``
    ({benchmark: combinations or None}, e.g. what ``--bench`` selected) so that something selected but found on
    neither side still shows up, as missing. Rows come sorted by benchmark name, then in parameter order."""
    expected = expected or {}
    infos = infos or {}
    names = sorted(set(baseline.benchmarks) | set(candidate.benchmarks) | set(expected))
    rows = []
    for name in names:
        info = baseline.benchmarks.get(name) or candidate.benchmarks.get(name) or infos.get(name) \
            or BenchmarkInfo(name=name, type=guess_type(name), unit=_unit_for(guess_type(name)))
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
                                            candidate.measurements.get((name, combo)), factor, alpha))
    return rows


def summarise(rows: Sequence[Row]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    counts["compared"] = sum(1 for r in rows if r.ratio is not None)
    counts["total"] = len(rows)
    return counts


# ---------------------------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------------------------
def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def format_params(params: Dict[str, str]) -> str:
    return ", ".join(f"{k}={_unquote(str(v))}" for k, v in params.items())


def format_value(value: Optional[float], unit: str, digits: int = 4) -> str:
    """A value with a readable unit: 1.23 ms, 4.5 MiB; other units are printed as given."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if unit == "seconds":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
            if abs(value) >= scale or scale == 1e-9:
                return f"{value / scale:.{digits}g} {suffix}"
    if unit == "bytes":
        for scale, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"), (1, "B")):
            if abs(value) >= scale or scale == 1:
                return f"{value / scale:.{digits}g} {suffix}"
    return f"{value:.{digits}g} {unit}".rstrip()


def format_ratio(ratio: Optional[float]) -> str:
    if ratio is None:
        return ""
    if math.isinf(ratio):
        return "inf"
    return f"{ratio:.3f}"


def format_p(row: Row) -> str:
    if row.test == "mann-whitney-u" and row.p_value is not None:
        return f"{row.p_value:.2g}"
    if row.test == "ci99-overlap":
        return "CI99 apart" if row.significant else "CI99 overlap"
    return "no test"


def is_gating_failure(rows: Iterable[Row]) -> bool:
    return any(r.gates for r in rows)


def rows_with(rows: Iterable[Row], *statuses: str) -> List[Row]:
    return [r for r in rows if r.status in statuses]


def load_side(results_dir: str, machine: str, commit: str, env_name: str, **kwargs) -> SideResults:
    """Convenience: the results file asv writes for (machine, commit, environment), plus benchmarks.json."""
    path = results_file(results_dir, machine, commit, env_name)
    bj = os.path.join(results_dir, "benchmarks.json")
    benchmarks = read_asv_benchmarks(bj) if os.path.isfile(bj) else None
    return side_from_asv(path, benchmarks=benchmarks, **kwargs)


def results_file(results_dir: str, machine: str, commit: str, env_name: str) -> str:
    """asv's file name rule (asv.results.get_filename): long environment names are replaced by a hash."""
    import hashlib

    if env_name and len(env_name) >= 128:
        env_name = "env-" + hashlib.md5(env_name.encode("utf-8")).hexdigest()
    return os.path.join(results_dir, machine, f"{commit[:8]}-{env_name}.json")
