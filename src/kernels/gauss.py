"""The Gauss ufunc ``exp(-x*x)``: NumPy, and ``@vectorize`` on the cpu, parallel and cuda targets.

A second kernel, :func:`scalar_poly`, computes the same function without calling ``exp``: Numba lowers
``math.exp`` to a libm call per element, which LLVM cannot vectorise (Numba configures no vector maths
library), while NumPy's own ``exp`` is SIMD code. The polynomial version is plain arithmetic, so the ufunc's
loop vectorises; it is registered as ``poly_parallel``.
"""
from __future__ import annotations

import math
import sys

import numba

import numpy as np

from . import _ufunc, _vectors
from ._family import Family
from ._registry import register_family

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


def work(size, dtype, layout=None):
    """One multiply, one negate, one exp per element; bytes: read x, write the result."""
    return {"flops": 3.0 * size, "bytes": 2.0 * size * np.dtype(dtype).itemsize}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng, -3.0, 3.0),)


# exp(-t) = exp(-t / 2**SQUARINGS) ** (2**SQUARINGS): the reduced argument r lies in [0, 0.365] for every t
# below the clamp, where the degree-13 Taylor polynomial of exp(-r) is exact to about 5e-16 relative; each
# squaring doubles the relative error, so the result is within ~1e-12 relative (float64 tolerance: 1e-10).
# The clamp (exp(-746) is 0 in float64) keeps inf finite; NaN fails the comparison and propagates.
SQUARINGS = 11
CLAMP = 746.0
_INV_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(14))


def scalar_poly(x):
    """exp(-x*x) by a polynomial and repeated squaring, computed in float64 whatever the input dtype."""
    t = numba.float64(x) * numba.float64(x)
    t = CLAMP if t > CLAMP else t
    r = -t * (1.0 / 2**SQUARINGS)
    p = _INV_TAYLOR[13]
    for k in range(12, -1, -1):  # Horner's rule; a constant trip count, fully unrolled by LLVM
        p = p * r + _INV_TAYLOR[k]
    for _ in range(SQUARINGS):
        p = p * p
    return p


register_family(Family(
    FAMILY, _vectors.shapes(NARGS), LAYOUTS, make_inputs, reference, work, _vectors.LIMITS, order=3,
    module=sys.modules[__name__],
    gpu_cases=(("vectorize_cuda", 100_000_000, "float32"), ("vectorize_cuda", 100_000_000, "float64")),
    parallel_cases=tuple((target, 10_000_000, dtype, "numpy") for target in ("vectorize_parallel", "poly_parallel",
                                                                           "poly_prange")
                         for dtype in ("float32", "float64")),
))
_ufunc.register_ufunc_targets(sys.modules[__name__], lambda x: np.exp(-x * x), "NumPy np.exp(-x*x)")
_ufunc.register_vectorize_variant(
    sys.modules[__name__], scalar_poly, "poly_parallel",
    f"@vectorize(target='parallel', fastmath={{'contract'}}) of exp by a degree-13 polynomial and "
    f"{SQUARINGS} squarings (vectorised)",
    fastmath={"contract"},  # Horner's rule as FMAs: half the instructions, and one rounding per step
)
_ufunc.register_prange_variant(
    sys.modules[__name__], scalar_poly, "poly_prange",
    f"@njit(parallel=True, fastmath={{'contract'}}) prange loop of the same polynomial (chunked per thread under "
    f"every threading layer, omp included)",
    fastmath={"contract"},
)
