"""The page of one release-check report (``release-checks/<stem>.html``, next to the copied JSON and
Markdown), and the report pieces the releases page shares."""
from __future__ import annotations

from typing import Any, Dict, Optional

from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import parse_param
from ..model.releases import report_rule, report_state, row_status
from ._common import page

_STATE_TAGS = {
    "broke": '<span class="tag bad" title="the run broke: no verdict either way">run broke</span>',
    "old-rule": ('<span class="tag neutral" title="written before the round test: its verdicts pooled the samples '
                 'of all rounds as if independent">old rule: not a verdict</span>'),
    "regression": '<span class="tag bad">regression</span>',
    "clean": '<span class="tag good">no regression</span>',
}


def status_tag(report: Dict[str, Any]) -> str:
    """The verdict of a whole report as a tag, with its undecided and untested counts."""
    state, extra = report_state(report)
    if state == "other":
        return H.esc(report.get("exit_status"))
    return _STATE_TAGS[state] + (f" ({H.esc(extra)})" if extra else "")


def params_cell(row: Dict[str, Any]) -> str:
    return H.esc(", ".join(f"{k}={parse_param(v)}" for k, v in (row.get("params") or {}).items()))


def ratio_cell(ratio) -> str:
    return f"{ratio:.3f}\u00d7" if isinstance(ratio, (int, float)) else H.esc(ratio)


def _side(side: Optional[Dict[str, Any]], unit: Optional[str]) -> str:
    if not side or side.get("median") is None:
        return "n/a"
    v = side["median"]
    if unit == "seconds" and isinstance(v, (int, float)):
        return S.fmt_seconds(v)
    return f"{v:.4g} {unit or ''}".strip()


def _test_cell(report: Dict[str, Any], r: Dict[str, Any]) -> str:
    p, q = r.get("p_value"), r.get("q_value")
    if isinstance(p, (int, float)) and report_rule(report):
        return f"p {p:.2g}" + (f", q {q:.2g}" if isinstance(q, (int, float)) else "")
    return r.get("detail") or "not tested"


def _rows(report: Dict[str, Any], b, c) -> str:
    rows = report.get("rows") or []
    interesting = [r for r in rows if r.get("status") not in ("unchanged", "skipped")]
    cells, classes = [], []
    for r in interesting or rows:
        status, cls = row_status(report, r)
        unit = r.get("unit")
        cells.append([f"<code>{H.esc(r.get('benchmark'))}</code>", params_cell(r), H.esc(status),
                      ratio_cell(r.get("ratio")), H.esc(_test_cell(report, r)), H.esc(_side(r.get("baseline"), unit)),
                      H.esc(_side(r.get("candidate"), unit))])
        classes.append(cls)
    if not cells:
        return ""
    head = ["benchmark", "parameters", "status", "ratio", "test", f"Numba {H.esc(b)}", f"Numba {H.esc(c)}"]
    return (f"<h2>{'Changed, undecided, untested or failed' if interesting else 'All'} rows "
            f"({len(cells)} of {len(rows)})</h2>\n" + H.table(head, cells, classes, numeric=[3, 5, 6]))


def build_report(report: Dict[str, Any], stem: str, links: Dict[str, str]) -> str:
    """An html view of one release-check report; ``links`` are its copied files by kind, relative to it."""
    b = (report.get("baseline") or {}).get("version")
    c = (report.get("candidate") or {}).get("version")
    summary, settings = report.get("summary") or {}, report.get("settings") or {}
    files = " \u00b7 ".join(f'<a href="{H.esc(href)}">{H.esc(kind)}</a>' for kind, href in links.items()
                            if kind != "html")
    body = [f"<p>{status_tag(report)} \u00b7 machine <code>{H.esc(report.get('machine'))}</code> \u00b7 commit "
            f"<code>{H.esc(str(report.get('commit') or '')[:12])}</code> \u00b7 created {H.esc(report.get('created'))}"
            f"</p><p>Files: {files} \u00b7 " + '<a href="../releases.html">back to the release view</a></p>']
    if report_rule(report):
        get = settings.get
        body.append(prose("report", "rule", rounds=H.esc(get("rounds")), samples=H.esc(get("samples_per_round")),
                          adjust=H.esc(get("adjust", "holm")), alpha=H.esc(get("alpha")), factor=H.esc(get("factor")),
                          min_rounds=H.esc(get("min_rounds"))))
    else:
        body.append(prose("report", "old-rule"))
    if summary:
        body.append(H.table([H.esc(k) for k in summary], [[H.esc(v) for v in summary.values()]]))
    for p in report.get("problems") or []:
        body.append(f'<p class="warn">{H.esc(p)}</p>')
    rows = _rows(report, b, c)
    if rows:
        body.append(rows)
    return page("", f"Release check: Numba {b} \u2192 {c}", prose("report", "howto"), "\n".join(body), prefix="../")
