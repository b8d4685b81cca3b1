"""The memory-order page (``layout.html``): matrix families per operand order, vector families strided
against contiguous."""
from __future__ import annotations

from typing import Dict, List

from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import Model, slug
from ..model.layout import MatrixBenchmark, MatrixEnv, VectorEnv
from ._common import asv_link, env_summary, machine_heading, page, target_style

FILE, LABEL, TITLE = "layout.html", "Memory order", "Memory order"


def _text(block: str, **values) -> str:
    return prose("layout", block, **values)


def _matrix_env(e: MatrixEnv) -> str:
    """Bars per size (each order's time over the best order's) and the same numbers as a table."""
    color = {lay: S.color(i) for i, lay in enumerate(e.layouts)}
    legend = [(f"A,B = {lay[0]},{lay[1:]}" if len(lay) == 2 else lay, color[lay]) for lay in e.layouts]
    figs = []
    for size in e.sizes:
        groups = [(t, [(lay, e.ratios[(size, t)].get(lay), color[lay]) for lay in e.layouts])
                  for t in e.targets_at(size)]
        chart = S.RatioBarChart(f"n = {S.fmt_count(size)}: time of each memory order / best order", groups,
                                legend=legend)
        figs.append(H.figure(chart.render()))
    head = ["target"] + [f"n={S.fmt_count(s)}<br>{H.esc(lay)}" for s in e.sizes for lay in e.layouts]
    rows = []
    for t in e.targets:
        cells = [H.esc(t)]
        for s in e.sizes:
            for lay in e.layouts:
                r = e.ratios.get((s, t), {}).get(lay)
                cells.append("\u2013" if r is None else ("\u2605 1.00" if r <= 1.0005 else f"{r:.2f}"))
        rows.append(cells)
    return H.charts(figs) + H.table(head, rows, numeric=range(1, len(head)))


def _matrix(b: MatrixBenchmark) -> List[str]:
    body = []
    for machine, envs in b.machines:
        blocks = [H.details(env_summary(e.env, e.newest, e.rf), _matrix_env(e), open_=i == 0,
                            anchor=slug(f"layout-{e.env.anchor}")) for i, e in enumerate(envs)]
        body.append(machine_heading(machine, 3, b.name) + "\n".join(blocks))
    return body


def _vector_figs(e: VectorEnv) -> List[str]:
    figs = []
    for c in e.charts:
        chart = S.LogLogChart(f"{c.cls_short} ({c.dtype}): strided / contiguous time", c.family.size_label,
                              "time ratio (1 = no penalty; lower is better)", xfmt=S.fmt_count, yfmt=S.fmt_number,
                              xticks=c.sizes)
        for line in c.lines:
            col, marker, dashed = target_style(line.device, line.index)
            chart.add(S.Series(line.target, line.points, col, marker, dashed, tooltip=lambda x, y, t=line.target:
                               f"{t} at n={S.fmt_count(x)}: strided takes {y:.2f}\u00d7"))
        chart.add_line([(c.sizes[0] / 10, 1.0), (c.sizes[-1] * 10, 1.0)], "#888", "no penalty", dash="4 3")
        if not chart.empty:
            figs.append(H.figure(chart.render()))
    return figs


def _vectors(model: Model) -> List[str]:
    body = []
    for machine, envs in model.layout.vectors:
        blocks = []
        for e in envs:
            figs = _vector_figs(e)
            if figs:
                blocks.append(H.details(env_summary(e.env, e.newest) + f" \u00b7 commit {', '.join(e.commits)}",
                                        H.charts(figs), open_=not blocks, anchor=slug(f"vlayout-{e.env.anchor}")))
        if blocks:
            body.append(machine_heading(machine, 3, "vectors") + "\n".join(blocks))
    return body


def build(model: Model) -> Dict[str, str]:
    body = [_text("matrix-heading")]
    for b in model.layout.matrix:
        body.append(f'<p class="note"><code>{H.esc(b.name)}</code> \u00b7 {asv_link(b.name)}</p>')
        body += _matrix(b) or [_text("no-results")]
    if not model.layout.matrix:
        body.append(_text("no-matrix"))
    body.append(_text("vector-heading"))
    body += _vectors(model) or [_text("no-vectors")]
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
