"""The scaling pages: ``scaling.html`` (every family, the newest commit, float64 and the default layout) and
``scaling-<family>.html`` (every timing class, machine, environment, dtype and layout)."""
from __future__ import annotations

from typing import Dict, List

from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import Model, slug
from ..model.scaling import ChartGroup, ClassResult, FamilyResult
from ._common import asv_link, env_summary, machine_heading, page, target_style

FILE, LABEL, TITLE = "scaling.html", "Scaling", "Scaling with problem size"
# rate -> (unit, axis label)
RATE = {"gflops": ("GFLOP/s", "GFLOP/s (higher is better)"),
        "gbps": ("GB/s", "GB/s of minimum traffic (higher is better)")}


def _text(block: str, **values) -> str:
    return prose("scaling", block, **values)


def charts(title: str, size_label: str, rate: str, groups: List[ChartGroup]) -> List[str]:
    """A time chart and a rate chart (or why there is none) per group; groups without a point are left out."""
    unit, rate_label = RATE[rate]
    figures = []
    for g in groups:
        what = f" ({g.what})" if g.what else ""
        time_chart = S.LogLogChart(f"{title}: time per call{what}", size_label, "seconds per call (lower is better)",
                                   xfmt=S.fmt_count, yfmt=S.fmt_seconds, xticks=g.sizes)
        rate_chart = S.LogLogChart(f"{title}: {unit}{what}", size_label, rate_label, xfmt=S.fmt_count,
                                   yfmt=S.fmt_number, xticks=g.sizes)
        for line in g.lines:
            col, marker, dashed = target_style(line.device, line.index)
            t = line.target
            time_chart.add(S.Series(t, line.times, col, marker, dashed,
                                    tooltip=lambda x, y, t=t: f"{t} at n={S.fmt_count(x)}: {S.fmt_seconds(y)}"))
            rate_chart.add(S.Series(t, line.rates, col, marker, dashed,
                                    tooltip=lambda x, y, t=t: f"{t} at n={S.fmt_count(x)}: {y:.3g} {unit}"))
        if time_chart.empty:
            continue
        figures.append(H.figure(time_chart.render()))
        if rate_chart.empty:
            figures.append(_text("no-work", unit=unit, what=H.esc(g.what)))
        else:
            if g.missing_work:
                rate_chart.note("some points lack a work count")
            figures.append(H.figure(rate_chart.render()))
    return figures


def _class_section(fr: FamilyResult, c: ClassResult, overview: List[str], first: bool) -> List[str]:
    """The section of one timing class on its family's page; adds the overview charts of the first class."""
    doc = f'<p class="note">{H.esc(c.doc)}</p>' if c.doc else ""
    body = [f'<h2 id="{slug(c.cls)}">{H.esc(c.short)}</h2>'
            f'<p class="note"><code>{H.esc(c.name)}</code> \u00b7 {asv_link(c.name)}</p>' + doc]
    for machine, envs in c.machines:
        blocks = []
        for e in envs:
            figs = charts(c.short, fr.family.size_label, c.rate, e.groups)
            if not figs:
                continue
            blocks.append(H.details(env_summary(e.env, e.newest, e.rf), H.charts(figs), open_=not blocks,
                                    anchor=slug(f"{c.cls}-{e.env.anchor}")))
            if len(blocks) == 1 and first:
                overview += charts(f"{machine.name}: {c.short}", fr.family.size_label, c.rate, e.overview)[:2]
        if blocks:
            body.append(machine_heading(machine, 3, c.cls) + "\n".join(blocks))
    if len(body) == 1:
        body.append(_text("no-machine"))
    return body


def build(model: Model) -> Dict[str, str]:
    howto = _text("howto")
    pages: Dict[str, str] = {}
    overview: List[str] = [] if model.scaling else [_text("no-families")]
    for fr in model.scaling:
        name = fr.family.name
        fam_page = f"scaling-{name}.html"
        body = [_text("back")]
        overview.append(f'<h2 id="{name}">{H.esc(name)}</h2>'
                        + _text("family-link", href=fam_page, family=H.esc(name)))
        over_figs: List[str] = []
        for i, c in enumerate(fr.classes):
            body += _class_section(fr, c, over_figs, i == 0)
        overview.append(H.charts(over_figs) if over_figs else _text("no-results"))
        pages[fam_page] = page(fam_page, f"Scaling: {name}", howto, "\n".join(body))
    pages[FILE] = page(FILE, TITLE, howto, _text("intro") + "\n".join(overview))
    return pages
