"""Normalise a vector, ``(x - mean) / std`` (population std), into a new array of the input's dtype.

The Numba target computes the two moments with ``prange`` reductions and scales in a third parallel loop.
A vector with zero variance has no normalised form and is refused with a ``ValueError``.
"""
from __future__ import annotations

import math
import sys

import numba
import numpy as np

from . import _jit, _vectors
from ._registry import Target, register, register_family

FAMILY = "normalise"
LAYOUTS = _vectors.LAYOUTS


def validate(x):
    return _vectors.check_vectors(x=x)


def reference(x):
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / x.std()


def work(x):
    # three passes over x (mean, variance, scale) and one write
    n, item = x.shape[0], np.dtype(x.dtype).itemsize
    return {"flops": 6.0 * n, "bytes": 4.0 * n * item}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng, 0.0, 10.0),)


def moments(x):
    """Mean and population standard deviation, two prange reductions (accumulated in float64)."""
    n = x.shape[0]
    total = 0.0
    for i in numba.prange(n):
        total += x[i]
    mean = total / n
    squares = 0.0
    for i in numba.prange(n):
        d = x[i] - mean
        squares += d * d
    return mean, math.sqrt(squares / n)


def scale(x, mean, std, out):
    for i in numba.prange(x.shape[0]):
        out[i] = (x[i] - mean) / std


def _zero_variance():
    return ValueError("x has zero variance (all elements equal), so (x - mean) / std is undefined")


def _numba_target():
    moments_jit = _jit.njit(moments, "jit_parallel", parallel=True, fastmath=True)
    scale_jit = _jit.njit(scale, "jit_parallel", parallel=True, fastmath=True)

    def normalise(x):
        validate(x)
        mean, std = moments_jit(x)
        if std == 0.0:
            raise _zero_variance()
        out = np.empty(x.shape[0], dtype=x.dtype)
        scale_jit(x, mean, std, out)
        return out

    normalise.kernel = scale_jit
    normalise.moments = moments_jit
    return normalise


def _numpy_target():
    def normalise(x):
        validate(x)
        std = x.std()
        if std == 0.0:
            raise _zero_variance()
        return (x - x.mean()) / std

    return normalise


register_family(FAMILY, sys.modules[__name__])
register(Target(FAMILY, "numpy", _numpy_target, "NumPy (x - x.mean()) / x.std()"))
register(Target(FAMILY, "jit_parallel", _numba_target, "@njit(parallel=True, fastmath=True), prange reductions",
                jit=True, fastmath="fast"))
