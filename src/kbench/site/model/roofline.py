"""Data of the roofline page: each machine's measured ceilings and, per environment, each kernel target at its
largest size placed by arithmetic intensity and achieved GFLOP/s.

A ceiling is a ``roofline.*`` track benchmark. What it measures comes from what the suite records, not from
its name: the kind and scale from the unit the benchmark declares (``benchmarks.json``), the dtype from its
``dtype`` parameter, the device from a ``device`` parameter or a registered ``family.target`` parameter value.
The suite's ceilings carry no device field (``roofline.DeviceBandwidth`` and ``DevicePeakFlops`` are GPU
probes only by what they run), so :data:`GPU_CEILING_CLASSES` names them until they do.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Tuple

from .families import families, family
from .records import Env, Machine

CEILING_MODULE = "roofline"
# the unit a ceiling declares -> (kind, factor to GFLOP/s or GB/s)
CEILING_UNITS = {
    "TFLOP/s": ("compute", 1e3), "GFLOP/s": ("compute", 1.0), "MFLOP/s": ("compute", 1e-3),
    "FLOP/s": ("compute", 1e-9),
    "TiB/s": ("memory", 2 ** 40 / 1e9), "GiB/s": ("memory", 2 ** 30 / 1e9), "MiB/s": ("memory", 2 ** 20 / 1e9),
    "TB/s": ("memory", 1e3), "GB/s": ("memory", 1.0), "MB/s": ("memory", 1e-3), "B/s": ("memory", 1e-9),
    "bytes/s": ("memory", 1e-9),
}
# ceiling classes that measure the GPU though no parameter says so (see the module docstring)
GPU_CEILING_CLASSES = ("roofline.DeviceBandwidth", "roofline.DevicePeakFlops")
ROOFLINE_SKIP = ("Layout", "HostArrays", "Memory")  # kernel classes (by suffix) the roofline leaves out


@dataclasses.dataclass
class Ceiling:
    kind: str  # "compute" (GFLOP/s) or "memory" (GB/s)
    value: float  # in GFLOP/s or GB/s
    name: str  # the method without track_, in words
    params: str  # its parameter values, "" when none
    device: str  # "cpu" or "gpu"
    dtype: Optional[str]  # None: any
    source: str  # benchmark and environment it came from

    @property
    def unit(self) -> str:
        return "GFLOP/s" if self.kind == "compute" else "GB/s"


def ceiling_device(name: str, params: Dict[str, Any]) -> str:
    """The device a ceiling measured: its ``device`` parameter, a registered ``family.target`` parameter value,
    else :data:`GPU_CEILING_CLASSES`; "cpu" otherwise."""
    if params.get("device") in ("cpu", "gpu"):
        return params["device"]
    for v in params.values():
        if isinstance(v, str) and "." in v:
            fam, _, tgt = v.partition(".")
            if fam in families():
                return family(fam).device(tgt)
    return "gpu" if name.rsplit(".", 1)[0] in GPU_CEILING_CLASSES else "cpu"


def machine_ceilings(model, machine: Machine) -> List[Ceiling]:
    """Measured ceilings: for each ``roofline.*`` track benchmark with a rate unit and each parameter set, the
    best value over the machine's environments (newest result of each)."""
    from . import latest_values

    best: Dict[Tuple[str, tuple], Ceiling] = {}
    for name in model.names:
        if name.split(".")[0] != CEILING_MODULE or model.type_of(name) not in ("track", ""):
            continue
        kind = CEILING_UNITS.get(model.unit_of(name))
        if kind is None:
            continue
        pretty = name.split(".")[-1].removeprefix("track_").replace("_", " ")
        for env in machine.envs.values():
            rf, vals = latest_values(env, name)
            for m in vals:
                value = m.value * kind[1]
                key = (name, tuple(m.params.items()))
                if value <= 0 or (key in best and best[key].value >= value):
                    continue
                dtype = m.params.get("dtype")
                best[key] = Ceiling(kind[0], value, pretty, ", ".join(str(v) for v in m.params.values()),
                                    ceiling_device(name, m.params), str(dtype) if dtype else None,
                                    f"{name} in {env.label}, commit {rf.short}")
    return sorted(best.values(), key=lambda c: (c.device, c.kind, -c.value))


@dataclasses.dataclass
class RoofPoint:
    number: int  # its label in its chart, from 1
    family: str
    target: str
    size: Any
    dtype: str
    device: str
    seconds: float
    flops: float
    bytes: float

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes

    @property
    def gflops(self) -> float:
        return self.flops / self.seconds / 1e9


def roofline_points(model, env: Env) -> Tuple[List[RoofPoint], List[str]]:
    """One point per (family, target, dtype): the largest size measured, default layout, main timing class;
    and the short commits they come from."""
    from . import latest_values
    from .scaling import group

    points: List[RoofPoint] = []
    commits = set()
    for kc in model.kernel_classes.values():
        if kc.short.endswith(ROOFLINE_SKIP):
            continue
        fam = family(kc.family)
        rf, vals = latest_values(env, kc.name)
        if not vals:
            continue
        default = fam.default_layout
        vals = [m for m in vals if m.params.get("layout", default) == default]
        for (target, dtype), ms in group(vals, ["target", "dtype"]).items():
            ms = [m for m in ms if isinstance(m.params.get("size"), (int, float))]
            if not ms:
                continue
            m = max(ms, key=lambda m: m.params["size"])
            dt = str(dtype or "float64")
            w = fam.work(int(m.params["size"]), dt, default)
            if not w or w[0] <= 0 or w[1] <= 0:
                continue
            commits.add(rf.short)
            points.append(RoofPoint(0, kc.family, str(target), m.params["size"], dt, fam.device(str(target)),
                                    m.value, w[0], w[1]))
    order = {f: i for i, f in enumerate(families())}
    points.sort(key=lambda p: (p.device, p.dtype, order.get(p.family, 99), family(p.family).index(p.target)))
    return points, sorted(commits)


@dataclasses.dataclass
class RoofChart:
    """The points of one (device, dtype), numbered from 1, under the ceilings that apply to them."""
    device: str
    dtype: str
    points: List[RoofPoint]
    ceilings: List[Ceiling]
    attainable: Dict[int, float]  # point number -> the roof above it (GFLOP/s), where there is one

    @property
    def peaks(self) -> List[Ceiling]:
        return [c for c in self.ceilings if c.kind == "compute"]

    @property
    def bands(self) -> List[Ceiling]:
        return [c for c in self.ceilings if c.kind == "memory"]


def _charts(points: List[RoofPoint], ceilings: List[Ceiling]) -> List[RoofChart]:
    groups: Dict[Tuple[str, str], List[RoofPoint]] = {}
    for p in points:
        groups.setdefault((p.device, p.dtype), []).append(p)
    out = []
    for (device, dtype), pts in groups.items():
        for i, p in enumerate(pts, 1):
            p.number = i
        chart = RoofChart(device, dtype, pts, [c for c in ceilings if c.device == device and c.dtype in (None, dtype)],
                          {})
        p_max = max((c.value for c in chart.peaks), default=None)
        b_max = max((c.value for c in chart.bands), default=None)
        for p in pts:
            roof = ([p_max] if p_max else []) + ([b_max * p.intensity] if b_max else [])
            if roof:
                chart.attainable[p.number] = min(roof)
        out.append(chart)
    return out


@dataclasses.dataclass
class RoofEnv:
    env: Env
    newest: bool
    commits: List[str]
    charts: List[RoofChart]


@dataclasses.dataclass
class RoofMachine:
    machine: Machine
    ceilings: List[Ceiling]
    gpu_estimates: List[Dict[str, Any]]  # GPUs whose record estimates an FP32 peak (not measured)
    envs: List[RoofEnv]


def build(model) -> List[RoofMachine]:
    from . import envs_newest_commit_first

    names = [kc.name for kc in model.kernel_classes.values() if not kc.short.endswith(ROOFLINE_SKIP)]
    out = []
    for machine in model.machines.values():
        ceilings = machine_ceilings(model, machine)
        newest = machine.newest_env()
        envs = []
        for env in envs_newest_commit_first(machine, names):
            pts, commits = roofline_points(model, env)
            if pts:
                envs.append(RoofEnv(env, env is newest, commits, _charts(pts, ceilings)))
        out.append(RoofMachine(machine, ceilings, [g for g in machine.gpus if g.get("fp32_peak_tflops")], envs))
    return out
