"""Data of the Numba-release page and the release-check report pages.

Verdicts (regression, improvement) come only from release-check reports, which follow the one rule of
kbench.compare. The ratios computed here from one result file per side carry no test: they are "not tested".
"""
from __future__ import annotations

import collections
import dataclasses
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ... import compare as C
from .records import Env, Machine, version_key
from .scaling import sort_key

REGRESSION_FACTOR = C.DEFAULT_FACTOR  # the factor of the one rule; on this site's own ratios only a guide line
NOT_TESTED_TEXT = C.ONE_RUN_DETAIL
_VERDICT_STATUSES = (C.REGRESSION, C.IMPROVEMENT, C.INCREASE, C.DECREASE, C.UNCHANGED, "not significant")


@dataclasses.dataclass
class ReleaseRow:
    machine: str
    series: str
    benchmark: str
    params: Dict[str, Any]
    commit: str
    values: Dict[str, float]  # numba version -> seconds
    ratios: Dict[str, float]  # numba version -> its time / the previous measured version's time
    verdict: str = C.NOT_TESTED  # always: one result file per side, no rounds to test

    @property
    def worst(self) -> float:
        """The ratio furthest from 1 (either way), for sorting; 1.0 when there is none."""
        return max(self.ratios.values(), key=lambda r: abs(math.log(r)) if r > 0 else 0.0, default=1.0)

    @property
    def beyond_factor(self) -> bool:
        """Some ratio outside [1/factor, factor]: worth a release check, not a verdict."""
        return any(r > REGRESSION_FACTOR or r < 1 / REGRESSION_FACTOR for r in self.ratios.values())


@dataclasses.dataclass
class Series:
    """Environments of one machine that differ only in their Numba release, compared benchmark by benchmark."""
    name: str
    versions: List[str]  # oldest first
    rows: List[ReleaseRow]  # largest deviation first


def _series_envs(machine: Machine) -> Dict[str, Dict[str, Env]]:
    """Per series, one environment per Numba release (the one with the newest results when two share one)."""
    series: Dict[str, Dict[str, Env]] = collections.OrderedDict()
    for env in machine.sorted_envs():
        if env.numba is None:
            continue
        grp = series.setdefault(env.series, {})
        if env.numba not in grp or env.files[-1].date > grp[env.numba].files[-1].date:
            grp[env.numba] = env
    return series


def _rows(machine: Machine, skey: str, by_version: Dict[str, Env], versions: List[str],
          time_names: List[str]) -> List[ReleaseRow]:
    # (benchmark, params) -> commit -> (date, {version: value})
    table: Dict[Tuple[str, tuple], Dict[str, Tuple[int, Dict[str, float]]]] = {}
    for version in versions:
        for rf in by_version[version].files:
            for name in time_names:
                for m in rf.values.get(name, ()):
                    slot = table.setdefault((name, tuple(m.params.items())), {}).setdefault(rf.commit, (rf.date, {}))
                    slot[1][version] = m.value
    rows = []
    for (name, params), commits in table.items():
        usable = [(date, commit, vals) for commit, (date, vals) in commits.items() if len(vals) >= 2]
        if not usable:
            continue
        date, commit, vals = max(usable, key=lambda t: t[0])
        ratios, previous = {}, None
        for version in versions:
            if version not in vals:
                continue
            if previous is not None and vals[previous] > 0:
                ratios[version] = vals[version] / vals[previous]
            previous = version
        rows.append(ReleaseRow(machine.name, skey, name, dict(params), commit, vals, ratios))
    rows.sort(key=lambda r: (-abs(math.log(r.worst)) if r.worst > 0 else 0.0, r.benchmark,
                             [sort_key(v) for v in r.params.values()]))
    return rows


def release_series(model, machine: Machine) -> List[Series]:
    """Per environment series with two or more Numba releases: one row per benchmark and parameter set.

    For each benchmark and parameter set the commit is the newest one measured under at least two Numba
    releases of the series; each release's time is divided by the time of the previous release measured there.
    Every row is "not tested" (one run per side); rows come largest deviation first.
    """
    time_names = [n for n in model.names if model.type_of(n) == "time"]
    out = []
    for skey, by_version in _series_envs(machine).items():
        if len(by_version) >= 2:
            versions = sorted(by_version, key=version_key)
            out.append(Series(skey, versions, _rows(machine, skey, by_version, versions, time_names)))
    return out


def report_rule(report: Dict[str, Any]) -> bool:
    """True when the report's verdicts come from the current rule (rounds recovered from a fixed K, the round
    test of kbench.compare); reports written before it pooled the samples and are shown without verdicts."""
    s = report.get("settings") or {}
    return bool(s.get("samples_per_round")) and s.get("test") == C.TEST


def report_state(report: Dict[str, Any]) -> Tuple[str, str]:
    """(state, extra) of a whole report: state is "broke", "old-rule", "regression", "clean" or "other"; extra
    counts its undecided and untested rows ("" when none)."""
    status = report.get("exit_status")
    if status == 2:
        return "broke", ""
    if not report_rule(report):
        return "old-rule", ""
    summary = report.get("summary") or {}
    extra = ", ".join(f"{summary[k]} {k}" for k in (C.UNDECIDED, C.NOT_TESTED) if summary.get(k))
    return {1: "regression", 0: "clean"}.get(status, "other"), extra


def row_status(report: Dict[str, Any], row: Dict[str, Any]) -> Tuple[str, str]:
    """(status text, row class) of one report row; verdicts of old-rule reports are not shown as verdicts."""
    status = str(row.get("status"))
    if status in _VERDICT_STATUSES and not report_rule(report):
        return f"not tested (old rule said {status})", ""
    return status, {C.REGRESSION: "regression", C.IMPROVEMENT: "improvement"}.get(status, "")


def verdict_rows(report: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The regressions and improvements of a current-rule report ([] for an old-rule one)."""
    if not report_rule(report):
        return []
    return [r for r in report.get("rows") or [] if r.get("status") in (C.REGRESSION, C.IMPROVEMENT)]


@dataclasses.dataclass
class HistoryPair:
    """One consecutive release pair of a ``kbench history`` run, with the verdicts of its report."""
    baseline: str
    candidate: str
    regressions: List[Dict[str, Any]]  # benchmark, params, ratio, p_value, q_value, rechecks (largest first)
    improvements: List[Dict[str, Any]]
    summary: Dict[str, int]
    report: Optional[Dict[str, Any]]  # the pair's release-check report, None when it is not in the folder


@dataclasses.dataclass
class History:
    """A ``kbench history`` run: the chain of releases and its pairs, oldest first."""
    machine: str
    created: str
    commit: str
    releases: List[str]
    pairs: List[HistoryPair]
    exit_status: Optional[int]
    problems: List[str]
    wall_seconds: Optional[float]
    settings: Dict[str, Any]


_RECHECK_STATUSES = (C.REGRESSION, C.IMPROVEMENT, C.UNCHANGED, C.UNDECIDED)  # a test ran on the row


def rechecks(change: Dict[str, Any], baseline: str, candidate: str, after: str,
             reports: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Release checks of the same pair created after ``after`` (an ISO time) that tested the same benchmark
    and parameters, newest first: what a later look at a history's verdict found (on any machine, which the
    page names). Each entry: report, status, ratio, q_value, created, machine."""
    out = []
    for rep in reports:
        if ((rep.get("baseline") or {}).get("version") != baseline
                or (rep.get("candidate") or {}).get("version") != candidate
                or str(rep.get("created") or "") <= after):
            continue
        for row in rep.get("rows") or []:
            if (row.get("benchmark") == change.get("benchmark") and row.get("params") == change.get("params")
                    and row.get("status") in _RECHECK_STATUSES):
                out.append({"report": rep, "status": row["status"], "ratio": row.get("ratio"),
                            "q_value": row.get("q_value"), "created": str(rep.get("created")),
                            "machine": rep.get("machine")})
    return sorted(out, key=lambda r: r["created"], reverse=True)


def _history(summary: Dict[str, Any], reports_by_stem: Dict[str, Dict[str, Any]]) -> History:
    pairs = []
    created = str(summary.get("created") or "")
    # the run's own pair reports are no re-check of it, whatever second each was stamped in
    own = {str(p.get("report")) for p in summary.get("pairs") or []}
    reports = [r for stem, r in reports_by_stem.items() if stem not in own]
    for p in summary.get("pairs") or []:
        base, cand = str(p.get("baseline")), str(p.get("candidate"))
        changes = {}
        for kind in ("regressions", "improvements"):
            changes[kind] = [dict(c, rechecks=rechecks(c, base, cand, created, reports)) for c in p.get(kind) or []]
        pairs.append(HistoryPair(base, cand, changes["regressions"], changes["improvements"],
                                 dict(p.get("summary") or {}), reports_by_stem.get(str(p.get("report")))))
    return History(str(summary.get("machine")), str(summary.get("created") or ""), str(summary.get("commit") or ""),
                   [str(v) for v in summary.get("releases") or []], pairs, summary.get("exit_status"),
                   list(summary.get("problems") or []), summary.get("wall_seconds"), dict(summary.get("settings") or {}))


def histories(model) -> List[History]:
    """Every history run, newest first (verdicts only when the run did not break: a broken run's pairs are
    shown, its verdicts are not trusted)."""
    by_stem = {Path(r["_path"]).stem: r for r in model.reports if r.get("_path")}
    return [_history(h, by_stem) for h in model.histories]


@dataclasses.dataclass
class ReleasesData:
    reports: List[Dict[str, Any]]
    machines: List[Tuple[Machine, List[Series]]]  # machines with at least one series
    histories: List[History] = dataclasses.field(default_factory=list)  # newest first


def build(model) -> ReleasesData:
    machines = [(m, release_series(model, m)) for m in model.machines.values()]
    return ReleasesData(model.reports, [(m, s) for m, s in machines if s], histories(model))

