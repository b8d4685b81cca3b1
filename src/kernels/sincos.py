"""The two-input ufunc ``sin(x) * cos(y)``: NumPy, and ``@vectorize`` on the cpu, parallel and cuda targets."""
from __future__ import annotations

import math
import sys

import numpy as np

from . import _ufunc, _vectors
from ._family import Family
from ._registry import register_family

FAMILY = "sincos"
LAYOUTS = _vectors.LAYOUTS
NARGS = 2


def scalar(x, y):
    """The kernel, written once: every vectorize target is made from this function."""
    return math.sin(x) * math.cos(y)


def validate(x, y):
    return _vectors.check_vectors(x=x, y=y)


def reference(x, y):
    return np.sin(np.asarray(x, dtype=np.float64)) * np.cos(np.asarray(y, dtype=np.float64))


def work(size, dtype, layout=None):
    """sin, cos and a multiply per element; bytes: read x and y, write the result."""
    return {"flops": 3.0 * size, "bytes": 3.0 * size * np.dtype(dtype).itemsize}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng, -math.pi, math.pi),
            _vectors.make_vector(size, dtype, layout, rng, -math.pi, math.pi))


register_family(Family(
    FAMILY, _vectors.shapes(NARGS), LAYOUTS, make_inputs, reference, work, _vectors.LIMITS, order=4,
    module=sys.modules[__name__], gpu_cases=(("vectorize_cuda", 100_000_000, "float32"),),
))
_ufunc.register_ufunc_targets(sys.modules[__name__], lambda x, y: np.sin(x) * np.cos(y), "NumPy np.sin(x) * np.cos(y)")
