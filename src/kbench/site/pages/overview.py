"""The overview (``index.html``): what went wrong while building, links to every view, the machines, the
release-check reports and the notes on reading the history."""
from __future__ import annotations

from typing import Dict

from .. import _html as H
from .._prose import prose
from ..model import Model, kernels_module, slug
from ._common import page, quick_tag

FILE, LABEL, TITLE = "index.html", "Overview", "Numba kernel benchmarks"
# (link, title, template block) of the cards, in order
CARDS = [("scaling.html", "Scaling", "card-scaling"), ("layout.html", "Memory order", "card-layout"),
         ("releases.html", "Numba releases", "card-releases"), ("roofline.html", "Roofline", "card-roofline"),
         ("environment.html", "Environments", "card-environment"),
         ("../index.html", "asv: history graphs", "card-asv")]


def _text(block: str, **values) -> str:
    return prose("overview", block, **values)


def _machines(model: Model) -> str:
    rows = []
    for r in model.overview.machines:
        m = r.machine
        rows.append([f'<a href="environment.html#{slug("m-" + m.name)}"><code>{H.esc(m.name)}</code></a>'
                     + quick_tag(m), H.esc(m.info.get("cpu") or "-"), H.esc(m.info.get("num_cpu") or "-"),
                     H.esc(r.gpus), "<br>".join(H.esc(label) for label in r.env_labels) or "-", str(r.commits),
                     str(r.files), H.fmt_date(r.latest) if r.latest else "-"])
    return H.table(["machine", "CPU", "CPUs", "GPU", "environments", "commits", "result files",
                    "latest commit date"], rows, numeric=[2, 5, 6])


def build(model: Model) -> Dict[str, str]:
    body = []
    if model.asv_status:
        body.append(_text("asv-failed", status=H.esc(model.asv_status)))
    if model.vendor_status:
        body.append(f'<p class="warn">{H.esc(model.vendor_status)}</p>')
    if model.problems:
        body.append(_text("problems", count=len(model.problems)) + "<ul>"
                    + "".join(f"<li><code>{H.esc(p)}</code></li>" for p in model.problems) + "</ul>")
    body.append("<h2>Views</h2><div class='cards'>")
    for href, title, block in CARDS:
        body.append(f'<div class="card"><h3><a href="{href}">{H.esc(title)}</a></h3><p>{_text(block)}</p></div>')
    body.append("</div>")
    body.append("<h2>Machines</h2>")
    body.append(_machines(model) if model.machines else _text("no-results", folder=H.esc(model.results_dir)))
    if model.reports:
        body.append(_text("reports", count=len(model.reports)))
    if model.history_notes:
        body.append(_text("history-notes"))
        body.append(H.table(["commit", "date", "what changed", "how to read the history across it"],
                            [[f"<code>{H.esc(str(n['commit'])[:8])}</code>", H.esc(n.get("date") or "-"),
                              H.esc(n.get("title") or ""), H.esc(n["text"])] for n in model.history_notes]))
    body.append("<h2>Kernel families</h2><p>" + " \u00b7 ".join(
        f'<a href="scaling-{f}.html">{H.esc(f)}</a>' for f in model.overview.families) + "</p>")
    if kernels_module() is None:
        body.append(_text("no-kernels"))
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
