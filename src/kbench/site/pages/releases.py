"""The Numba-release page (``releases.html``): the verdicts of the release-check reports, then the untested
ratios between releases of one environment series."""
from __future__ import annotations

from typing import Any, Dict, List

from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import Model
from ..model.releases import NOT_TESTED_TEXT, REGRESSION_FACTOR, ReleaseRow, Series, row_status, verdict_rows
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
    body = [_text("reports-heading")] + _reports(model)
    if model.releases.machines:
        body.append(_text("untested-heading"))
    for machine, series in model.releases.machines:
        body.append(machine_heading(machine))
        for s in series:
            body += _series(s)
    if not model.releases.machines:
        body.append(_text("no-series"))
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
