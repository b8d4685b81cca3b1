"""Data of the memory-order page: matrix families timed with each operand order (each time over the best
order's), and vector families on strided against contiguous views (strided time over contiguous time)."""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._asv import Measurement, ResultFile
from .families import Family, family
from .records import Env, Machine
from .scaling import group, sort_key


def matrix_layout_ratios(vals: Sequence[Measurement]) -> Dict[Tuple[Any, str], Dict[str, float]]:
    """{(size, target): {layout: time / best time over the layouts}} for every (size, target) measured."""
    out: Dict[Tuple[Any, str], Dict[str, float]] = {}
    for (size, target), ms in group(vals, ["size", "target"]).items():
        times = {m.params.get("layout"): m.value for m in ms if m.value > 0}
        if times:
            best = min(times.values())
            out[(size, target)] = {layout: t / best for layout, t in times.items()}
    return out


def vector_layout_ratios(vals: Sequence[Measurement]) -> Dict[Tuple[Any, str, Any], float]:
    """{(dtype, target, size): strided time / contiguous time}."""
    out = {}
    for (dtype, target, size), ms in group(vals, ["dtype", "target", "size"]).items():
        t = {m.params.get("layout"): m.value for m in ms}
        if t.get("contiguous") and t.get("strided"):
            out[(dtype, target, size)] = t["strided"] / t["contiguous"]
    return out


@dataclasses.dataclass
class MatrixEnv:
    """One environment's memory-order ratios of one matrix benchmark."""
    env: Env
    newest: bool
    rf: ResultFile
    layouts: List[str]  # the family's layouts first, others after by name
    sizes: List[Any]
    targets: List[str]  # every target, registry order
    ratios: Dict[Tuple[Any, str], Dict[str, float]]

    def targets_at(self, size) -> List[str]:
        return [t for t in self.targets if (size, t) in self.ratios]


@dataclasses.dataclass
class MatrixBenchmark:
    name: str
    family: Family
    machines: List[Tuple[Machine, List[MatrixEnv]]]  # only machines with results


@dataclasses.dataclass
class VectorLine:
    target: str
    device: str
    index: int
    points: List[Tuple[Any, float]]  # (size, strided / contiguous)


@dataclasses.dataclass
class VectorChart:
    cls_short: str
    dtype: Any
    family: Family
    sizes: List[Any]
    lines: List[VectorLine]


@dataclasses.dataclass
class VectorEnv:
    env: Env
    newest: bool
    commits: List[str]  # short hashes of the result files used
    charts: List[VectorChart]


@dataclasses.dataclass
class LayoutData:
    matrix: List[MatrixBenchmark]  # matrix timing classes with a layout parameter
    vectors: List[Tuple[Machine, List[VectorEnv]]]  # only machines with strided/contiguous pairs


def _matrix(model, name: str, fam: Family) -> MatrixBenchmark:
    from . import envs_newest_commit_first, latest_values

    machines = []
    for machine in model.machines.values():
        newest = machine.newest_env()
        envs = []
        for env in envs_newest_commit_first(machine, [name]):
            rf, vals = latest_values(env, name)
            if not vals:
                continue
            ratios = matrix_layout_ratios(vals)
            layouts = [lay for lay in fam.layouts if any(lay in r for r in ratios.values())]
            layouts += sorted({lay for r in ratios.values() for lay in r} - set(layouts))
            sizes = sorted({s for s, _ in ratios}, key=sort_key)
            envs.append(MatrixEnv(env, env is newest, rf, layouts, sizes, fam.order([t for _, t in ratios]), ratios))
        if envs:
            machines.append((machine, envs))
    return MatrixBenchmark(name, fam, machines)


def _vector_env(env: Env, newest: bool, classes) -> Optional[VectorEnv]:
    from . import latest_values

    charts, commits = [], set()
    for kc in classes:
        rf, vals = latest_values(env, kc.name)
        ratios = vector_layout_ratios(vals)
        if not ratios:
            continue
        commits.add(rf.short)
        fam = family(kc.family)
        for dtype in sorted({d for d, _, _ in ratios}, key=sort_key):
            sizes = sorted({s for d, _, s in ratios if d == dtype}, key=sort_key)
            lines = [VectorLine(t, fam.device(t), fam.index(t),
                                [(s, r) for (d, tt, s), r in ratios.items() if d == dtype and tt == t])
                     for t in fam.order([t for d, t, _ in ratios if d == dtype])]
            charts.append(VectorChart(kc.short, dtype, fam, sizes, lines))
    return VectorEnv(env, newest, sorted(commits), charts) if charts else None


def build(model) -> LayoutData:
    from . import envs_newest_commit_first

    classes = [kc for kc in model.kernel_classes.values() if "layout" in kc.param_names]
    matrix = [kc for kc in classes if family(kc.family).shape == "matrix"]
    vector = [kc for kc in classes if family(kc.family).shape != "matrix"]
    vectors = []
    for machine in model.machines.values():
        newest = machine.newest_env()
        envs = [_vector_env(env, env is newest, vector)
                for env in envs_newest_commit_first(machine, [kc.name for kc in vector])]
        envs = [e for e in envs if e is not None]
        if envs:
            vectors.append((machine, envs))
    return LayoutData([_matrix(model, kc.name, family(kc.family)) for kc in matrix], vectors)
