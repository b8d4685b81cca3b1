"""Input builders and checks shared by the families whose operands are 1-D vectors."""
from __future__ import annotations

import numpy as np

from . import _checks
from ._family import Limits

# Contiguous vectors, or strided views (every other element of a vector twice as long).
LAYOUTS = ("contiguous", "strided")
# CPU targets stop at 10^7 elements (80 MB in float64, far past any last-level cache; 10^8 is for GPUs); under
# the simulator GPU targets stop at 10^3.
LIMITS = Limits(cpu=10_000_000, simulator=1_000)


def shapes(count):
    """The shape rule of a family of ``count`` vectors of one length: ``shapes(size)`` for its record."""
    return lambda size: ((size,),) * count


def make_vector(size, dtype, layout, rng, low=-1.0, high=1.0):
    if layout not in LAYOUTS:
        raise ValueError(f"unknown vector layout {layout!r}; known: {', '.join(LAYOUTS)}")
    # drawn directly in the target dtype: no float64 temporary (10^8 strided float32 would otherwise take 1.6 GB)
    n = 2 * size if layout == "strided" else size
    x = rng.random(n, dtype=np.dtype(dtype).type)
    x *= high - low
    x += low
    return x[::2] if layout == "strided" else x


def check_vectors(allow_empty=False, device=False, **arrays):
    """Every argument a 1-D floating vector, one dtype, one length; returns the dtype. ``device=True`` (GPU
    targets) accepts device arrays as well as NumPy arrays."""
    for name, a in arrays.items():
        dtype = _checks.check_array(a, name, ndim=1, allow_empty=allow_empty, device=device)
    if len(arrays) > 1:
        dtype = _checks.check_same_dtype(**arrays)
        _checks.check_same_shape(**arrays)
    return dtype


def host_contiguous(x):
    """What the CUDA ufunc machinery needs from a host array: a contiguous buffer (a copy for strided views)."""
    return x if getattr(x, "flags", None) is None or x.flags.c_contiguous else np.ascontiguousarray(x)
