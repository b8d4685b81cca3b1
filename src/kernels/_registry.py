"""The one list of kernels: every family (a :class:`Family` record), every (family, target) pair, how to build
it and whether it can run here. Family modules register themselves and are found by :func:`discover`.

Targets are built lazily: registering a target stores a *builder*, and nothing is compiled or touches a
GPU until someone asks for the callable. ``build(fresh=True)`` returns a brand-new Numba dispatcher so that
compile-time benchmarks can time a first call without reusing earlier compilations.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
from typing import Callable, Dict, List, Optional, Tuple

from . import _jit, _platform
from ._family import Family

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
_FAMILIES: Dict[str, Family] = {}
_discovery = "not yet"  # "running" while the family modules import, "done" after


def register_family(family: Family) -> Family:
    """Record a family (a :class:`Family`); its module calls this once, beside its ``register(Target(...))``."""
    if family.name in _FAMILIES:
        raise ValueError(f"kernel family {family.name!r} is registered twice")
    _FAMILIES[family.name] = family
    return family


def register(target: Target) -> Target:
    key = (target.family, target.name)
    if key in _TARGETS:
        raise ValueError(f"kernel target {target.key!r} is registered twice")
    _TARGETS[key] = target
    return target


def discover() -> None:
    """Import every public module of the package once: each family module registers its family and targets.

    A new family is a new module in ``src/kernels``; nothing lists it. Importing compiles nothing and touches no
    GPU (targets are builders), so this is cheap and safe anywhere."""
    global _discovery
    if _discovery != "not yet":
        return  # done, or running: a family module that asks the registry while importing sees what is there
    _discovery = "running"
    try:
        package = importlib.import_module(__package__)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__package__}.{info.name}")
    except BaseException:
        _discovery = "not yet"
        raise
    _discovery = "done"


def families() -> List[str]:
    """Every kernel family's name, in the families' ``order``."""
    discover()
    return [f.name for f in sorted(_FAMILIES.values(), key=lambda f: (f.order, f.name))]


def family(name: str) -> Family:
    """The :class:`Family` record of ``name``."""
    discover()
    try:
        return _FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown kernel family {name!r}; known: {', '.join(families())}") from None


def family_module(name: str):
    """Deprecated (use :func:`family`): the family's module, as callers read it before :class:`Family`
    existed, with ``work`` taking the operands (``work(*make_inputs(...))``) as it used to."""
    return _ModuleView(family(name))


class _ModuleView:
    """A family's module whose ``work`` takes the operands; every other attribute is the module's."""

    def __init__(self, record: Family):
        self._family = record

    def __getattr__(self, attr):
        return getattr(self._family.module, attr)

    def work(self, *operands):
        return self._family.work(operands[0].shape[0], operands[0].dtype, self._family.layouts[0])


def targets(family_name: Optional[str] = None) -> List[Target]:
    """Every registered target, family by family in the families' order, or those of one family; each
    family's in registration order."""
    names = families() if family_name is None else [family(family_name).name]
    return [t for name in names for (fam, _), t in _TARGETS.items() if fam == name]


def target_names(family_name: str) -> List[str]:
    return [t.name for t in targets(family_name)]


def get_target(family_name: str, name: str) -> Target:
    family(family_name)
    try:
        return _TARGETS[(family_name, name)]
    except KeyError:
        raise KeyError(
            f"unknown target {name!r} for kernel family {family_name!r}; known: {', '.join(target_names(family_name))}"
        ) from None


def get(family_name: str, name: str) -> Callable:
    """The ready-to-call kernel for (family, target); raises TargetUnavailable if it cannot run here."""
    return get_target(family_name, name).build()
