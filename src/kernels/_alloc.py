"""Host arrays aligned to a cache line, for the results the kernels' Python wrappers allocate.

NumPy promises 16-byte alignment. Whether a large block lands on a page (glibc ``mmap``) or at a 16-byte
boundary of the heap depends on what the process allocated and freed before (glibc raises its ``mmap``
threshold as large blocks are freed), so it changes from one process to the next. A vectorised loop that
stores 32- or 64-byte vectors into a result at 16 bytes past a 32-byte boundary splits a cache line every
other store: ``matmul.jit_ikj`` at n = 256, float32, ran 1.04 ms a call in some fresh processes and 1.39 ms
in others, by where ``C`` began. With every result starting on a 64-byte boundary (a cache line on x86 and
most ARM cores, and a whole AVX-512 vector) the speed is the kernel's, not the allocator's.
"""
from __future__ import annotations

import math

import numpy as np

ALIGN = 64  # bytes


def _raw(shape, dtype, align, fill_zero):
    if align <= 0 or align & (align - 1):
        raise ValueError(f"alignment must be a positive power of two, not {align!r}")
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"negative dimensions are not allowed: {shape}")
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = (np.zeros if fill_zero else np.empty)(nbytes + align, dtype=np.uint8)
    start = (-raw.ctypes.data) % align
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def empty(shape, dtype, align: int = ALIGN) -> np.ndarray:
    """``np.empty(shape, dtype)`` (C order) whose data starts on an ``align``-byte boundary."""
    return _raw(shape, dtype, align, fill_zero=False)


def zeros(shape, dtype, align: int = ALIGN) -> np.ndarray:
    """``np.zeros(shape, dtype)`` (C order) whose data starts on an ``align``-byte boundary; like
    ``np.zeros``, a large block gets its zeros from the operating system instead of a pass of stores."""
    return _raw(shape, dtype, align, fill_zero=True)
