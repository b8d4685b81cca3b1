"""The environments page (``environment.html``): per machine asv's description, its environments' records
side by side, and each environment on its own."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from .. import _html as H
from .._prose import prose
from ..model import Model, slug
from ..model.environment import Comparison, EnvEntry, MachineEnvironments
from ._common import machine_heading, page

FILE, LABEL, TITLE = "environment.html", "Environments", "Machines and environments"


def _text(block: str, **values) -> str:
    return prose("environment", block, **values)


def _cell(v: Any) -> str:
    return H.esc("-" if v in (None, "") else v)


def _kv_table(pairs: Sequence[Tuple[str, Any]]) -> str:
    return H.table([], [[f"<b>{H.esc(k)}</b>", _cell(v)] for k, v in pairs])


def _gpus(rec: Dict[str, Any]) -> List[str]:
    gpus, cuda = rec.get("gpus") or [], rec.get("cuda") or {}
    if not gpus:
        return []
    rows = []
    for g in gpus:
        cc = g.get("compute_capability")
        rows.append([H.esc(g.get("index")), H.esc(g.get("name")), H.esc(".".join(map(str, cc)) if cc else "-"),
                     H.esc(g.get("architecture") or "-"), H.esc(g.get("multiprocessor_count") or "-"),
                     H.esc(H.fmt_bytes(g.get("total_memory_bytes"))),
                     H.esc(f"{g['clock_rate_khz'] / 1e3:.0f} MHz" if g.get("clock_rate_khz") else "-"),
                     H.esc(f"{g['fp32_peak_tflops']} TFLOP/s" if g.get("fp32_peak_tflops") else "-"),
                     H.esc(g.get("driver_version") or cuda.get("driver_version") or "-")])
    out = ["<h4>GPUs</h4>" + H.table(["#", "name", "compute capability", "architecture", "SMs", "memory",
                                      "SM clock", "FP32 peak (est.)", "driver"], rows)]
    if cuda.get("runtime_version"):
        out.append(f'<p class="note">CUDA runtime (CuPy): {H.esc(cuda["runtime_version"])}</p>')
    return out


def _record(e: EnvEntry) -> str:
    rec = e.record[1]
    out = [_kv_table(e.summary)] + _gpus(rec)
    if rec.get("errors"):
        out.append("<h4>Probe errors</h4>" + _kv_table(sorted(rec["errors"].items())))
    return "\n".join(out)


def _comparison(c: Comparison) -> str:
    rows = [[f"<b>{H.esc(lab)}</b>"] + [_cell(v) for v in values] for lab, values, _ in c.rows]
    classes = ["differs" if differs else "" for _, _, differs in c.rows]
    note = _text("differs") if len(c.heads) > 1 else ""
    return ("<h3>Environments side by side</h3>" + note
            + H.table([""] + [H.esc(h) for h in c.heads], rows, classes))


def _entry(machine_name: str, e: EnvEntry) -> str:
    head = f"{H.esc(e.label)} <span class='note'>\u2014 <code>{H.esc(e.name)}</code></span>"
    parts = []
    if e.env:
        parts.append(_text("files", files=len(e.env.files), commits=", ".join(e.commits), latest=e.latest_date,
                           params=H.esc(e.asv_params)))
    else:
        parts.append(_text("record-only"))
    if e.record:
        parts.append(f'<p class="note">Record: <code>{H.esc(e.record[0].name)}</code></p>' + _record(e))
        if e.history:
            parts.append(_text("history", count=e.history[1], file=H.esc(e.history[0])))
    else:
        parts.append(_text("no-record"))
    return H.details(head, "\n".join(parts), open_=e.open, anchor=slug(f"env-{machine_name}-{e.name}"))


def _machine(me: MachineEnvironments) -> List[str]:
    body = [machine_heading(me.machine), "<h3>asv machine description</h3>" + _kv_table(me.info)]
    if not me.entries:
        return body + [_text("no-envs")]
    body.append(_comparison(me.comparison) if me.comparison else "")
    body.append("<h3>Each environment</h3>")
    return body + [_entry(me.machine.name, e) for e in me.entries]


def build(model: Model) -> Dict[str, str]:
    body = [] if model.machines else [_text("no-machines")]
    for me in model.environment:
        body += _machine(me)
    return {FILE: page(FILE, TITLE, _text("howto"), "\n".join(body))}
