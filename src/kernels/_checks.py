"""Input checks shared by every family, run before any kernel is called (so before any compilation).

They read only ``shape``, ``ndim`` and ``dtype``, so they accept NumPy arrays and device arrays (numba-cuda
device arrays, CuPy arrays) alike, and turn bad input into a ``TypeError`` or ``ValueError`` that names the
argument and the problem: no Numba typing traceback reaches a user.
"""
from __future__ import annotations

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_array(x, name: str, ndim: int | None = None, allow_empty: bool = False) -> np.dtype:
    """Check one array argument; return its dtype."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "ndim")):
        raise TypeError(f"{name} must be an array (NumPy, CuPy or numba-cuda device array), got {type(x).__name__}")
    dtype = np.dtype(x.dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got {x.ndim} dimensions (shape {tuple(x.shape)})")
    if not allow_empty and 0 in tuple(x.shape):
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); this kernel needs at least one element")
    return dtype


def check_same_dtype(**arrays) -> np.dtype:
    """All arrays share one floating dtype (mixing float32 and float64 is refused, not silently promoted)."""
    dtypes = {name: np.dtype(a.dtype) for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{n} is {d}" for n, d in dtypes.items())
        raise TypeError(f"mixed dtypes: {listed}; convert them to one floating dtype first")
    return next(iter(dtypes.values()))


def check_same_shape(**arrays) -> tuple:
    shapes = {name: tuple(a.shape) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} has shape {s}" for n, s in shapes.items())
        raise ValueError(f"shapes differ: {listed}; the inputs must have the same shape")
    return next(iter(shapes.values()))
