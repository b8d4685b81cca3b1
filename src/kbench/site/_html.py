"""HTML helpers every kbench page shares: the page shell (``templates/page.html``: navigation with relative
links only, back to asv's pages too), tables, figures, folded sections, and escaping."""
from __future__ import annotations

import datetime
from html import escape
from typing import Iterable, List, Optional, Sequence, Tuple

from ._format import fmt_bytes, fmt_date  # noqa: F401  (the pages format through this module)
from ._prose import prose

# asv's own pages, relative to the kbench folder (one level below asv's html root)
ASV_LINKS = [
    ("../index.html", "asv: benchmark grid"),
    ("../index.html#/summarylist", "asv: benchmark list"),
    ("../index.html#/regressions", "asv: regressions"),
]


def esc(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def page(filename: str, title: str, howto: str, body: str, nav: Sequence[Tuple[str, str]],
         prefix: str = "") -> str:
    """A complete page (``templates/page.html``). ``nav`` is the (file, label) of every kbench view in
    navigation order; ``prefix`` the relative path from the page to the kbench folder ("" or "../")."""
    links = []
    for href, label in nav:
        cls = ' class="here"' if href == filename and not prefix else ""
        links.append(f'<a href="{prefix}{href}"{cls}>{esc(label)}</a>')
    asv = [f'<a href="{prefix}{href}">{esc(label)}</a>' for href, label in ASV_LINKS]
    bar = ('<nav class="top"><a class="brand" href="' + prefix + 'index.html">Numba kernel benchmarks</a>'
           + "".join(links) + '<span class="sep">|</span>' + "".join(asv) + "</nav>")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return prose("page", "shell", title=esc(title), prefix=prefix, nav=bar, howto=howto, body=body,
                 stamp=stamp) + "\n"


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
