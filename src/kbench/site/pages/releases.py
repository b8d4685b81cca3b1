"""The Numba-release page (``releases.html``): the release history (``kbench history`` runs, one row per
consecutive release pair), the verdicts of the release-check reports, then the untested ratios between releases
of one environment series."""
from __future__ import annotations

from typing import Any, Dict, List

from ... import stats
from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import Model
from ..model.releases import (NOT_TESTED_TEXT, REGRESSION_FACTOR, History, ReleaseRow, Series, row_status,
                              verdict_rows)
from ._common import machine_heading, page, params_text
from .report import params_cell, ratio_cell, status_tag

FILE, LABEL, TITLE = "releases.html", "Numba releases", "Numba releases"


def _text(block: str, **values) -> str:
    return prose("releases", block, factor=f"{REGRESSION_FACTOR:.2f}", not_tested=H.esc(NOT_TESTED_TEXT), **values)


def _verdicts(report: Dict[str, Any]) -> str:
    """The regressions and improvements of a current-rule report, folded open."""
    chosen = verdict_rows(report)
    if not chosen:
        return ""
    cells, classes = [], []
    for r in chosen:
        status, cls = row_status(report, r)
        p, q = r.get("p_value"), r.get("q_value")
        test = f"p {p:.2g}, q {q:.2g}" if isinstance(p, (int, float)) and isinstance(q, (int, float)) else ""
        cells.append([f"<code>{H.esc(r.get('benchmark'))}</code>", params_cell(r), H.esc(status),
                      ratio_cell(r.get("ratio")), H.esc(test)])
        classes.append(cls)
    title = (f"Verdicts of {H.esc((report.get('baseline') or {}).get('version'))} \u2192 "
             f"{H.esc((report.get('candidate') or {}).get('version'))} on {H.esc(report.get('machine'))} "
             f"({len(chosen)})")
    return H.details(title, H.table(["benchmark", "parameters", "verdict", "ratio", "test"], cells, classes,
                                    numeric=[3]), open_=True)


def _ratio_text(ratio: Any) -> str:
    return f"{ratio:.2f}\u00d7" if isinstance(ratio, (int, float)) else H.esc(ratio)


def _recheck(model: Model, r: Dict[str, Any]) -> str:
    """One later release check's verdict on a history's row, linked to its report."""
    href = model.report_links(r["report"]).get("html")
    where = f"{H.esc(r['created'][:10])} on <code>{H.esc(r['machine'])}</code>"
    text = f"re-checked {where}: {H.esc(r['status'])} {_ratio_text(r['ratio'])}"
    return f'<br><span class="recheck">{text}' + (f' (<a href="{H.esc(href)}">report</a>)' if href else "") \
        + "</span>"


def _changes(model: Model, changes: List[Dict[str, Any]], cls: str) -> str:
    """The verdicts of one side of a pair, one per line, with ratio and adjusted q, and what any later
    release check of the same pair found for the same row."""
    if not changes:
        return "none"
    items = []
    for c in changes:
        q = c.get("q_value")
        test = f", q {q:.2g}" if isinstance(q, (int, float)) else ""
        params = params_text(c.get("params") or {})
        items.append(f'<span class="{cls}"><code>{H.esc(c.get("benchmark"))}</code>'
                     + (f" ({H.esc(params)})" if params else "") + f" {_ratio_text(c.get('ratio'))}{H.esc(test)}</span>"
                     + "".join(_recheck(model, r) for r in c.get("rechecks") or []))
    return "<br>".join(items)


def _history(model: Model, h: History) -> List[str]:
    """One history run: a row per consecutive pair, what got slower and faster, linked to the pair's report."""
    broke = h.exit_status == 2
    rows = []
    for p in h.pairs:
        link = ""
        if p.report is not None:
            link = f'<a href="{H.esc(model.report_links(p.report)["html"])}">report</a>'
        rows.append([f"{H.esc(p.baseline)} \u2192 {H.esc(p.candidate)}",
                     "not trusted: the run broke" if broke else _changes(model, p.regressions, "regression"),
                     "not trusted: the run broke" if broke else _changes(model, p.improvements, "improvement"),
                     H.esc(p.summary.get(stats.UNDECIDED, 0)), H.esc(p.summary.get(stats.UNCHANGED, 0)),
                     H.esc(p.summary.get(stats.NOT_TESTED, 0)),
                     H.esc(p.summary.get("compared", 0)), link])
    minutes = f"{h.wall_seconds / 60:.0f} min" if isinstance(h.wall_seconds, (int, float)) else "?"
    out = [f"<h3>{H.esc(h.releases[0] if h.releases else '?')} \u2192 {H.esc(h.releases[-1] if h.releases else '?')} "
           f"on <code>{H.esc(h.machine)}</code></h3>",
           _text("history-run", releases=len(h.releases), pairs=len(h.pairs), commit=H.esc(h.commit[:8]),
                 created=H.esc(h.created), minutes=minutes,
                 bench=H.esc(", ".join(h.settings.get("bench") or []) or "the whole suite"))]
    if h.problems:
        out.append("<ul>" + "".join(f"<li>{H.esc(x)}</li>" for x in h.problems) + "</ul>")
    out.append(H.table(["Numba pair", "slower (regressions)", "faster (improvements)", "undecided", "unchanged",
                        "not tested", "compared", ""], rows, numeric=[3, 4, 5, 6]))
    return out


def _histories(model: Model) -> List[str]:
    """The newest history run of each machine, open; older runs folded."""
    runs = model.releases.histories
    if not runs:
        return [_text("no-history")]
    seen, out, older = set(), [], []
    for h in runs:
        if h.machine in seen:
            older.append(h)
            continue
        seen.add(h.machine)
        out += _history(model, h)
    if older:
        out.append(H.details(f"Older history runs ({len(older)})", "\n".join(x for h in older
                                                                           for x in _history(model, h))))
    return out


def _reports(model: Model) -> List[str]:
    if not model.releases.reports:
        return [_text("no-reports")]
    rows = []
    for rep in model.releases.reports:
        counts = ", ".join(f"{H.esc(k)} {H.esc(v)}" for k, v in (rep.get("summary") or {}).items() if k != "total")
        files = " \u00b7 ".join(f'<a href="{H.esc(href)}">{H.esc(kind)}</a>'
                                for kind, href in model.report_links(rep).items())
        rows.append([H.esc(rep.get("created")), f"<code>{H.esc(rep.get('machine'))}</code>",
                     f"{H.esc((rep.get('baseline') or {}).get('version'))} \u2192 "
                     f"{H.esc((rep.get('candidate') or {}).get('version'))}", status_tag(rep), counts, files])
    verdicts = [_verdicts(rep) for rep in model.releases.reports]
    return [H.table(["created", "machine", "Numba", "verdict", "rows", "report"], rows)] + [v for v in verdicts if v]


def _table(versions: List[str], rows: List[ReleaseRow]) -> str:
    head = ["benchmark", "parameters", "commit"]
    for i, v in enumerate(versions):
        head.append(f"Numba {H.esc(v)}<br>time")
        if i:
            head.append(f"{H.esc(v)} / previous")
    body = []
    for r in rows:
        cells = [f'<code>{H.esc(r.benchmark)}</code>', H.esc(params_text(r.params)), f"<code>{r.commit[:8]}</code>"]
        for i, v in enumerate(versions):
            cells.append(S.fmt_seconds(r.values[v]) if v in r.values else "\u2013")
            if i:
                ratio = r.ratios.get(v)
                cells.append("\u2013" if ratio is None else
                             f'<span class="ratio" title="{H.esc(NOT_TESTED_TEXT)}">{ratio:.2f}\u00d7</span>')
        body.append(cells)
    return H.table(head, body, numeric=list(range(3, len(head))))


def _chart(s: Series) -> str:
    pairs = [f"{a} \u2192 {b}" for a, b in zip(s.versions, s.versions[1:])]
    pts = []
    for r in s.rows:
        for i, v in enumerate(s.versions[1:]):
            ratio = r.ratios.get(v)
            if ratio is None:
                continue
            prev = [x for x in s.versions[: i + 1] if x in r.values][-1:] or ["?"]
            pts.append((i, ratio, "#8a8a8a", f"{r.benchmark} ({params_text(r.params)}): {prev[0]} \u2192 {v} "
                                             f"{ratio:.3f}\u00d7, {NOT_TESTED_TEXT}"))
    f = REGRESSION_FACTOR
    return S.StripChart("Time of each Numba release / the previous release's (not tested)", pairs, pts,
                        "time / previous release's time (lower is better)",
                        hlines=[(f, f"{f:.2f}\u00d7", "#8a8a8a"), (1.0, "equal", "#555"),
                                (1 / f, f"{1 / f:.2f}\u00d7", "#8a8a8a")],
                        subtitle=s.name, xlabel="Numba releases compared").render()


def _series(s: Series) -> List[str]:
    beyond = [r for r in s.rows if r.beyond_factor]
    return [f"<h3>{H.esc(s.name)}</h3>",
            _text("series", rows=len(s.rows), versions=", ".join(map(H.esc, s.versions)), beyond=len(beyond)),
            H.charts([H.figure(_chart(s))]),
            H.details(f"All {len(s.rows)} benchmark/parameter sets, largest ratio first (not tested)",
                      _table(s.versions, s.rows))]


def build(model: Model) -> Dict[str, str]:
    body = [_text("history-heading")] + _histories(model) + [_text("reports-heading")] + _reports(model)
    if model.releases.machines:
        body.append(_text("untested-heading"))
    for machine, series in model.releases.machines:
        body.append(machine_heading(machine))
        for s in series:
            body += _series(s)
    if not model.releases.machines:
        body.append(_text("no-series"))
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
