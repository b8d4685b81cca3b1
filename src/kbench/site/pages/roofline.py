"""The roofline page (``roofline.html``): per machine its measured ceilings, and per environment one chart
per (device, dtype) with each kernel target under them."""
from __future__ import annotations

import math
from typing import Dict, List

from .. import _html as H
from .. import _svg as S
from .._prose import prose
from ..model import Model, families, slug
from ..model.roofline import Ceiling, RoofChart, RoofEnv, RoofMachine
from ._common import env_summary, machine_heading, page

FILE, LABEL, TITLE = "roofline.html", "Roofline", "Roofline"


def _text(block: str, **values) -> str:
    return prose("roofline", block, **values)


def label(c: Ceiling) -> str:
    return f"{c.name}{(' (' + c.params + ')') if c.params else ''}: {S.fmt_number(c.value)} {c.unit}"


def _family_color(name: str) -> str:
    names = list(families())
    return S.color(names.index(name) if name in names else 0)


def _chart(title: str, rc: RoofChart, subtitle: str) -> str:
    peaks, bands, pts = rc.peaks, rc.bands, rc.points
    ai = [p.intensity for p in pts]
    p_max = max((c.value for c in peaks), default=None)
    b_max = max((c.value for c in bands), default=None)
    ridges = ([c.value / b_max for c in peaks] if b_max else []) + ([p_max / c.value for c in bands] if p_max else [])
    xlo, xhi = S.log_range(ai + ridges, pad=0.15)
    xlo, xhi = min(xlo, min(ai + ridges) / 4), max(xhi, max(ai + ridges) * 4)
    yvals = [p.gflops for p in pts] + [c.value for c in peaks] + [c.value * xlo for c in bands]
    if bands and not peaks:
        yvals += [c.value * xhi for c in bands]
    ylo, yhi = S.log_range(yvals, pad=0.1)
    chart = S.LogLogChart(title, "arithmetic intensity (FLOP per byte of minimum traffic)",
                          "GFLOP/s (higher is better)", xfmt=S.fmt_number, yfmt=S.fmt_number, width=540, height=400,
                          subtitle=subtitle, xrange=(xlo, xhi), yrange=(ylo, yhi), legend=True)
    for i, c in enumerate(bands):
        x_end = (p_max / c.value) if p_max else xhi
        chart.add_line([(xlo, c.value * xlo), (x_end, c.value * x_end)], "#c0392b" if i == 0 else "#e67e22",
                       label(c), dash="" if i == 0 else "6 3", label_at=math.sqrt(xlo * x_end) if p_max else xlo * 3)
    for i, c in enumerate(peaks):
        x_start = (c.value / b_max) if b_max else xlo
        chart.add_line([(x_start, c.value), (xhi, c.value)], "#2c3e50" if i == 0 else "#7f8c8d", label(c),
                       dash="" if i == 0 else "6 3")
    fams: List[str] = []
    for p in pts:
        if p.family not in fams:
            fams.append(p.family)
        chart.add_mark(p.intensity, p.gflops, str(p.number), _family_color(p.family),
                       "square" if p.device == "gpu" else "circle",
                       tooltip=f"{p.number}: {p.family}.{p.target} n={S.fmt_count(p.size)} {p.dtype}: "
                               f"{p.intensity:.3g} FLOP/B, {p.gflops:.3g} GFLOP/s")
    chart.extra_legend += [(f, _family_color(f), "circle", None) for f in fams]
    if not rc.ceilings:
        chart.note("no ceilings measured on this machine")
    return chart.render()


def percent(fraction: float) -> str:
    pct = 100.0 * fraction
    if pct < 1:
        return f"{pct:.2g} %"
    return f"{pct:.1f} %" if pct < 10 else f"{pct:.0f} %"


def _env(machine_name: str, e: RoofEnv) -> str:
    out = []
    for rc in e.charts:
        svg = _chart(f"{machine_name}: {rc.device.upper()} roofline, {rc.dtype}", rc, e.env.label)
        rows = [[str(p.number), H.esc(p.family), H.esc(p.target), S.fmt_count(p.size), S.fmt_seconds(p.seconds),
                 f"{p.intensity:.3g}", f"{p.gflops:.3g}",
                 percent(p.gflops / rc.attainable[p.number]) if rc.attainable.get(p.number) else "\u2013"]
                for p in rc.points]
        table = (f"<div><h4>{rc.device.upper()} kernels, {H.esc(rc.dtype)}</h4>" + H.table(
            ["#", "family", "target", "size n", "time", "FLOP/byte", "GFLOP/s", "of roof"], rows,
            numeric=[0, 3, 4, 5, 6, 7]) + "</div>")
        out.append(H.charts([H.figure(svg), table]))
    return "\n".join(out)


def _machine(rm: RoofMachine) -> List[str]:
    body = [machine_heading(rm.machine)]
    if rm.ceilings:
        body.append("<h4>Measured ceilings</h4>" + H.table(
            ["device", "kind", "dtype", "value", "from"],
            [[c.device.upper(), "peak compute" if c.kind == "compute" else "memory bandwidth", H.esc(c.dtype or "any"),
              H.esc(f"{S.fmt_number(c.value)} {c.unit}"), H.esc(c.source)] for c in rm.ceilings]))
    else:
        peaks = ", ".join(f"{g['fp32_peak_tflops']} TFLOP/s ({H.esc(g.get('name'))})" for g in rm.gpu_estimates)
        body.append(_text("no-ceilings", estimate=_text("gpu-estimate", peaks=peaks) if peaks else ""))
    blocks = [H.details(env_summary(e.env, e.newest) + f" \u00b7 commit {', '.join(e.commits)}",
                        _env(rm.machine.name, e), open_=i == 0, anchor=slug(f"roof-{e.env.anchor}"))
              for i, e in enumerate(rm.envs)]
    return body + (blocks or [_text("no-timings")])


def build(model: Model) -> Dict[str, str]:
    body = [] if model.machines else [_text("no-machines")]
    for rm in model.roofline:
        body += _machine(rm)
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
