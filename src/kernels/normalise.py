"""Normalise a vector, ``(x - mean) / std`` (population std), into a new array of the input's dtype.

The Numba target computes the two moments with ``prange`` reductions and scales in a third parallel loop.
A vector with zero variance has no normalised form and is refused with a ``ValueError``; so is one whose
standard deviation is within rounding of zero (``_checks.check_spread``: at most 16 eps of the dtype times
``|mean|``), because its "deviations" are rounding noise and normalising would scale that noise up to +-1.
Every target decides with that one check on its own mean and standard deviation; both are accurate to a few
eps (the Numba target's by the corrected two-pass formula below), so they agree on which inputs to refuse.
"""
from __future__ import annotations

import math
import sys

import numba
import numpy as np

from . import _alloc, _checks, _jit, _vectors
from ._family import Family
from ._registry import Target, register, register_family

FAMILY = "normalise"
LAYOUTS = _vectors.LAYOUTS


def validate(x):
    return _vectors.check_vectors(x=x)


def reference(x):
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / x.std()


def work(size, dtype, layout=None):
    """Three passes over x (mean, variance, scale) and one write."""
    return {"flops": 6.0 * size, "bytes": 4.0 * size * np.dtype(dtype).itemsize}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng, 0.0, 10.0),)


def moments(x):
    """Mean and population standard deviation, two passes of prange reductions (accumulated in float64).

    The first pass's mean is off by the rounding of a long sum (on a constant float64 vector of 3*10^7
    elements, by ~5*10^4 eps); the second pass also sums the deviations, whose mean is that error, and
    corrects both moments with it (the corrected two-pass algorithm: Chan, Golub and LeVeque, 1983). The
    deviations of a constant vector then cancel, and its standard deviation comes out as ~0, not as the error."""
    n = x.shape[0]
    total = 0.0
    for i in numba.prange(n):
        total += x[i]
    mean = total / n
    deviations = 0.0
    squares = 0.0
    for i in numba.prange(n):
        d = x[i] - mean
        deviations += d
        squares += d * d
    shift = deviations / n
    return mean + shift, math.sqrt(max(squares / n - shift * shift, 0.0))


def scale(x, mean, std, out):
    for i in numba.prange(x.shape[0]):
        out[i] = (x[i] - mean) / std


def _numba_target():
    moments_jit = _jit.njit(moments, "jit_parallel", parallel=True, fastmath=True)
    scale_jit = _jit.njit(scale, "jit_parallel", parallel=True, fastmath=True)

    def normalise(x):
        validate(x)
        mean, std = moments_jit(x)
        _checks.check_spread(mean, std, x.dtype)
        out = _alloc.empty(x.shape[0], x.dtype)
        scale_jit(x, mean, std, out)
        return out

    normalise.kernel = scale_jit
    normalise.moments = moments_jit
    return normalise


def _numpy_target():
    def normalise(x):
        validate(x)
        mean = x.mean()
        std = x.std()
        _checks.check_spread(mean, std, x.dtype)
        return (x - mean) / std

    return normalise


register_family(Family(FAMILY, _vectors.shapes(1), LAYOUTS, make_inputs, reference, work, _vectors.LIMITS, order=5,
                       module=sys.modules[__name__]))
register(Target(FAMILY, "numpy", _numpy_target, "NumPy (x - x.mean()) / x.std()"))
register(Target(FAMILY, "jit_parallel", _numba_target, "@njit(parallel=True, fastmath=True), prange reductions",
                jit=True, fastmath="fast"))
