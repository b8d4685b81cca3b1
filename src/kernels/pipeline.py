"""The course's CPU-preprocess-then-GPU pattern: normalise on the CPU, move to the GPU, ``dot(x, x)`` there.

For a normalised vector the answer is ``len(x)`` up to rounding, which makes a handy sanity check. The NumPy
target does the same two steps on the CPU.
"""
from __future__ import annotations

import sys

import numpy as np

from . import _vectors, normalise
from ._family import Family
from ._registry import Target, get, register, register_family

FAMILY = "pipeline"
LAYOUTS = _vectors.LAYOUTS


validate = normalise.validate
make_inputs = normalise.make_inputs


def reduction_length(size):
    return size


def reference(x):
    z = normalise.reference(x)
    return float(np.sum(np.square(z)))  # not np.dot: no BLAS threads left spinning (see sumsq.reference)


def work(size, dtype, layout=None):
    """Normalising (four passes), the host-to-device copy, and the dot product's read."""
    return {"flops": 8.0 * size, "bytes": 6.0 * size * np.dtype(dtype).itemsize}


def _numpy_target():
    numpy_normalise = get("normalise", "numpy")

    def pipeline(x):
        z = numpy_normalise(x)
        return float(np.dot(z, z))

    return pipeline


def _numba_cupy_target():
    numba_normalise = get("normalise", "jit_parallel")

    def pipeline(x, stream=None):
        import cupy

        z = numba_normalise(x)
        with (stream if stream is not None else cupy.cuda.get_current_stream()):
            dz = cupy.asarray(z)
            # float() copies the scalar back, which waits for this stream: the result is complete on return
            return float(cupy.dot(dz, dz))

    return pipeline


register_family(Family(FAMILY, _vectors.shapes(1), LAYOUTS, make_inputs, reference, work, _vectors.LIMITS, order=6,
                       reduction_length=reduction_length, module=sys.modules[__name__]))
register(Target(FAMILY, "numpy", _numpy_target, "NumPy normalise, then np.dot on the CPU"))
register(Target(FAMILY, "numba_cupy", _numba_cupy_target,
                "Numba prange normalise on the CPU, cupy.asarray, cupy.dot on the GPU",
                device="gpu", jit=True, requires=("cupy",), runtime="cupy"))
