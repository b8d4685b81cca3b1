"""The one list of kernels: every (family, target) pair, how to build it and whether it can run here.

Targets are built lazily: registering a target stores a *builder*, and nothing is compiled or touches a
GPU until someone asks for the callable. ``build(fresh=True)`` returns a brand-new Numba dispatcher so that
compile-time benchmarks can time a first call without reusing earlier compilations.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, Dict, List, Optional, Tuple

from . import _jit, _platform

# Requirement name -> function returning (ok, reason_if_not). Kept here so every caller agrees.
_REQUIREMENT_CHECKS: Dict[str, Callable[[], Tuple[bool, str]]] = {
    "scipy": _platform.have_scipy,
    "cuda": _platform.have_cuda,
    "cuda_ufunc": _platform.have_cuda_ufunc,  # @vectorize(target='cuda'): a real GPU, not the simulator
    "cupy": _platform.have_cupy,
}


@dataclasses.dataclass(frozen=True)
class Target:
    """One way of running a kernel family.

    ``builder`` returns a callable with the family's public signature; it may compile lazily.
    ``device`` is ``"cpu"`` or ``"gpu"``; ``jit`` says whether the first call compiles (so callers know to warm
    it up); ``requires`` names optional dependencies checked by :func:`_platform`.
    """

    family: str
    name: str
    builder: Callable[[], Callable]
    description: str
    device: str = "cpu"
    jit: bool = False
    requires: Tuple[str, ...] = ()
    max_size: Optional[int] = None  # a size above which the target is too slow to be worth timing
    runtime: Optional[str] = None  # GPU targets: "numba" or "cupy", the library whose stream ``stream=`` takes
    # The fastmath flags its Numba kernels are compiled with: "" none, "fast" for fastmath=True (every flag),
    # else the flags, comma-separated ("contract"). Declared so that tests can hold each such target to its
    # dtype's tolerance (tests/test_fast_variants.py checks the declaration against the compiled kernels).
    fastmath: str = ""

    @property
    def key(self) -> str:
        return f"{self.family}.{self.name}"

    def availability(self) -> Tuple[bool, str]:
        """(True, "") when this target can run on this machine, else (False, what is missing)."""
        for req in self.requires:
            ok, why = _REQUIREMENT_CHECKS[req]()
            if not ok:
                return False, why
        return True, ""

    @property
    def available(self) -> bool:
        return self.availability()[0]

    def build(self, fresh: bool = False) -> Callable:
        """The callable for this target; ``fresh=True`` bypasses the cache (new dispatchers, nothing reused)."""
        self.require()
        if fresh:
            with _jit.uncached():
                return self.builder()
        return _cached_build(self)

    def require(self) -> None:
        """Raise :class:`TargetUnavailable` naming what is missing, when this target cannot run here."""
        ok, why = self.availability()
        if not ok:
            raise TargetUnavailable(f"kernel target {self.key!r} cannot run on this machine: {why}")


class TargetUnavailable(RuntimeError):
    """A target was asked for on a machine that lacks what it needs (a GPU, CuPy, SciPy)."""


@functools.lru_cache(maxsize=None)
def _cached_build(target: Target) -> Callable:
    return target.builder()


_TARGETS: Dict[Tuple[str, str], Target] = {}
_FAMILIES: Dict[str, object] = {}


def register_family(name: str, module: object) -> None:
    """Record the module that owns a family (its ``reference``, ``validate`` and ``work`` functions)."""
    _FAMILIES[name] = module


def register(target: Target) -> Target:
    key = (target.family, target.name)
    if key in _TARGETS:
        raise ValueError(f"kernel target {target.key!r} is registered twice")
    _TARGETS[key] = target
    return target


def families() -> List[str]:
    """Every kernel family, in registration order."""
    return list(_FAMILIES)


def family_module(family: str):
    try:
        return _FAMILIES[family]
    except KeyError:
        raise KeyError(f"unknown kernel family {family!r}; known: {', '.join(_FAMILIES)}") from None


def targets(family: Optional[str] = None) -> List[Target]:
    """Every registered target, or those of one family, in registration order."""
    if family is not None:
        family_module(family)  # clear error for unknown families
    return [t for (fam, _), t in _TARGETS.items() if family is None or fam == family]


def target_names(family: str) -> List[str]:
    return [t.name for t in targets(family)]


def get_target(family: str, name: str) -> Target:
    family_module(family)
    try:
        return _TARGETS[(family, name)]
    except KeyError:
        raise KeyError(
            f"unknown target {name!r} for kernel family {family!r}; known: {', '.join(target_names(family))}"
        ) from None


def get(family: str, name: str) -> Callable:
    """The ready-to-call kernel for (family, target); raises TargetUnavailable if it cannot run here."""
    return get_target(family, name).build()
