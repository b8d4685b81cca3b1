"""Sum of squares ``sum(x*x)`` of a vector, returned as a Python float (accumulated in float64 everywhere); GPU
targets given a device array return a 0-d float64 device array instead, unsynchronised.

The loop is written once with ``prange``: plain Python and serial ``@njit`` run it as ``range``, and
``@njit(parallel=True, fastmath=True)`` turns it into a threaded reduction. The CUDA target is a two-pass
block reduction (deterministic: no atomics).
"""
from __future__ import annotations

import dataclasses
import sys

import numba
import numpy as np

from . import _gpu, _jit, _vectors
from ._family import Family
from ._registry import Target, register, register_family

FAMILY = "sumsq"
LAYOUTS = _vectors.LAYOUTS
# The course's bandwidth kernel: CPU targets run up to 10^8 too (one call well under a second), contiguous only:
# a strided 10^8 vector is a 1.6 GB buffer whose page faults alone take seconds per parameter set on a VM, for
# nothing the contiguous 10^8 and strided 10^7 series do not already show.
LIMITS = dataclasses.replace(_vectors.LIMITS, cpu=100_000_000, cpu_by_layout=(("strided", 10_000_000),))
PYTHON_MAX_SIZE = 100_000  # the interpreted loop runs about 10^7 elements a second
CUDA_THREADS = 256  # threads per block of the reduction (a power of two, for the tree in shared memory)
CUDA_MAX_BLOCKS = 1024  # enough blocks to fill a large GPU; more only lengthens the second pass
CUDA_LOADS_IN_FLIGHT = 4  # independent loads per thread per step of the reduction's grid-stride loop


def validate(x, device=False):
    # an empty sum is 0.0, a well-defined answer, so empty vectors are accepted here
    return _vectors.check_vectors(allow_empty=True, device=device, x=x)


def reduction_length(size):
    return size


def reference(x):
    """float64 ``sum(x*x)`` by NumPy's pairwise summation. Not ``np.dot``: a BLAS call leaves OpenBLAS's worker
    threads spinning for a while after it returns, and a benchmark's ``setup`` checks against this right before
    its samples, where a spinning thread takes a core from a parallel kernel (docs/performance.md)."""
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(np.square(x)))


def work(size, dtype, layout=None):
    """A multiply and an add per element; bytes: read x once (a strided view reads the same elements)."""
    return {"flops": 2.0 * size, "bytes": float(size * np.dtype(dtype).itemsize)}


def make_inputs(size, dtype, layout, rng):
    return (_vectors.make_vector(size, dtype, layout, rng),)


def loop(x):
    """The kernel, written once."""
    total = 0.0
    for i in numba.prange(x.shape[0]):
        total += x[i] * x[i]
    return total


def _host_target(kernel):
    def sumsq(x):
        validate(x)
        return float(kernel(x))

    sumsq.kernel = kernel
    return sumsq


def _numpy_sum():
    def sumsq(x):
        validate(x)
        return float(np.sum(x * x, dtype=np.float64))

    return sumsq


def _numpy_dot():
    def sumsq(x):
        validate(x)
        return float(np.dot(x, x))

    return sumsq


cuda = None  # numba.cuda, bound on first use; the simulator swaps this global (see _gpu.numba_cuda)


def _reduction_kernel():
    threads = CUDA_THREADS

    @cuda.jit(device=True)
    def term(v, square):
        return v * v if square else v  # square: first pass over x; otherwise summing partials as they are

    @cuda.jit
    def block_sums(x, out, square):
        # Grid-stride accumulation per thread, then a tree reduction in shared memory; one partial per block.
        # Each thread keeps CUDA_LOADS_IN_FLIGHT (4) independent loads and sums going (elements i, i + stride, ...):
        # with one load per thread at a time, a full grid cannot cover HBM latency and the reduction runs at a
        # fraction of the copy bandwidth.
        shared = cuda.shared.array(threads, numba.float64)
        tid = cuda.threadIdx.x
        n = x.shape[0]
        stride = cuda.gridsize(1)
        i = cuda.grid(1)
        acc0 = 0.0
        acc1 = 0.0
        acc2 = 0.0
        acc3 = 0.0
        while i + 3 * stride < n:
            v0 = numba.float64(x[i])
            v1 = numba.float64(x[i + stride])
            v2 = numba.float64(x[i + 2 * stride])
            v3 = numba.float64(x[i + 3 * stride])
            acc0 += term(v0, square)
            acc1 += term(v1, square)
            acc2 += term(v2, square)
            acc3 += term(v3, square)
            i += 4 * stride
        while i < n:  # the last partial round
            acc0 += term(numba.float64(x[i]), square)
            i += stride
        shared[tid] = (acc0 + acc1) + (acc2 + acc3)
        cuda.syncthreads()
        step = threads // 2
        while step > 0:
            if tid < step:
                shared[tid] += shared[tid + step]
            cuda.syncthreads()
            step //= 2
        if tid == 0:
            out[cuda.blockIdx.x] = shared[0]

    return block_sums


def _cuda_target():
    global cuda
    cuda = _gpu.numba_cuda()
    kernel = _reduction_kernel()

    def sumsq(x, stream=0):
        validate(x, device=True)
        host = not _gpu.is_device_array(x)
        n = x.shape[0]
        if n == 0:
            return 0.0
        dx = _gpu.numba_to_device(x, stream)
        # every thread gets at least CUDA_LOADS_IN_FLIGHT elements, so the unrolled loop runs at every size
        blocks = min(CUDA_MAX_BLOCKS, _gpu.grid_1d(n, CUDA_THREADS * CUDA_LOADS_IN_FLIGHT))
        partials = cuda.device_array(blocks, dtype=np.float64, stream=stream)
        total = cuda.device_array(1, dtype=np.float64, stream=stream)
        kernel[blocks, CUDA_THREADS, stream](dx, partials, True)
        kernel[1, CUDA_THREADS, stream](partials, total, False)
        if host:
            return float(total.copy_to_host(stream=stream)[0])
        # a 0-d device array (a view of the one-element buffer, no copy), the shape of the float the host path
        # returns and of CuPy's cupy.sum result, so a device-resident result checks against the scalar reference
        return total.reshape(())

    return sumsq


def _cupy_target():
    def sumsq(x, stream=None):
        import cupy

        validate(x, device=True)
        host = not _gpu.is_device_array(x)
        with (stream if stream is not None else cupy.cuda.get_current_stream()):
            x = cupy.asarray(x)
            total = cupy.sum(x * x, dtype=cupy.float64)
            return float(total) if host else total

    return sumsq


register_family(Family(
    FAMILY, _vectors.shapes(1), LAYOUTS, make_inputs, reference, work, LIMITS, order=2,
    reduction_length=reduction_length, module=sys.modules[__name__],
    # the sizes the GPU reduction is stated at (docs/gpu.md), against the device's copy bandwidth
    gpu_cases=(("cuda", 100_000_000, "float32"), ("cuda", 100_000_000, "float64"),
               ("cuda", 1_000_000_000, "float32"), ("cupy", 100_000_000, "float32")),
    parallel_cases=(("jit_parallel", 10_000_000, "float64", "numpy_dot"),
                    ("jit_parallel", 100_000_000, "float64", "numpy_dot")),
))
register(Target(FAMILY, "python", lambda: _host_target(loop), "pure-Python loop", max_size=PYTHON_MAX_SIZE))
register(Target(FAMILY, "numpy_sum", _numpy_sum, "NumPy np.sum(x*x)"))
register(Target(FAMILY, "numpy_dot", _numpy_dot, "NumPy np.dot(x, x) (BLAS)"))
register(Target(FAMILY, "jit", lambda: _host_target(_jit.njit(loop, "jit")), "@njit loop", jit=True))
register(Target(FAMILY, "jit_parallel", lambda: _host_target(_jit.njit(loop, "jit_parallel", parallel=True, fastmath=True)),
                "@njit(parallel=True, fastmath=True), prange reduction", jit=True, fastmath="fast"))
register(Target(FAMILY, "cuda", _cuda_target, "@cuda.jit two-pass block reduction", device="gpu", jit=True,
                requires=("cuda",), runtime="numba"))
register(Target(FAMILY, "cupy", lambda: _cupy_target(), "CuPy cupy.sum(x*x)", device="gpu", requires=("cupy",),
                runtime="cupy"))
