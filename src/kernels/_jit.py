"""``numba.njit`` and ``numba.vectorize`` for the registry's targets, with Numba's on-disk cache as an option.

The benchmark suite runs every parameter set in a new process, so without a cache each process compiles its
kernel again before timing it (compilation never lands inside a timing, but it makes a full run slow). After
``use_disk_cache()`` (the suite calls it before it builds a target) targets are built with ``cache=True``; by
default they are not. Numba keys its cache by the function's qualified name and signature, not by options
such as ``parallel`` or ``fastmath``, so each target compiles a renamed copy of the kernel function and no
two targets can ever share an entry.

``Target.build(fresh=True)`` (compile-time benchmarks) always bypasses the cache.
"""
from __future__ import annotations

import contextlib
import types

import numba

_disk_cache = False
_building_fresh = False


def use_disk_cache(enabled: bool = True) -> None:
    """Build later targets with Numba's on-disk cache (``enabled=False``: without). Targets already built in
    this process keep the dispatchers they have."""
    global _disk_cache
    _disk_cache = bool(enabled)


def cache_enabled() -> bool:
    return _disk_cache and not _building_fresh


@contextlib.contextmanager
def uncached():
    """Build without the on-disk cache inside this block."""
    global _building_fresh
    previous, _building_fresh = _building_fresh, True
    try:
        yield
    finally:
        _building_fresh = previous


def _renamed(fn, tag):
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = f"{fn.__qualname__}__{tag}"
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    return copy


def njit(fn, tag, **options):
    """A new dispatcher of ``fn`` (``tag``: the target's name, unique per set of options)."""
    if cache_enabled():
        return numba.njit(cache=True, **options)(_renamed(fn, tag))
    return numba.njit(**options)(fn)


def vectorize(fn, tag, signatures, target, **options):
    if cache_enabled() and target in ("cpu", "parallel"):
        return numba.vectorize(signatures, target=target, cache=True, **options)(_renamed(fn, tag))
    return numba.vectorize(signatures, target=target, **options)(fn)
