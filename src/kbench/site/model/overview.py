"""Data of the overview page: one row per machine, and the kernel families that have scaling pages."""
from __future__ import annotations

import dataclasses
from typing import List, Optional

from .families import families
from .records import Machine


@dataclasses.dataclass
class MachineRow:
    machine: Machine
    env_labels: List[str]  # oldest Numba first
    commits: int
    files: int
    latest: Optional[int]  # the newest commit date (JavaScript ms), None without results
    gpus: str  # GPU names, "-" when none


@dataclasses.dataclass
class OverviewData:
    machines: List[MachineRow]
    families: List[str]  # families with timing classes, registry order


def build(model) -> OverviewData:
    rows = []
    for m in model.machines.values():
        envs = m.sorted_envs()
        files = [rf for e in envs for rf in e.files]
        rows.append(MachineRow(m, [e.label for e in envs], len({rf.commit for rf in files}), len(files),
                               max((rf.date for rf in files), default=None),
                               ", ".join(sorted({str(g.get("name")) for g in m.gpus})) or "-"))
    used = {kc.family for kc in model.kernel_classes.values()}
    return OverviewData(rows, [f for f in families() if f in used])
