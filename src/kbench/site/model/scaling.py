"""Data of the scaling pages: per kernel family and timing class, per machine and environment, the time and
the rate (GFLOP/s or GB/s from the family's work count) of each target against the problem size."""
from __future__ import annotations

import collections
import dataclasses
import re
from typing import Any, Dict, List, Sequence, Tuple

from .._asv import Measurement, ResultFile
from .families import Family, family, families
from .records import Env, Machine

Point = Tuple[float, float]


def group(measurements: Sequence[Measurement], keys: Sequence[str]) -> Dict[tuple, List[Measurement]]:
    """Measurements by the values of ``keys`` (None where a parameter is absent), in first-seen order."""
    out: Dict[tuple, List[Measurement]] = collections.OrderedDict()
    for m in measurements:
        out.setdefault(tuple(m.params.get(k) for k in keys), []).append(m)
    return out


def sort_key(v):
    """Numbers before text, each in its natural order."""
    return (0, v) if isinstance(v, (int, float)) else (1, str(v))


@dataclasses.dataclass
class Line:
    """One target in one pair of charts: (size, seconds) and (size, rate) points."""
    target: str
    device: str  # "cpu" or "gpu"
    index: int  # the target's place in the registry (its colour)
    times: List[Point]
    rates: List[Point]


@dataclasses.dataclass
class ChartGroup:
    """One (dtype, layout) of a timing class: a time chart and a rate chart share it."""
    what: str  # the dtype and layout in words, "" when the class has neither
    sizes: List[Any]
    lines: List[Line]
    missing_work: bool  # some point has no work count (its rate is left out)


@dataclasses.dataclass
class EnvResult:
    env: Env
    newest: bool  # the machine's newest Numba
    rf: ResultFile
    groups: List[ChartGroup]
    overview: List[ChartGroup]  # float64 and the default layout (everything when there is none of that)


@dataclasses.dataclass
class ClassResult:
    cls: str  # module.Class
    short: str  # Class
    name: str  # the timing benchmark
    rate: str  # "gflops" or "gbps"
    doc: str  # the class docstring in one line, "" when benchmarks.json has none
    machines: List[Tuple[Machine, List[EnvResult]]]  # environments newest commit first


@dataclasses.dataclass
class FamilyResult:
    family: Family
    classes: List[ClassResult]


def chart_groups(fam: Family, rate: str, vals: Sequence[Measurement]) -> List[ChartGroup]:
    """Time and rate points per (dtype, layout) in ``vals``, one line per target in registry order."""
    idx = 0 if rate == "gflops" else 1
    keys = [k for k in ("dtype", "layout") if any(k in m.params for m in vals)]
    groups = group(vals, keys)
    out = []
    for key in sorted(groups, key=lambda t: tuple(sort_key(v) for v in t)):
        ms = groups[key]
        spec = dict(zip(keys, key))
        dtype, layout = spec.get("dtype", "float64"), spec.get("layout") or None
        sizes = sorted({m.params["size"] for m in ms if isinstance(m.params.get("size"), (int, float))})
        by_target = group(ms, ["target"])
        lines, missing = [], False
        for (target,) in sorted(by_target, key=lambda t: fam.index(str(t[0]))):
            pts = [(m.params["size"], m.value) for m in by_target[(target,)]
                   if isinstance(m.params.get("size"), (int, float))]
            rates = []
            for size, seconds in pts:
                w = fam.work(int(size), str(dtype), layout)
                if w is None or seconds <= 0:
                    missing = True
                    continue
                rates.append((size, w[idx] / seconds / 1e9))
            lines.append(Line(str(target), fam.device(str(target)), fam.index(str(target)), pts, rates))
        out.append(ChartGroup(", ".join(str(v) for v in key if v is not None), sizes, lines, missing))
    return out


def class_doc(benchmarks: Dict[str, Dict[str, Any]], name: str) -> str:
    """The docstring of the benchmark's class (from the code asv stores), on one line."""
    code = (benchmarks.get(name) or {}).get("code") or ""
    m = re.search(r'class \w+[^:]*:\s*\n\s*"""(.*?)"""', code, flags=re.S)
    return " ".join(m.group(1).split()) if m else ""


def _class_result(model, kc) -> ClassResult:
    from . import envs_newest_commit_first, latest_values

    fam = family(kc.family)
    rate = "gflops" if f"{kc.cls}.track_gflops" in model.benchmarks else fam.rate
    machines = []
    for machine in model.machines.values():
        newest = machine.newest_env()
        envs = []
        for env in envs_newest_commit_first(machine, [kc.name]):
            rf, vals = latest_values(env, kc.name)
            if not vals:
                continue
            default = fam.default_layout
            pick = [m for m in vals if m.params.get("dtype", "float64") == "float64"
                    and m.params.get("layout", default) in (default, None)]
            envs.append(EnvResult(env, env is newest, rf, chart_groups(fam, rate, vals),
                                  chart_groups(fam, rate, pick or vals)))
        machines.append((machine, envs))
    return ClassResult(kc.cls, kc.short, kc.name, rate, class_doc(model.benchmarks, kc.name), machines)


def build(model) -> List[FamilyResult]:
    """One entry per family with timing classes, in registry order."""
    out = []
    for name in families():
        classes = [_class_result(model, kc) for kc in model.kernel_classes.values() if kc.family == name]
        if classes:
            out.append(FamilyResult(family(name), classes))
    return out
