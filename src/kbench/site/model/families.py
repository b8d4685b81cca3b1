"""What the site knows about kernel families, all behind :func:`families`: the ``kernels`` package's ``Family``
records (shape, layouts with the default first, ``work(size, dtype, layout)`` from the size alone) and the
registry's targets and devices. Matrix families are read in GFLOP/s, vector families in GB/s of minimum traffic.
Only when the package cannot be imported where the site is built does the site fall back on a list of names.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from typing import Callable, Dict, Optional, Tuple

# Used when the kernels package cannot be imported where the site is built.
FALLBACK_FAMILIES = ("matmul", "sumsq", "gauss", "sincos", "normalise", "pipeline", "fastmath")
# what a family is taken to be when the package says nothing about it: n-element vectors, read in GB/s
_VECTOR = ("vector", "gbps")

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
    """The site's view of the package's ``Family`` record: shape, layouts, targets and the work of a call
    from the size alone (``Family.work``, no arrays built)."""
    record = k.family(name)
    shape = record.kind
    rate = "gflops" if shape == "matrix" else "gbps"
    targets = tuple(k.target_names(name))
    devices = {t: k.get_target(name, t).device for t in targets}
    return Family(name, shape, rate, tuple(record.layouts), targets, devices, functools.partial(_work, name))


@functools.lru_cache(maxsize=None)
def families() -> Dict[str, Family]:
    """Every kernel family by name, in registry order (a fixed list, without layouts, targets or work counts,
    when the kernels package cannot be imported)."""
    k = kernels_module()
    if k is None:
        return {n: Family(n, *_VECTOR, (), (), {}) for n in FALLBACK_FAMILIES}
    return {n: _family_from_kernels(k, n) for n in k.families()}


def family(name: str) -> Family:
    """The family called ``name``; an unknown one is a vector family the registry knows nothing about."""
    return families().get(name) or Family(name, *_VECTOR, (), (), {})


def family_of(benchmark: str) -> Optional[str]:
    """The kernel family a benchmark belongs to: its module name when that is a family."""
    module = benchmark.split(".")[0]
    return module if module in families() else None


# --------------------------------------------------------------------------------------------- work counts

@functools.lru_cache(maxsize=None)
def _work(name: str, size: int, dtype: str, layout: str) -> Optional[Work]:
    """(flops, bytes of minimum traffic) of one call of family ``name`` at ``size``, from its record."""
    k = kernels_module()
    if k is None:
        return None
    try:
        w = k.family(name).work(int(size), dtype, layout)
    except Exception:  # a family that cannot count this combination: the views show no rate
        return None
    return float(w["flops"]), float(w["bytes"])
