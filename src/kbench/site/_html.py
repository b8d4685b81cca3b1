"""The shell every kbench page shares: navigation (relative links only, back to asv's pages too), the style
sheet, and small formatting helpers."""
from __future__ import annotations

import datetime
from html import escape
from typing import Iterable, List, Optional, Sequence

# (file, label) of the kbench views, in navigation order
PAGES = [
    ("index.html", "Overview"),
    ("scaling.html", "Scaling"),
    ("layout.html", "Memory order"),
    ("releases.html", "Numba releases"),
    ("roofline.html", "Roofline"),
    ("environment.html", "Environments"),
]

# asv's own pages, relative to the kbench folder (one level below asv's html root)
ASV_LINKS = [
    ("../index.html", "asv: benchmark grid"),
    ("../index.html#/summarylist", "asv: benchmark list"),
    ("../index.html#/regressions", "asv: regressions"),
]

CSS = """
:root { --fg: #222; --muted: #666; --line: #d8d8d8; --accent: #1f5fa8; --bad: #b3261e; --good: #1e7b34; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fafafa;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
nav.top { background: #1d2b3a; padding: 0.4em 1em; display: flex; flex-wrap: wrap; gap: 0.2em 1.1em; align-items: center; }
nav.top a { color: #dfe8f2; text-decoration: none; font-size: 14px; padding: 0.2em 0; }
nav.top a.here { color: #fff; font-weight: 600; border-bottom: 2px solid #8fc1ff; }
nav.top a:hover { color: #fff; text-decoration: underline; }
nav.top .brand { color: #fff; font-weight: 700; margin-right: 0.6em; }
nav.top .sep { color: #6d7f93; }
main { max-width: 1320px; margin: 0 auto; padding: 1em 1.5em 3em; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.3em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.4em; border-bottom: 1px solid var(--line); padding-bottom: 0.2em; }
h3 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
h4 { font-size: 1em; margin: 1em 0 0.3em; }
a { color: var(--accent); }
.howto { background: #eef4fb; border-left: 4px solid #7aa7d9; padding: 0.6em 1em; margin: 0.8em 0 1.2em; }
.howto p { margin: 0.3em 0; }
.note { color: var(--muted); font-size: 0.92em; }
.warn { background: #fff4e5; border-left: 4px solid #e6a23c; padding: 0.5em 1em; }
.empty { color: var(--muted); font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.charts figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 4px; padding: 4px; max-width: 100%; overflow-x: auto; }
figure figcaption { font-size: 12px; color: var(--muted); padding: 2px 6px; max-width: 640px; }
svg.chart { display: block; max-width: none; }
details { margin: 0.5em 0; }
details > summary { cursor: pointer; font-weight: 600; padding: 0.2em 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; background: #fff; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.regression td { background: #fdecea; }
tr.improvement td { background: #eaf6ec; }
tr.differs td { background: #fff6dd; }
.tag { display: inline-block; padding: 0 0.45em; border-radius: 3px; font-size: 12px; font-weight: 600; }
.tag.bad { background: var(--bad); color: #fff; }
.tag.good { background: var(--good); color: #fff; }
.tag.quick { background: #e6a23c; color: #fff; }
.tag.neutral { background: #d9d9d9; color: #222; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em 1em; min-width: 260px; flex: 1 1 280px; }
.card h3 { margin-top: 0.2em; }
code { background: #f0f0f0; padding: 0 0.25em; border-radius: 3px; font-size: 0.92em; }
.toc { columns: 2 320px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 1em; }
"""


def esc(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def page(filename: str, title: str, howto: str, body: str, prefix: str = "") -> str:
    """A complete page. ``prefix`` is the relative path from the page to the kbench folder ("" or "../")."""
    links = []
    for href, label in PAGES:
        cls = ' class="here"' if href == filename and not prefix else ""
        links.append(f'<a href="{prefix}{href}"{cls}>{esc(label)}</a>')
    asv = [f'<a href="{prefix}{href}">{esc(label)}</a>' for href, label in ASV_LINKS]
    nav = ('<nav class="top"><a class="brand" href="' + prefix + 'index.html">Numba kernel benchmarks</a>'
           + "".join(links) + '<span class="sep">|</span>' + "".join(asv) + "</nav>")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - Numba kernel benchmarks</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{prefix}kbench.css">
</head>
<body>
{nav}
<main>
<h1>{esc(title)}</h1>
<div class="howto"><strong>How to read this.</strong> {howto}</div>
{body}
</main>
<footer>Built by <code>kbench site</code> on {stamp} from the asv results. Every link on these pages is relative:
the folder can be copied anywhere and opened offline.</footer>
</body>
</html>
"""


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], row_classes: Optional[List[str]] = None,
          numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are given as HTML (escape text before)."""
    out = ["<table>"]
    if headers:
        out.append("<thead><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def charts(figures: Sequence[str]) -> str:
    return '<div class="charts">' + "\n".join(figures) + "</div>" if figures else ""


def details(summary: str, body: str, open_: bool = False, anchor: str = "") -> str:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<details{ident}{' open' if open_ else ''}><summary>{summary}</summary>\n{body}\n</details>"


def fmt_bytes(n) -> str:
    try:
        n = float(n)
    except (TypeError, ValueError):
        return "-"
    for unit, scale in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def fmt_date(js_ms) -> str:
    try:
        return datetime.datetime.fromtimestamp(int(js_ms) / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError, OverflowError, OSError):
        return "-"
