"""Machine-ceiling probes: what this machine can physically do, so kernels are judged as a fraction of it.

- ``fma_peak``: an FMA-bound loop on all cores: every thread keeps many independent multiply-add chains in
  registers, so neither memory nor dependency latency limits it;
- ``stream_copy`` and ``stream_triad``: STREAM-like bandwidth kernels (``c = a`` and ``a = b + s*c``), meant to
  be run on vectors far larger than the last-level cache;
- ``device_copy_kernel``: a numba-cuda copy kernel for the GPU's copy bandwidth (numba.cuda is imported on
  first use, never at import).

These are probes, not course kernels, so they are not in the family registry. Each is compiled on first use.
"""
from __future__ import annotations

import functools

import numba
import numpy as np

from . import _gpu

CHAINS = 16  # independent accumulators per lane: enough to hide FMA latency (4-5 cycles x 2 ports)


def _fma_loop(n_threads, iterations, seed):
    # each thread: CHAINS independent chains x <- x * m + a, vectorised across a small array by LLVM
    out = np.zeros(n_threads)
    for t in numba.prange(n_threads):
        x = np.empty(CHAINS * 8)
        for c in range(x.shape[0]):
            x[c] = seed + 1e-3 * c + t
        m, a = 0.999999, 1e-7
        for _ in range(iterations):
            for c in range(x.shape[0]):
                x[c] = x[c] * m + a
        out[t] = x.sum()
    return out


@functools.lru_cache(maxsize=None)
def _fma_kernel():
    return numba.njit(parallel=True, fastmath=True)(_fma_loop)


def fma_peak_flops(iterations=200_000):
    """(flops performed, result) of one FMA-bound run on every Numba thread; time it to get FLOP/s."""
    threads = numba.get_num_threads()
    out = _fma_kernel()(threads, iterations, 1.0)
    return 2.0 * threads * iterations * CHAINS * 8, out


def _copy(a, c):
    for i in numba.prange(a.shape[0]):
        c[i] = a[i]


def _triad(a, b, c, s):
    for i in numba.prange(a.shape[0]):
        a[i] = b[i] + s * c[i]


@functools.lru_cache(maxsize=None)
def stream_kernels():
    jit = numba.njit(parallel=True)
    return jit(_copy), jit(_triad)


def stream_bytes(kind, n, itemsize=8):
    """Bytes a STREAM kernel moves (counting reads and writes, no write-allocate traffic, as STREAM does)."""
    return {"copy": 2, "triad": 3}[kind] * n * itemsize


# --- GPU ceiling ---------------------------------------------------------------------------------------------

DEVICE_COPY_THREADS = 256  # threads per block of the copy kernel
cuda = None  # numba.cuda, bound on first use; the simulator swaps this global (see _gpu.numba_cuda)


@functools.lru_cache(maxsize=None)
def device_copy_kernel():
    """A numba-cuda copy ``dst[i] = src[i]``, one element per thread, for the device's copy bandwidth: each
    thread issues one independent load, so with a grid of ``device_copy_blocks(n)`` blocks the memory system,
    not latency, bounds it. Compiled on first launch."""
    global cuda
    cuda = _gpu.numba_cuda()

    @cuda.jit
    def copy(src, dst):
        i = cuda.grid(1)
        if i < src.shape[0]:
            dst[i] = src[i]

    return copy


def device_copy_blocks(n):
    return _gpu.grid_1d(n, DEVICE_COPY_THREADS)
