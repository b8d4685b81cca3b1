"""Small inline-SVG chart builders: log-log line charts (with ceilings and labelled points, for the roofline),
ratio bar charts and categorical strip charts. Pure Python, no plotting library, no script: the SVG text goes
straight into the page.

Every chart draws a title, labelled axes with log ticks, a legend when there is more than one series, and a
``<title>`` tooltip on each marker with the exact value.
"""
from __future__ import annotations

import itertools
import math
from html import escape
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

# Distinct colours that stay apart for colour-blind readers in the first eight; the rest fill large families.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939",
)
GRID = "#e3e3e3"
AXIS = "#444"
TEXT = "#222"
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\""

_ids = itertools.count(1)

_SUPERSCRIPT = str.maketrans("0123456789-", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b")


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _f(v: float) -> str:
    """Coordinates with two decimals: enough for the screen, short in the file."""
    return f"{v:.2f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def _esc(text) -> str:
    return escape(str(text), quote=True)


# --------------------------------------------------------------------------------------------- number formats

def power_of_ten(v: float) -> Optional[int]:
    if v <= 0:
        return None
    k = round(math.log10(v))
    return k if abs(v - 10 ** k) <= 1e-9 * 10 ** k else None


def fmt_count(v: float) -> str:
    """Problem sizes: 16, 1024, 10³ ... 10⁸ (powers of ten of 1000 and up as superscripts)."""
    k = power_of_ten(v)
    if k is not None and k >= 3:
        return "10" + str(k).translate(_SUPERSCRIPT)
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:g}"


def fmt_number(v: float) -> str:
    """Rates and ratios on an axis: 0.01, 0.5, 3, 250, 12k, 3.5M."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e4:
        return f"{v / 1e3:g}k"
    if a >= 1:
        return f"{v:.4g}"
    if a >= 1e-3:
        return f"{v:.3g}"
    return f"{v:.0e}".replace("e-0", "e-")


def fmt_seconds(v: float) -> str:
    """Times on an axis or in a table: 850 ns, 1.2 µs, 35 ms, 2.5 s."""
    if v is None or not math.isfinite(v):
        return "n/a"
    a = abs(v)
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "\u00b5s"), (1e-9, "ns")):
        if a >= scale * 0.9995 or unit == "ns":
            return f"{v / scale:.3g} {unit}"
    return f"{v:g} s"  # pragma: no cover


# --------------------------------------------------------------------------------------------- axes

class LogAxis:
    """Maps values to pixels on a log10 scale."""

    def __init__(self, lo: float, hi: float, p0: float, p1: float):
        self.lo, self.hi = lo, hi
        self.l0, self.l1 = math.log10(lo), math.log10(hi)
        self.p0, self.p1 = p0, p1

    def __call__(self, v: float) -> float:
        v = max(v, 1e-300)
        return self.p0 + (math.log10(v) - self.l0) / (self.l1 - self.l0) * (self.p1 - self.p0)


def log_range(values: Iterable[float], pad: float = 0.06) -> Tuple[float, float]:
    """A log-scale range covering the positive values, padded by a fraction of the span (at least 0.08 decades)."""
    vals = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    if not vals:
        return 0.1, 10.0
    lo, hi = math.log10(min(vals)), math.log10(max(vals))
    span = hi - lo
    if span < 1e-9:
        return 10 ** (lo - 0.5), 10 ** (hi + 0.5)
    margin = max(pad * span, 0.08)
    return 10 ** (lo - margin), 10 ** (hi + margin)


def log_ticks(lo: float, hi: float, max_major: int = 8) -> Tuple[List[float], List[float]]:
    """(major ticks, minor ticks) inside [lo, hi]: decades when the range holds two or more, else 1-2-5 steps,
    else every integer multiple; minor ticks at 2..9 x 10^k where they add information."""
    a, b = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    inside = lambda v: lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)  # noqa: E731
    decades = [10.0 ** k for k in range(a, b + 1) if inside(10.0 ** k)]
    if len(decades) == 2 and hi / lo < 300:  # one decade labelled at both ends: add the 2s and 5s
        major = [m * 10.0 ** k for k in range(a, b + 1) for m in (1, 2, 5) if inside(m * 10.0 ** k)]
    elif len(decades) >= 2:
        step = 1
        while len(decades[::step]) > max_major:
            step += 1
        major = decades[::step]
    else:
        major = [m * 10.0 ** k for k in range(a, b + 1) for m in (1, 2, 5) if inside(m * 10.0 ** k)]
        if len(major) < 3:
            major = [m * 10.0 ** k for k in range(a, b + 1) for m in range(1, 10) if inside(m * 10.0 ** k)]
            if len(major) > max_major:
                major = major[:: math.ceil(len(major) / max_major)]
        if hi / lo < 3:  # a narrow range: evenly spaced round values
            raw = (hi - lo) / 5
            mag = 10.0 ** math.floor(math.log10(raw))
            step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
            first = math.ceil(lo / step)
            major = [round(i * step, 12) for i in range(first, int(math.floor(hi / step)) + 1) if i * step > 0]
    minor = []
    if math.log10(hi / lo) <= 9:
        minor = [m * 10.0 ** k for k in range(a, b + 1) for m in range(2, 10)
                 if inside(m * 10.0 ** k) and not any(abs(m * 10.0 ** k - t) <= 1e-9 * t for t in major)]
    return major, minor


def _marker(shape: str, x: float, y: float, fill: str, r: float = 3.6, tooltip: str = "",
            stroke: str = "#fff") -> str:
    tip = f"<title>{_esc(tooltip)}</title>" if tooltip else ""
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="0.8"'
    if shape == "square":
        s = r * 1.7
        return f'<rect class="pt" x="{_f(x - s / 2)}" y="{_f(y - s / 2)}" width="{_f(s)}" height="{_f(s)}" {common}>{tip}</rect>'
    if shape == "triangle":
        h = r * 1.2
        pts = f"{_f(x)},{_f(y - h * 1.2)} {_f(x - h)},{_f(y + h * 0.8)} {_f(x + h)},{_f(y + h * 0.8)}"
        return f'<polygon class="pt" points="{pts}" {common}>{tip}</polygon>'
    if shape == "diamond":
        h = r * 1.35
        pts = f"{_f(x)},{_f(y - h)} {_f(x + h)},{_f(y)} {_f(x)},{_f(y + h)} {_f(x - h)},{_f(y)}"
        return f'<polygon class="pt" points="{pts}" {common}>{tip}</polygon>'
    return f'<circle class="pt" cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" {common}>{tip}</circle>'


class _Frame:
    """Common layout: title on top, a plot area, tick labels left and below, an optional legend on the right."""

    def __init__(self, title: str, width: int, height: int, legend_width: int, subtitle: str = ""):
        self.title, self.subtitle = title, subtitle
        self.width, self.height = width, height
        self.left, self.right = 74, width - 14 - legend_width
        self.top = 40 if subtitle else 30
        self.bottom = height - 50
        self.legend_x = width - legend_width + 4
        self.uid = f"kb{next(_ids)}"

    def open(self, desc: str = "") -> List[str]:
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {self.width} {self.height}" '
               f'width="{self.width}" height="{self.height}" aria-labelledby="{self.uid}t" {FONT} font-size="12">',
               f'<title id="{self.uid}t">{_esc(self.title)}{(" - " + _esc(desc)) if desc else ""}</title>',
               f'<rect x="0" y="0" width="{self.width}" height="{self.height}" fill="#fff"/>',
               f'<text x="{_f(self.width / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600" fill="{TEXT}">{_esc(self.title)}</text>']
        if self.subtitle:
            out.append(f'<text x="{_f(self.width / 2)}" y="33" text-anchor="middle" font-size="11" fill="#555">{_esc(self.subtitle)}</text>')
        out.append(f'<clipPath id="{self.uid}c"><rect x="{self.left}" y="{self.top}" width="{self.right - self.left}" '
                   f'height="{self.bottom - self.top}"/></clipPath>')
        return out

    def axes_box(self) -> str:
        return (f'<rect x="{self.left}" y="{self.top}" width="{self.right - self.left}" height="{self.bottom - self.top}" '
                f'fill="none" stroke="{AXIS}" stroke-width="1"/>')

    def xlabel(self, text: str) -> str:
        return (f'<text class="xlabel" x="{_f((self.left + self.right) / 2)}" y="{self.height - 10}" text-anchor="middle" '
                f'fill="{TEXT}">{_esc(text)}</text>')

    def ylabel(self, text: str) -> str:
        cy = (self.top + self.bottom) / 2
        return (f'<text class="ylabel" x="14" y="{_f(cy)}" text-anchor="middle" transform="rotate(-90 14 {_f(cy)})" '
                f'fill="{TEXT}">{_esc(text)}</text>')

    def legend(self, entries: Sequence[Tuple[str, str, str, bool]]) -> List[str]:
        """entries: (label, colour, marker shape, dashed); dashed None draws the marker without a line."""
        out = []
        y = self.top + 6
        for label, col, shape, dashed in entries:
            dash = ' stroke-dasharray="5 3"' if dashed else ""
            x = self.legend_x
            line = "" if dashed is None else (f'<line x1="{x}" y1="{y + 5}" x2="{x + 22}" y2="{y + 5}" stroke="{col}" '
                                              f'stroke-width="2"{dash}/>')
            out.append('<g class="legend-item">' + line + _marker(shape, x + 11, y + 5, col, 3.2)
                       + f'<text x="{x + 28}" y="{y + 9}" fill="{TEXT}" font-size="11">{_esc(_short(label, 24))}'
                       f'<title>{_esc(label)}</title></text></g>')
            y += 17
        return out


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# --------------------------------------------------------------------------------------------- line chart

class Series:
    def __init__(self, label: str, points: Sequence[Tuple[float, float]], col: str, marker: str = "circle",
                 dashed: bool = False, tooltip: Optional[Callable[[float, float], str]] = None):
        self.label = label
        self.points = sorted((x, y) for x, y in points if x and y and x > 0 and y > 0
                             and math.isfinite(x) and math.isfinite(y))
        self.color, self.marker, self.dashed, self.tooltip = col, marker, dashed, tooltip


class LogLogChart:
    """Lines and markers on log-log axes, plus optional reference lines (ceilings) and numbered points."""

    def __init__(self, title: str, xlabel: str, ylabel: str, xfmt: Callable[[float], str] = fmt_number,
                 yfmt: Callable[[float], str] = fmt_number, width: int = 470, height: int = 340,
                 xticks: Optional[Sequence[float]] = None, subtitle: str = "", legend: Optional[bool] = None,
                 xrange: Optional[Tuple[float, float]] = None, yrange: Optional[Tuple[float, float]] = None):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xfmt, self.yfmt = xfmt, yfmt
        self.width, self.height = width, height
        self.xticks = list(xticks) if xticks else None
        self.subtitle = subtitle
        self.show_legend = legend
        self.xrange, self.yrange = xrange, yrange
        self.series: List[Series] = []
        # (points, colour, dash, label, x where the label goes or None for the line's right end)
        self.lines: List[Tuple[List[Tuple[float, float]], str, str, str, Optional[float]]] = []
        self.extra_legend: List[Tuple[str, str, str, Optional[bool]]] = []
        self.marks: List[Tuple[float, float, str, str, str, str]] = []  # (x, y, text, colour, shape, tooltip)
        self.notes: List[str] = []

    def add(self, series: Series) -> None:
        if series.points:
            self.series.append(series)

    def add_line(self, points: Sequence[Tuple[float, float]], col: str, label: str = "", dash: str = "",
                 label_at: Optional[float] = None) -> None:
        self.lines.append((list(points), col, dash, label, label_at))

    def add_mark(self, x: float, y: float, text: str, col: str, shape: str = "circle", tooltip: str = "") -> None:
        if x > 0 and y > 0 and math.isfinite(x) and math.isfinite(y):
            self.marks.append((x, y, text, col, shape, tooltip))

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def empty(self) -> bool:
        return not self.series and not self.marks

    def render(self) -> str:
        legend = self.show_legend if self.show_legend is not None else len(self.series) > 1
        entries = [(s.label, s.color, s.marker, s.dashed) for s in self.series] + list(self.extra_legend)
        legend_width = (min(max(len(str(e[0])) for e in entries), 24) * 6.8 + 40) if (legend and entries) else 0
        fr = _Frame(self.title, self.width + int(legend_width), self.height, int(legend_width), self.subtitle)
        xs = [x for s in self.series for x, _ in s.points] + [m[0] for m in self.marks]
        ys = [y for s in self.series for _, y in s.points] + [m[1] for m in self.marks]
        xlo, xhi = self.xrange or log_range(xs + (self.xticks or []), pad=0.05)
        ylo, yhi = self.yrange or log_range(ys, pad=0.08)
        X = LogAxis(xlo, xhi, fr.left, fr.right)
        Y = LogAxis(ylo, yhi, fr.bottom, fr.top)
        out = fr.open(f"x: {self.xlabel}, y: {self.ylabel}")
        # grid and ticks
        if self.xticks:
            xmajor = [t for t in self.xticks if xlo <= t <= xhi]
            xminor: List[float] = []
        else:
            xmajor, xminor = log_ticks(xlo, xhi)
        ymajor, yminor = log_ticks(ylo, yhi)
        g = ['<g class="grid">']
        for t in xminor:
            g.append(f'<line x1="{_f(X(t))}" y1="{fr.bottom}" x2="{_f(X(t))}" y2="{fr.bottom - 4}" stroke="{AXIS}"/>')
        for t in yminor:
            g.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.left + 4}" y2="{_f(Y(t))}" stroke="{AXIS}"/>')
        for t in xmajor:
            g.append(f'<line x1="{_f(X(t))}" y1="{fr.top}" x2="{_f(X(t))}" y2="{fr.bottom}" stroke="{GRID}"/>')
            g.append(f'<line x1="{_f(X(t))}" y1="{fr.bottom}" x2="{_f(X(t))}" y2="{fr.bottom + 5}" stroke="{AXIS}"/>')
            g.append(f'<text class="tick" x="{_f(X(t))}" y="{fr.bottom + 18}" text-anchor="middle" fill="{TEXT}" '
                     f'font-size="11">{_esc(self.xfmt(t))}</text>')
        for t in ymajor:
            g.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.right}" y2="{_f(Y(t))}" stroke="{GRID}"/>')
            g.append(f'<line x1="{fr.left - 5}" y1="{_f(Y(t))}" x2="{fr.left}" y2="{_f(Y(t))}" stroke="{AXIS}"/>')
            g.append(f'<text class="tick" x="{fr.left - 8}" y="{_f(Y(t) + 4)}" text-anchor="end" fill="{TEXT}" '
                     f'font-size="11">{_esc(self.yfmt(t))}</text>')
        g.append("</g>")
        out += g
        out.append(fr.axes_box())
        # reference lines (ceilings), clipped to the plot area
        body = [f'<g clip-path="url(#{fr.uid}c)">']
        for pts, col, dash, label, _ in self.lines:
            path = " ".join(f"{_f(X(x))},{_f(Y(y))}" for x, y in pts if x > 0 and y > 0)
            d = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline class="ceiling" points="{path}" fill="none" stroke="{col}" stroke-width="2.2"{d}>'
                        f'<title>{_esc(label)}</title></polyline>')
        for s in self.series:
            path = " ".join(f"{_f(X(x))},{_f(Y(y))}" for x, y in s.points)
            d = ' stroke-dasharray="6 3"' if s.dashed else ""
            body.append(f'<polyline class="series" points="{path}" fill="none" stroke="{s.color}" stroke-width="1.8"{d}/>')
        body.append("</g>")
        for s in self.series:
            for x, y in s.points:
                tip = s.tooltip(x, y) if s.tooltip else f"{s.label}: {self.xfmt(x)}, {self.yfmt(y)}"
                body.append(_marker(s.marker, X(x), Y(y), s.color, tooltip=tip))
        for x, y, text, col, shape, tip in self.marks:
            body.append(_marker(shape, X(x), Y(y), col, r=5, tooltip=tip or text, stroke="#000"))
            if text:
                body.append(f'<text class="mark-label" x="{_f(X(x) + 7)}" y="{_f(Y(y) - 6)}" font-size="11" '
                            f'font-weight="600" fill="{TEXT}" stroke="#fff" stroke-width="3" paint-order="stroke">'
                            f'{_esc(text)}</text>')
        # ceiling labels: along the line at label_at, else right-aligned just above the line's right end
        for pts, col, dash, label, label_at in self.lines:
            if not label or not pts:
                continue
            if label_at is not None and len(pts) >= 2:
                (x0, y0), (x1, y1) = pts[0], pts[-1]
                if x1 > x0 > 0 and y0 > 0 and y1 > 0 and x0 <= label_at <= x1:
                    t = math.log(label_at / x0) / math.log(x1 / x0)
                    ya = 10 ** (math.log10(y0) + t * (math.log10(y1) - math.log10(y0)))
                    angle = math.degrees(math.atan2(Y(y1) - Y(y0), X(x1) - X(x0)))
                    px, py = X(label_at), Y(ya) - 5
                    body.append(f'<text class="ceiling-label" x="{_f(px)}" y="{_f(py)}" text-anchor="middle" '
                                f'font-size="11" fill="{col}" stroke="#fff" stroke-width="3" paint-order="stroke" '
                                f'transform="rotate({_f(angle)} {_f(px)} {_f(py)})">{_esc(label)}</text>')
                    continue
            x_end, y_end = pts[-1]
            if not (xlo <= x_end * 0.999 <= xhi * 1.001) or not (ylo <= y_end <= yhi):
                continue
            px = min(X(x_end), fr.right) - 4
            py = max(Y(y_end) - 5, fr.top + 11)
            body.append(f'<text class="ceiling-label" x="{_f(px)}" y="{_f(py)}" text-anchor="end" font-size="11" '
                        f'fill="{col}" stroke="#fff" stroke-width="3" paint-order="stroke">{_esc(label)}</text>')
        out += body
        out.append(fr.xlabel(self.xlabel))
        out.append(fr.ylabel(self.ylabel))
        if legend and entries:
            out += fr.legend(entries)
        for i, text in enumerate(self.notes):
            out.append(f'<text x="{fr.left + 8}" y="{fr.top + 16 + 14 * i}" font-size="11" fill="#a33">{_esc(text)}</text>')
        out.append("</svg>")
        return "\n".join(out)


# --------------------------------------------------------------------------------------------- bar chart

class RatioBarChart:
    """Grouped bars of ratios >= 1 on a log axis starting at 1 (the best of each group): the taller, the worse.
    groups: [(group label, [(bar label, ratio or None, colour)])]."""

    def __init__(self, title: str, groups: Sequence[Tuple[str, Sequence[Tuple[str, Optional[float], str]]]],
                 ylabel: str = "time / best time (lower is better)", xlabel: str = "target", subtitle: str = "",
                 legend: Optional[Sequence[Tuple[str, str]]] = None, height: int = 340):
        self.title, self.groups, self.ylabel, self.xlabel = title, groups, ylabel, xlabel
        self.subtitle, self.legend_entries, self.height = subtitle, legend, height

    def render(self) -> str:
        nbars = max((len(b) for _, b in self.groups), default=1)
        bar_w = 11
        group_w = nbars * bar_w + 18
        plot_w = max(320, group_w * max(len(self.groups), 1))
        legend_w = 90 if self.legend_entries else 0
        width = 74 + plot_w + 14 + legend_w
        fr = _Frame(self.title, width, self.height + 30, legend_w, self.subtitle)
        fr.bottom = fr.height - 80  # room for rotated group labels
        ratios = [r for _, bars in self.groups for _, r, _ in bars if r is not None and math.isfinite(r)]
        top = max(ratios + [1.5]) * 1.25
        Y = LogAxis(1.0, top, fr.bottom, fr.top)
        out = fr.open(self.ylabel)
        major, minor = log_ticks(1.0, top)
        for t in minor:
            out.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.left + 4}" y2="{_f(Y(t))}" stroke="{AXIS}"/>')
        for t in major:
            out.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.right}" y2="{_f(Y(t))}" stroke="{GRID}"/>')
            out.append(f'<text class="tick" x="{fr.left - 8}" y="{_f(Y(t) + 4)}" text-anchor="end" font-size="11" '
                       f'fill="{TEXT}">{_esc(fmt_number(t))}\u00d7</text>')
        out.append(fr.axes_box())
        gw = (fr.right - fr.left) / max(len(self.groups), 1)
        for gi, (glabel, bars) in enumerate(self.groups):
            x0 = fr.left + gi * gw + (gw - len(bars) * bar_w) / 2
            for bi, (blabel, r, col) in enumerate(bars):
                x = x0 + bi * bar_w
                if r is None or not math.isfinite(r):
                    out.append(f'<text x="{_f(x + bar_w / 2)}" y="{fr.bottom - 4}" text-anchor="middle" font-size="9" '
                               f'fill="#999">\u2013<title>{_esc(glabel)} {_esc(blabel)}: no result</title></text>')
                    continue
                y = Y(max(r, 1.0))
                h = max(fr.bottom - y, 1.5)
                tip = f"{glabel}, {blabel}: {r:.3g}\u00d7 the best" if r > 1.0005 else f"{glabel}, {blabel}: the best"
                out.append(f'<rect class="bar" x="{_f(x + 1)}" y="{_f(fr.bottom - h)}" width="{bar_w - 2}" height="{_f(h)}" '
                           f'fill="{col}"><title>{_esc(tip)}</title></rect>')
                if r <= 1.0005:
                    out.append(f'<text x="{_f(x + bar_w / 2)}" y="{_f(fr.bottom - 5)}" text-anchor="middle" font-size="10" '
                               f'fill="{TEXT}">\u2605<title>{_esc(tip)}</title></text>')
            cx = fr.left + gi * gw + gw / 2
            out.append(f'<text class="tick" x="{_f(cx)}" y="{fr.bottom + 12}" text-anchor="end" font-size="11" fill="{TEXT}" '
                       f'transform="rotate(-35 {_f(cx)} {fr.bottom + 12})">{_esc(_short(glabel, 18))}</text>')
        out.append(fr.ylabel(self.ylabel))
        out.append(f'<text x="{_f((fr.left + fr.right) / 2)}" y="{fr.height - 8}" text-anchor="middle" fill="{TEXT}">'
                   f'{_esc(self.xlabel)} (\u2605 = the best order for that target)</text>')
        if self.legend_entries:
            out += fr.legend([(label, col, "square", None) for label, col in self.legend_entries])
        out.append("</svg>")
        return "\n".join(out)


# --------------------------------------------------------------------------------------------- strip chart

class StripChart:
    """One column of dots per category on a log y axis, with horizontal reference lines.
    points: (category index, value, colour, tooltip)."""

    def __init__(self, title: str, categories: Sequence[str], points: Sequence[Tuple[int, float, str, str]],
                 ylabel: str, hlines: Sequence[Tuple[float, str, str]] = (), subtitle: str = "", xlabel: str = ""):
        self.title, self.categories, self.points = title, list(categories), list(points)
        self.ylabel, self.hlines, self.subtitle, self.xlabel = ylabel, list(hlines), subtitle, xlabel

    def render(self) -> str:
        col_w = 150
        width = 74 + max(col_w * len(self.categories), 420) + 20
        fr = _Frame(self.title, width, 360, 0, self.subtitle)
        vals = [v for _, v, _, _ in self.points if v and v > 0 and math.isfinite(v)] + [h for h, _, _ in self.hlines]
        lo, hi = log_range(vals + [0.8, 1.25], pad=0.08)
        Y = LogAxis(lo, hi, fr.bottom, fr.top)
        out = fr.open(self.ylabel)
        major, minor = log_ticks(lo, hi)
        for t in minor:
            out.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.left + 4}" y2="{_f(Y(t))}" stroke="{AXIS}"/>')
        for t in major:
            out.append(f'<line x1="{fr.left}" y1="{_f(Y(t))}" x2="{fr.right}" y2="{_f(Y(t))}" stroke="{GRID}"/>')
            out.append(f'<text class="tick" x="{fr.left - 8}" y="{_f(Y(t) + 4)}" text-anchor="end" font-size="11" '
                       f'fill="{TEXT}">{_esc(fmt_number(t))}</text>')
        out.append(fr.axes_box())
        for value, label, col in self.hlines:
            out.append(f'<line class="ref" x1="{fr.left}" y1="{_f(Y(value))}" x2="{fr.right}" y2="{_f(Y(value))}" stroke="{col}" '
                       f'stroke-width="1.3" stroke-dasharray="5 3"><title>{_esc(label)}</title></line>')
            out.append(f'<text x="{fr.right - 4}" y="{_f(Y(value) - 4)}" text-anchor="end" font-size="10" fill="{col}">'
                       f'{_esc(label)}</text>')
        cw = (fr.right - fr.left) / max(len(self.categories), 1)
        for ci, cat in enumerate(self.categories):
            cx = fr.left + cw * (ci + 0.5)
            out.append(f'<text class="tick" x="{_f(cx)}" y="{fr.bottom + 18}" text-anchor="middle" font-size="11" '
                       f'fill="{TEXT}">{_esc(cat)}</text>')
        for i, (ci, v, col, tip) in enumerate(self.points):
            if not (v and v > 0 and math.isfinite(v)):
                continue
            jitter = ((hash_fraction(tip or str(i)) - 0.5) * 0.6) * cw
            out.append(_marker("circle", fr.left + cw * (ci + 0.5) + jitter, Y(min(max(v, lo), hi)), col, 3.2, tip))
        out.append(fr.ylabel(self.ylabel))
        if self.xlabel:
            out.append(fr.xlabel(self.xlabel))
        out.append("</svg>")
        return "\n".join(out)


def hash_fraction(text: str) -> float:
    """A stable pseudo-random number in [0, 1) from a string (the same jitter on every build)."""
    h = 2166136261
    for ch in text.encode("utf-8"):
        h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
    return h / 2 ** 32
