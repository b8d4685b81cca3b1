"""Markdown for every report kbench writes: the pull-request gate, release-check, bisect, noise, and the body
of the release watcher's issue.

The pieces are shared, so the same row reads the same everywhere: :func:`format_value` (a value with a
readable unit), :func:`format_ratio`, :func:`format_params`, :func:`format_p` (the test cell), :func:`rule_text`
(the rule of a report in one sentence), :func:`table` (escaped Markdown tables) and :func:`by_effect` (rows
ordered by the size of their change). A row is the JSON form of :class:`kbench.compare.Row` (a dict), as the
JSON reports store it; :func:`json_safe` makes those reports strict JSON.

The renderers take what the commands computed and return the text: :func:`render_comparison`,
:func:`render_release_check`, :func:`render_history`, :func:`render_bisect`, :func:`render_noise`, :func:`render_issue_body`.
"""
from __future__ import annotations

import collections
import math
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import stats
from .versions import parse as parse_version

Row = Mapping[str, Any]  # the JSON form of kbench.compare.Row
HISTORY_KIND = "kbench-release-history"  # the "kind" of a kbench history summary (release checks have none)


# ---------------------------------------------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------------------------------------------
def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def format_params(params: Mapping[str, Any]) -> str:
    """``size=1000, target=jit``: asv's stored reprs without their quotes."""
    return ", ".join(f"{k}={unquote(str(v))}" for k, v in params.items())


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
    """The test cell of a report: raw p and adjusted q, or why there was no test."""
    test, p, q = row.get("test"), row.get("p_value"), row.get("q_value")
    if test == stats.TEST and p is not None:
        return f"p {p:.2g}" + (f", q {q:.2g}" if q is not None else "")
    if test in ("mann-whitney-u", "ci99-overlap"):  # reports written before the rule changed
        return f"{test} (old rule)"
    return "not tested"


def table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; ``|`` inside a cell is escaped."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |" for cells in rows]
    return "\n".join(lines)


def _log_ratio(ratio: Optional[float]) -> float:
    if ratio is None or ratio <= 0 or math.isinf(ratio):
        return 0.0
    return abs(math.log(ratio))


def by_effect(rows: Iterable[Row]) -> List[Row]:
    """Rows with the largest change (either way) first; rows without a ratio last, in their order."""
    return sorted(rows, key=lambda r: -_log_ratio(r.get("ratio")))


def counts_text(summary: Mapping[str, int], skip: Sequence[str] = ("total", "compared")) -> str:
    return ", ".join(f"{summary[k]} {k}" for k in sorted(summary) if k not in skip)


_ADJUST_TEXT = {"holm": "Holm's adjustment (family-wise error rate)",
                "bh": "Benjamini-Hochberg (false discovery rate)", "none": "no adjustment"}


def rule_text(s: Mapping[str, Any]) -> str:
    """The rule of a report in one sentence, from its settings (older reports, without samples_per_round,
    say less)."""
    rounds = f"{s['rounds']} interleaved rounds{' (quick)' if s.get('quick') else ''}"
    if s.get("samples_per_round"):
        rounds += f" of {s['samples_per_round']} samples each"
    return (f"{rounds} per side. The unit of evidence is a round (one process): a change counts when the "
            f"ratio of the {'medians' if s.get('ratio') else 'geometric means'} of the round medians passes "
            f"{s['factor']:g}× (or 1/{s['factor']:g}) "
            f"and Welch's t-test on the log round medians is significant after "
            f"{_ADJUST_TEXT.get(s.get('adjust'), 'adjustment')} over all tested rows (q < {_alpha_text(s)}); a row "
            f"with fewer than "
            f"{s.get('min_rounds', stats.MIN_ROUNDS)} rounds on a side is not tested."
            + (f" Counts (`{'`, `'.join(s['exact_series'])}`) are compared exactly: a change beyond "
               f"{100 * s['exact_tolerance']:g} % counts, without a test." if s.get("exact_series") else ""))


def _alpha_text(s: Mapping[str, Any]) -> str:
    looks = s.get("looks") or 1
    pairs = s.get("pairs") or 1
    if looks <= 1 and pairs <= 1:
        return f"{s['alpha']:g}"
    shares = []
    if pairs > 1:
        shares.append(f"the {pairs} release pairs of one history run")
    if looks > 1:
        shares.append(f"the first pass and up to {looks - 1} confirmation stage(s)")
    return f"{s['alpha'] / looks / pairs:.3g}, that is {s['alpha']:g} shared by " + " and by ".join(shares)


def json_safe(obj: Any) -> Any:
    """Strict JSON: infinite ratios become "inf", NaN becomes null, paths become strings."""
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


# ---------------------------------------------------------------------------------------------------------------
# the pull-request gate (python -m kbench.compare)
# ---------------------------------------------------------------------------------------------------------------
def render_comparison(rows: Sequence[Row], summary: Mapping[str, int], base_label: str, cand_label: str,
                      settings: Mapping[str, Any], problems: Sequence[str] = ()) -> str:
    """A short Markdown report of a comparison: verdict, rule, then regressions, improvements, undecided,
    not tested and failed rows (unchanged ones are only counted)."""
    n_reg = summary.get(stats.REGRESSION, 0)
    if problems:
        verdict = "broken (not a regression)"
    elif n_reg:
        verdict = f"{n_reg} regression(s)"
    elif not summary.get("tested"):
        verdict = "nothing tested, no verdict either way"
    else:
        verdict = "no regression"
    out = [f"**Result: {verdict}.** {base_label} → {cand_label}: {settings.get('rounds', '?')} interleaved rounds "
           f"of {settings.get('samples_per_round', '?')} samples per side. A change counts when the ratio of the "
           f"medians of the round medians passes {settings['factor']:g}× (or 1/{settings['factor']:g}) and "
           f"Welch's t-test on the log round medians gives q < {settings['alpha']:g} after {settings['adjust']} "
           f"adjustment over the {summary.get('tested', 0)} tested rows; fewer than {settings['min_rounds']} "
           f"rounds on a side: not tested. Undecided and not-tested rows are reported, they do not fail.", ""]
    out += [f"- problem: {p}" for p in problems] + ([""] if problems else [])
    out += [counts_text(summary, ("total", "compared", "tested")) + f" (of {summary['total']}).", ""]
    for title, statuses in (("Regressions", (stats.REGRESSION,)), ("Improvements", (stats.IMPROVEMENT,)),
                            ("Undecided: beyond the factor, not significant", (stats.UNDECIDED,)),
                            ("Increases/decreases of track_/mem_ benchmarks (never gating)",
                             (stats.INCREASE, stats.DECREASE)),
                            ("Not tested", (stats.NOT_TESTED,)), ("Failed", (stats.FAILED,))):
        chosen = [r for r in rows if r["status"] in statuses]
        if not chosen:
            continue
        out += [f"### {title} ({len(chosen)})", "",
                table(["benchmark", "params", "ratio", "test", "note"],
                      ([f"`{r['benchmark']}`", format_params(r["params"]) or "-", format_ratio(r["ratio"]),
                        format_p(r), r.get("detail") or r["status"]] for r in by_effect(chosen))), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# release-check
# ---------------------------------------------------------------------------------------------------------------
def _side_value(row: Row, side: str) -> str:
    s = row.get(side) or {}
    value = s.get("median")
    text = format_value(value, row["unit"])
    if s.get("q_25") is not None and s.get("q_75") is not None and value is not None:
        text += f" ±{format_value((s['q_75'] - s['q_25']) / 2.0, row['unit'], digits=2)}"
    if s.get("n"):
        text += f" (n={s['n']})"
    return text


def _release_table(rows: Sequence[Row], base_label: str, cand_label: str, with_detail: bool = False) -> str:
    head = ["benchmark", "params", "ratio", "test (p, adjusted q)", f"numba {base_label}", f"numba {cand_label}"]
    body = []
    for r in rows:
        cells = [f"`{r['benchmark']}`", format_params(r["params"]) or "-", format_ratio(r["ratio"]), format_p(r),
                 _side_value(r, "baseline"), _side_value(r, "candidate")]
        body.append(cells + ([r.get("detail") or r["status"]] if with_detail else []))
    return table(head + (["note"] if with_detail else []), body)


def render_release_check(report: Mapping[str, Any]) -> str:
    """The Markdown of a release-check report (the dict its JSON holds)."""
    b, c = report["baseline"]["version"], report["candidate"]["version"]
    rows = report["rows"]
    by: Dict[str, List[Row]] = collections.defaultdict(list)
    for r in rows:
        by[r["status"]].append(r)
    s = report["settings"]
    verdict = {0: "no regression", 1: f"{len(by[stats.REGRESSION])} regression(s)",
               2: "the run broke, see Problems"}[report["exit_status"]]
    open_ = [f"{len(by[st])} {st}" for st in (stats.UNDECIDED, stats.NOT_TESTED) if by[st]]
    if open_ and report["exit_status"] != 2:
        verdict += f"; {', '.join(open_)}"
    out = [f"# Release check: Numba {b} → {c}", "",
           f"**Result: {verdict}** (exit status {report['exit_status']}). "
           f"Commit `{report['commit'][:12]}` on machine `{report['machine']}`, Python {report['python']}; "
           + rule_text(s) + (f" Benchmarks: `{'`, `'.join(s['bench'])}`." if s["bench"] else ""), ""]
    out += ["## Environments", "", "| side | numba | llvmlite | numpy | scipy | python | asv environment |",
            "|---|---|---|---|---|---|---|"]
    for role in ("baseline", "candidate"):
        env = report[role]["env"]
        imp = env.get("imported") or {}
        out.append(f"| {role} | {imp.get('numba') or report[role]['version']} | {imp.get('llvmlite', '?')} | "
                   f"{imp.get('numpy', '?')} | {imp.get('scipy', '?')} | {imp.get('python', '?')} | "
                   f"`{env.get('env_name', '?')}` |")
    out.append("")
    if report["problems"]:
        out += ["## Problems", ""] + [f"- {p}" for p in report["problems"]] + [""]
    sections = [
        ("Regressions", [stats.REGRESSION], False),
        ("Improvements", [stats.IMPROVEMENT], False),
        ("Failed benchmarks", [stats.FAILED], True),
        ("Other changes (track_/mem_/peakmem_, reported, never gating)", [stats.INCREASE, stats.DECREASE], True),
        (f"Undecided: beyond {s['factor']:g}× but not significant (reported, not a failure)",
         [stats.UNDECIDED, "not significant"], True),
        ("Not tested (too few rounds, or rounds not recoverable; neutral)", [stats.NOT_TESTED], True),
        ("Missing or skipped on one side", [stats.MISSING, stats.SKIPPED_ONE_SIDE], True),
    ]
    for title, statuses, detail in sections:
        chosen = [r for st in statuses for r in by[st]]
        if not chosen and title not in ("Regressions", "Improvements"):
            continue
        out += [f"## {title}", ""]
        out += [_release_table(by_effect(chosen), b, c, with_detail=detail), ""] if chosen else ["None.", ""]
    if rows:
        out += ["<details><summary>All results</summary>", "",
                _release_table(sorted(rows, key=lambda r: (r["benchmark"], format_params(r["params"]))), b, c,
                               with_detail=True), "", "</details>", ""]
    stages = report.get("confirmation") or []
    if stages:
        out += ["## Confirmation", "",
                "Rows that were undecided, or unchanged but beyond the square root of the factor, were run again "
                "with more rounds; the verdicts above use every round.", "",
                "| stage | rows re-run | rounds added | decided | still undecided | seconds |", "|---|---|---|---|---|---|"]
        for st in stages:
            if st.get("skipped"):
                out.append(f"| {st['stage']} | {st['rows']} | not run: {st['skipped']} | | | |")
            else:
                out.append(f"| {st['stage']} | {st['rows']} | {st['rounds']} | {st['decided']} | "
                           f"{st['still_undecided']} | {st['seconds']:.0f} |")
        out.append("")
    summ = report["summary"]
    out += ["## Summary", "",
            f"{summ.get('total', 0)} parameter combinations: " + counts_text(summ) + ".",
            f"Values are medians of the recorded samples ± half the interquartile range; n is the number of "
            f"samples (rounds × samples per round). Wall time {report['wall_seconds']:.0f} s.", ""]
    return "\n".join(out)


def change_text(change: Row, limit: int = 0) -> str:
    """``zoo.Zoo.time_fancy_gather (case=...) 2.24x``: one change of a history pair, named briefly."""
    params = format_params(change.get("params") or {})
    return f"`{change['benchmark']}`" + (f" ({params})" if params else "") + f" {format_ratio(change.get('ratio'))}×"


def render_history(summary: Mapping[str, Any]) -> str:
    """The Markdown of a ``kbench history`` run: one row per consecutive release pair."""
    releases = summary["releases"]
    s = summary.get("settings") or {}
    out = [f"# Numba release history: {releases[0]} → {releases[-1]}", "",
           f"{len(releases)} releases ({', '.join(releases)}), every consecutive pair compared at commit "
           f"`{str(summary.get('commit') or '?')[:12]}` on machine `{summary.get('machine')}`, Python "
           f"{summary.get('python')}, in one run with one environment per release. "
           + (rule_text(s) if s else "") + (f" Benchmarks: `{'`, `'.join(s['bench'])}`." if s.get("bench") else ""),
           ""]
    if summary.get("problems"):
        out += ["## Problems", ""] + [f"- {p}" for p in summary["problems"]] + [""]
    out += ["## Pairs", "", table(
        ["pair", "slower (regressions)", "faster (improvements)", "undecided", "unchanged", "not tested", "compared",
         "report"],
        [[f"{p['baseline']} → {p['candidate']}",
          "; ".join(change_text(c) for c in p["regressions"]) or "none",
          "; ".join(change_text(c) for c in p["improvements"]) or "none",
          str(p["summary"].get(stats.UNDECIDED, 0)), str(p["summary"].get(stats.UNCHANGED, 0)),
          str(p["summary"].get(stats.NOT_TESTED, 0)), str(p["summary"].get("compared", 0)), f"[{p['report']}]({p['report']}.md)"]
         for p in summary["pairs"]]), ""]
    stages = summary.get("confirmation") or []
    if stages:
        out += ["Confirmation stages (shared by all pairs): " + "; ".join(
            f"stage {st['stage']}: " + (f"{st['rows']} row(s) not run ({st['skipped']})" if st.get("skipped") else
                                       f"{st['rows']} row(s), +{st['rounds']} rounds, {st['decided']} decided, "
                                       f"{st['still_undecided']} still undecided, {st['seconds']:.0f} s")
            for st in stages) + ".", ""]
    out += [f"Wall time {summary.get('wall_seconds', 0):.0f} s. Exit status {summary.get('exit_status')}.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# bisect and noise
# ---------------------------------------------------------------------------------------------------------------
def render_bisect(report: Mapping[str, Any]) -> str:
    """The Markdown of a bisection report: the verdict per measured release, per parameter combination."""
    s = report["settings"]
    out = [f"# Bisect: `{report['benchmark']}` from Numba {report['good']} to {report['bad']}", "",
           f"**{report['reason']}.** Measured {len(report['measured'])} of {len(report['releases'])} releases "
           f"({', '.join(report['releases'])}); slower means a regression against {report['good']} by the "
           f"release check's rule: " + rule_text(s), ""]
    body = []
    for step in sorted(report["steps"], key=lambda st: parse_version(st["version"])):
        verdict = "good (reference)" if step["version"] == report["good"] else \
            ("slower" if step["slower"] else "like good")
        for r in step["rows"]:
            body.append([step["version"], verdict, format_params(r["params"]) or "-", format_ratio(r["ratio"]),
                         format_p(r), format_value((r.get("candidate") or {}).get("median"), r["unit"])])
    out += [table(["numba", "verdict", "params", "ratio to good", "test (p, adjusted q)", "median"], body)]
    out += ["", f"Commit `{report['commit'][:12]}`, machine `{report['machine']}`, wall time "
                f"{report['wall_seconds']:.0f} s.", ""]
    return "\n".join(out)


def render_noise(rows: Sequence[Mapping[str, Any]], factor: float) -> str:
    """The table of ``kbench noise``: deviations per benchmark class, and how many rows the rule flagged."""
    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    lines = [f"| benchmark | parameter sets | median deviation | 90th percentile | largest | flagged at {factor}x |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| `{r['benchmark']}` | {r['parameter_sets']} | {pct(r['median_deviation'])} | "
                     f"{pct(r['p90_deviation'])} | {pct(r['max_deviation'])} | {r['false_alarms']} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# the release watcher's issue
# ---------------------------------------------------------------------------------------------------------------
OUTCOME_TEXT = {
    "regression": "at least one benchmark is slower with this release beyond the factor, and its interleaved "
    "rounds show it is real (the release check's rule, docs/release-check.md)",
    "no-regression": "no statistically backed slowdown; changes that stayed undecided or could not be tested, "
    "if any, are listed in the report and are not regressions",
    "broken": "the check could not be completed (a benchmark, the environment or the runner failed); "
    "this says nothing either way about performance",
}


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * (longest + 1)


def _truncate(text: str, limit: int, where: str) -> str:
    if len(text) <= limit:
        return text
    note = f"\n... (truncated; the full report is {where})\n"
    return text[: max(0, limit - len(note))] + note


def attempts_text(version: str, overall: Optional[str], broken: int, limit: int, completed: bool = False) -> str:
    """What the watcher does next about a version, from its broken checks so far and the bound."""
    if overall == "broken":
        if completed:
            return (f"An earlier check of Numba {version} completed, so the watcher does not check it again "
                    f"automatically; run the workflow by hand with version {version} to retry.")
        if broken < limit:
            left = limit - broken
            return (f"**Broken check {broken} of at most {limit}:** the watcher will check Numba {version} "
                    f"again on its next run ({left} more automatic attempt{'s' if left != 1 else ''} left).")
        return (f"**Broken check {broken} of at most {limit}:** no more automatic attempts; run the workflow "
                f"by hand with version {version} to check it again.")
    if broken:
        return f"Checked after {broken} broken attempt{'s' if broken != 1 else ''}."
    return ""


def render_issue_body(marker: str, version: str, reports: Mapping[str, Optional[str]],
                      outcomes: Mapping[str, str], overall: Optional[str], run_url: Optional[str] = None,
                      attempts: Optional[Tuple[int, int, bool]] = None, limit: int = 60000) -> str:
    """The release watcher's issue for ``version`` (already checked by :mod:`kbench.watch`): the hidden
    ``marker``, the outcome and the runners' table, what happens next, then each report (Markdown as it is,
    anything else in a code block), each cut so the body stays under ``limit`` characters."""
    head = [marker, f"## Numba {version} release check", ""]
    if overall:
        head += [f"**Outcome: {overall}** - {OUTCOME_TEXT[overall]}.", ""]
    labels = list(dict.fromkeys([*outcomes, *reports]))
    if outcomes:
        head += ["| Runner | Outcome |", "| --- | --- |"]
        head += [f"| {label} | {outcomes.get(label, 'unknown')} |" for label in labels]
        head.append("")
    retry = attempts_text(version, overall, *attempts) if attempts else ""
    if retry:
        head += [retry, ""]
    if run_url:
        head += [f"Workflow run: {run_url}", ""]
    head += ["This issue is kept up to date by the `numba-release-watch` workflow; "
             "a later check of the same version edits it rather than opening another.", ""]
    text = "\n".join(head)

    sections = []
    for label, path in reports.items():
        body = None
        if path and Path(path).is_file():
            body = Path(path).read_text(encoding="utf-8", errors="replace").rstrip("\n")
        sections.append((label, path, body))
    overhead = sum(200 + len(str(path or "")) for _, path, _ in sections)
    budget = max(500, (limit - len(text) - overhead) // max(1, len(sections)))
    for label, path, body in sections:
        text += f"\n### Report: {label}\n\n"
        if body is None:
            text += f"_No report: the {label} check did not produce one (the job failed or did not run)._\n"
            continue
        where = f"`{path}` in the repository" if path else "in the workflow run"
        if str(path).endswith(".md"):
            cut = _truncate(body, budget - 10, where)
            if cut != body and len(re.findall(r"^\s*(```|~~~)", cut, re.M)) % 2:
                cut += "\n```"  # the cut fell inside a code block: close it
            text += cut + "\n"
        else:
            fence = _fence(body)
            text += f"{fence}text\n{_truncate(body, budget - 2 * len(fence) - 10, where)}\n{fence}\n"
    return text
