"""HTML pieces several pages share: the page shell with the navigation, machine headings, environment
summaries, links to asv's graphs, target styles."""
from __future__ import annotations

import collections
from typing import Any, Dict, Optional, Sequence, Tuple

from .. import _html as H
from .. import _svg as S
from ..model import Env, Machine, ResultFile, slug


def page(filename: str, title: str, howto: str, body: str, prefix: str = "") -> str:
    """A complete kbench page, its navigation listing every page of :data:`kbench.site.pages.PAGES`."""
    from . import NAV

    return H.page(filename, title, howto, body, NAV, prefix)


def asv_link(name: str, text: Optional[str] = None, prefix: str = "../") -> str:
    return f'<a href="{prefix}index.html#{H.esc(name)}">{H.esc(text or "history in asv")}</a>'


def quick_tag(machine: Machine) -> str:
    return (' <span class="tag quick" title="--quick runs: one sample each, a smoke test, not a measurement">'
            'quick run</span>') if machine.quick else ""


def machine_heading(machine: Machine, level: int = 2, context: str = "") -> str:
    info = machine.info
    bits = [info.get("cpu"), f"{info.get('num_cpu')} CPUs" if info.get("num_cpu") else None, info.get("arch")]
    if machine.gpus:
        names = collections.Counter(g.get("name") or "GPU" for g in machine.gpus)
        bits.append(", ".join(f"{n} x {k}" if n > 1 else str(k) for k, n in names.items()))
    desc = " \u00b7 ".join(str(b) for b in bits if b)
    ident = slug("m-" + (context + "-" if context else "") + machine.name)
    return (f'<h{level} id="{ident}">Machine <code>{H.esc(machine.name)}</code>'
            f'{quick_tag(machine)}</h{level}><p class="note">{H.esc(desc)}</p>')


def env_summary(env: Env, newest: bool, rf: Optional[ResultFile] = None) -> str:
    extra = f" \u00b7 commit <code>{rf.short}</code> ({H.fmt_date(rf.date)})" if rf else ""
    star = " (newest Numba)" if newest else ""
    return f"{H.esc(env.label)}{star}<span class='note'> \u2014 <code>{H.esc(env.name)}</code>{extra}</span>"


def params_text(params: Dict[str, Any], skip: Sequence[str] = ()) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items() if k not in skip)


def target_style(device: str, index: int) -> Tuple[str, str, bool]:
    """(colour, marker, dashed): the same target always looks the same; GPU targets are dashed squares."""
    gpu = device == "gpu"
    return S.color(index), ("square" if gpu else "circle"), gpu
