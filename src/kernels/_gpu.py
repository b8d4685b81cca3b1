"""Small helpers shared by the GPU targets. Every import of numba.cuda or CuPy happens inside a function.

GPU targets accept host (NumPy) arrays or device arrays. With host arrays they copy in, run, copy back and
return NumPy (what a user of ``@vectorize(target='cuda')`` pays). With device arrays they return a device
array without synchronising: the caller owns the stream and synchronises it (the benchmarks do, inside the
timed call).
"""
from __future__ import annotations

import numpy as np


def numba_cuda():
    """The numba.cuda module (from numba-cuda). Family modules keep it in a module global named ``cuda``,
    bound on first use, because the simulator finds kernels' ``cuda`` through their globals to swap it."""
    from numba import cuda

    return cuda


def is_device_array(x) -> bool:
    # CUDA Array Interface (CuPy, numba-cuda); the simulator's fake device arrays only have copy_to_host
    return hasattr(x, "__cuda_array_interface__") or hasattr(x, "copy_to_host")


def numba_to_device(x, stream=0):
    """Host array -> numba-cuda device array, keeping C or Fortran order (other strides are made contiguous)."""
    from numba import cuda

    if is_device_array(x):
        # numba-cuda arrays pass through; CuPy (or any CUDA Array Interface) arrays are wrapped, not copied
        return x if hasattr(x, "copy_to_host") else cuda.as_cuda_array(x)
    if not (x.flags.c_contiguous or x.flags.f_contiguous):
        x = np.ascontiguousarray(x)
    return cuda.to_device(x, stream=stream)


def grid_1d(n: int, threads: int) -> int:
    return max(1, (n + threads - 1) // threads)
