"""The Gauss ufunc ``exp(-x*x)``: NumPy, and ``@vectorize`` on the cpu, parallel and cuda targets."""
from __future__ import annotations

import math
import sys

import numpy as np

from . import _ufunc, _vectors

FAMILY = "gauss"
LAYOUTS = _vectors.LAYOUTS
NARGS = 1


def scalar(x):
    """The kernel, written once: every vectorize target is made from this function."""
    return math.exp(-x * x)


def validate(x):
    return _vectors.check_vectors(x=x)


def reference(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-x * x)


def work(x):
    # one multiply, one negate, one exp per element; bytes: read x, write the result
    return {"flops": 3.0 * x.shape[0], "bytes": 2.0 * x.shape[0] * np.dtype(x.dtype).itemsize}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng, -3.0, 3.0),)


_ufunc.register_ufunc_family(sys.modules[__name__], lambda x: np.exp(-x * x), "NumPy np.exp(-x*x)")
