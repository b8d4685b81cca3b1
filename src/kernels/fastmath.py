"""The course's fastmath example: ``(a + b) + c`` is not ``a + (b + c)`` in floating point.

Targets, all element-wise over three vectors:

- ``strict``: ``(a + b) + c`` under ``@njit`` (IEEE 754 order kept);
- ``fastmath``: the same source under ``@njit(fastmath=True)``, which lets LLVM re-associate;
- ``reassociated``: ``a + (b + c)`` written out, what re-association is allowed to produce;
- ``numpy``: ``(a + b) + c`` in NumPy.

On ordinary data they agree to rounding. On cancelling data (``a`` large, ``b`` close to ``-a``, ``c`` small)
the order decides the answer: :func:`cancellation_inputs` builds such data and :func:`measure_difference`
reports each target's error against an exact sum.
"""
from __future__ import annotations

import sys

import numpy as np

from . import _alloc, _jit, _vectors
from ._family import Family
from ._registry import Target, register, register_family

FAMILY = "fastmath"
LAYOUTS = _vectors.LAYOUTS


def validate(a, b, c):
    return _vectors.check_vectors(a=a, b=b, c=c)


def reference(a, b, c):
    # extended precision: exact for the data below, and at least as good as float64 elsewhere
    return (np.asarray(a, np.longdouble) + np.asarray(b, np.longdouble) + np.asarray(c, np.longdouble)).astype(
        np.float64
    )


def work(size, dtype, layout=None):
    """Two adds per element; bytes: read a, b and c, write the result."""
    return {"flops": 2.0 * size, "bytes": 4.0 * size * np.dtype(dtype).itemsize}


def make_inputs(size, dtype, layout, rng):
    return tuple(_vectors.make_vector(size, dtype, layout, rng) for _ in range(3))


def cancellation_inputs(size, dtype=np.float64, rng=None):
    """The course's data, spread over a vector: a ~ 1e9, b = -a exactly, c = 0.1 (so the exact sum is c)."""
    rng = np.random.default_rng(0) if rng is None else rng
    a = (1e9 * (1 + rng.random(size))).astype(dtype)
    return a, -a, np.full(size, 0.1, dtype=dtype)


def add_in_order(a, b, c, out):
    """The kernel, written once: left to right, as Python evaluates ``a + b + c``."""
    for i in range(out.shape[0]):
        out[i] = (a[i] + b[i]) + c[i]


def add_reassociated(a, b, c, out):
    for i in range(out.shape[0]):
        out[i] = a[i] + (b[i] + c[i])


def _host_target(kernel):
    def add3(a, b, c):
        dtype = validate(a, b, c)
        out = _alloc.empty(a.shape[0], dtype)
        kernel(a, b, c, out)
        return out

    add3.kernel = kernel
    return add3


def _numpy_target():
    def add3(a, b, c):
        validate(a, b, c)
        return (a + b) + c

    return add3


def measure_difference(size=1000, dtype=np.float64, rng=None):
    """Each available target's largest error on cancelling data, relative to the exact answer ``c``."""
    from ._registry import targets

    a, b, c = cancellation_inputs(size, dtype, rng)
    exact = reference(a, b, c)
    scale = float(np.max(np.abs(exact)))
    errors = {}
    for t in targets(FAMILY):
        if t.available:
            errors[t.name] = float(np.max(np.abs(t.build()(a, b, c) - exact))) / scale
    return errors


register_family(Family(FAMILY, _vectors.shapes(3), LAYOUTS, make_inputs, reference, work, _vectors.LIMITS, order=7,
                       module=sys.modules[__name__]))
register(Target(FAMILY, "numpy", _numpy_target, "NumPy (a + b) + c"))
register(Target(FAMILY, "strict", lambda: _host_target(_jit.njit(add_in_order, "strict")), "@njit (a + b) + c", jit=True))
register(Target(FAMILY, "fastmath", lambda: _host_target(_jit.njit(add_in_order, "fastmath", fastmath=True)),
                "@njit(fastmath=True) (a + b) + c", jit=True, fastmath="fast"))
register(Target(FAMILY, "reassociated", lambda: _host_target(_jit.njit(add_reassociated, "reassociated")),
                "@njit a + (b + c), the re-associated order", jit=True))
