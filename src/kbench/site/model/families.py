"""What the site knows about kernel families, all behind :func:`families`.

Today it asks the ``kernels`` package for the family names, their layouts (``LAYOUTS``, default first), the
registered targets and their devices, and counts the work of a call by building inputs
(``work(*make_inputs(...))``), extrapolating a power law above :data:`WORK_INPUT_LIMIT`. What the package does
not say (the operand shape and the rate that fits a family) is kept in :data:`_SITE_FACTS`. When ``kernels``
records a ``Family`` with shape, layouts and ``work(size, dtype, layout)`` from sizes alone, :func:`families`
is the one function to point at it.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
from typing import Callable, Dict, Optional, Tuple

# Used when the kernels package cannot be imported where the site is built.
FALLBACK_FAMILIES = ("matmul", "sumsq", "gauss", "sincos", "normalise", "pipeline", "fastmath")
# family -> (shape, rate): "matrix" families take n x n operands and are read in GFLOP/s; the rest take vectors
# of n elements and are read in GB/s of minimum traffic.
_SITE_FACTS = {"matmul": ("matrix", "gflops")}
_VECTOR = ("vector", "gbps")

# Inputs above this many bytes are not built to count work: it is extrapolated from two smaller sizes.
WORK_INPUT_LIMIT = 64 * 2 ** 20

Work = Tuple[float, float]  # (flops, bytes of minimum traffic) of one call


@dataclasses.dataclass(frozen=True)
class Family:
    """One kernel family as the site reads it."""
    name: str
    shape: str  # "matrix" (n x n operands) or "vector" (n elements)
    rate: str  # "gflops" or "gbps": the rate its scaling charts show
    layouts: Tuple[str, ...]  # default first; () when unknown
    targets: Tuple[str, ...]  # registry order (stable colours); () when unknown
    devices: Dict[str, str]  # target -> "cpu" or "gpu", for the registered targets
    work_of: Optional[Callable[[int, str, str], Optional[Work]]] = dataclasses.field(default=None, compare=False)

    @property
    def default_layout(self) -> Optional[str]:
        return self.layouts[0] if self.layouts else None

    @property
    def size_label(self) -> str:
        return "matrix size n (n \u00d7 n operands)" if self.shape == "matrix" else "vector length n (elements)"

    def device(self, target: str) -> str:
        """"gpu" or "cpu" from the registry; a name-based guess for targets the registry does not know."""
        if target in self.devices:
            return self.devices[target]
        return "gpu" if re.search(r"cuda|cupy|gpu", str(target)) else "cpu"

    def index(self, target: str) -> int:
        """The target's place in the registry (its colour); a stable hash for targets the registry lacks."""
        if target in self.targets:
            return self.targets.index(target)
        h = 2166136261
        for ch in str(target).encode("utf-8"):
            h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
        return int(h / 2 ** 32 * 12)

    def order(self, names) -> list:
        """Targets in registry order, unknown ones after, by name."""
        names = list(dict.fromkeys(names))
        return [t for t in self.targets if t in names] + sorted(t for t in names if t not in self.targets)

    def work(self, size: int, dtype: str = "float64", layout: Optional[str] = None) -> Optional[Work]:
        """(flops, bytes) of one call at ``size``; None when it cannot be counted here."""
        layout = layout or self.default_layout
        if self.work_of is None or layout is None:
            return None
        return self.work_of(int(size), str(dtype), layout)


@functools.lru_cache(maxsize=None)
def kernels_module():
    """The kernel package, or None when it cannot be imported here (the views then say so)."""
    try:
        import kernels

        return kernels
    except Exception:
        return None


def _family_from_kernels(k, name: str) -> Family:
    shape, rate = _SITE_FACTS.get(name, _VECTOR)
    try:
        layouts = tuple(k.family_module(name).LAYOUTS)
    except Exception:
        layouts = ()
    try:
        targets = tuple(k.target_names(name))
        devices = {t: k.get_target(name, t).device for t in targets}
    except Exception:
        targets, devices = (), {}
    return Family(name, shape, rate, layouts, targets, devices, functools.partial(_work, name))


@functools.lru_cache(maxsize=None)
def families() -> Dict[str, Family]:
    """Every kernel family by name, in registry order (a fixed list, without layouts, targets or work counts,
    when the kernels package cannot be imported)."""
    k = kernels_module()
    if k is None:
        return {n: Family(n, *_SITE_FACTS.get(n, _VECTOR), (), (), {}) for n in FALLBACK_FAMILIES}
    return {n: _family_from_kernels(k, n) for n in k.families()}


def family(name: str) -> Family:
    """The family called ``name``; an unknown one is a vector family the registry knows nothing about."""
    return families().get(name) or Family(name, *_SITE_FACTS.get(name, _VECTOR), (), (), {})


def family_of(benchmark: str) -> Optional[str]:
    """The kernel family a benchmark belongs to: its module name when that is a family."""
    module = benchmark.split(".")[0]
    return module if module in families() else None


# --------------------------------------------------------------------------------------------- work counts

@functools.lru_cache(maxsize=None)
def _work_direct(name: str, size: int, dtype: str, layout: str) -> Optional[Tuple[float, float, float]]:
    """(flops, bytes, input bytes) from ``work(*make_inputs(size, ...))``."""
    import numpy as np

    k = kernels_module()
    if k is None:
        return None
    try:
        module = k.family_module(name)
        args = module.make_inputs(int(size), np.dtype(dtype), layout, np.random.default_rng(0))
        w = module.work(*args)
        nbytes = float(sum(getattr(a, "nbytes", 0) for a in args))
        return float(w["flops"]), float(w["bytes"]), nbytes
    except Exception:
        return None


@functools.lru_cache(maxsize=None)
def _work(name: str, size: int, dtype: str, layout: str) -> Optional[Work]:
    """(flops, bytes) of one call of family ``name`` at ``size``: the family's own ``work(*make_inputs(...))``.

    Building inputs of 10^8 elements or 8192^2 matrices only to read their shapes would take gigabytes, so
    above :data:`WORK_INPUT_LIMIT` the counts come from the two largest affordable sizes (``size / 2^k`` and
    half of that) and the power law through them. The families' counts are monomials in the size (2n, 2n^3,
    3n^2 x itemsize), for which this is exact."""
    small = _work_direct(name, 64, dtype, layout)
    if small is None:
        return None
    twice = _work_direct(name, 128, dtype, layout)
    mem_exp = math.log2(twice[2] / small[2]) if twice and small[2] > 0 and twice[2] > 0 else None
    estimate = small[2] * (size / 64) ** mem_exp if mem_exp is not None else 0.0
    if estimate <= WORK_INPUT_LIMIT or size <= 128:
        direct = _work_direct(name, size, dtype, layout)
        return (direct[0], direct[1]) if direct else None
    k = 1
    while size // 2 ** k > 128 and small[2] * ((size // 2 ** k) / 64) ** mem_exp > WORK_INPUT_LIMIT:
        k += 1
    s1 = size // 2 ** k
    s0 = max(s1 // 2, 1)
    w1, w0 = _work_direct(name, s1, dtype, layout), _work_direct(name, s0, dtype, layout)
    if not w0 or not w1:
        return None
    out = []
    for i in (0, 1):
        if w0[i] <= 0 or w1[i] <= 0:
            out.append(0.0)
            continue
        exponent = math.log(w1[i] / w0[i]) / math.log(s1 / s0)
        out.append(w1[i] * (size / s1) ** exponent)
    return out[0], out[1]
