"""Matrix multiply ``C = A @ B``.

The loop kernels are plain Python functions written once; the ``python_*`` targets run them as they are and
the ``jit_*`` targets hand the very same functions to Numba. The CUDA kernels are built on first use (never at
import) from the factories at the bottom. Every target accepts any size, float32 or float64 (not mixed),
C- or Fortran-ordered operands and strided views, and returns C in the inputs' dtype.
"""
from __future__ import annotations

import sys

import numba
import numpy as np

from . import _checks, _gpu, _jit
from ._registry import Target, register, register_family

FAMILY = "matmul"
# Memory order of (A, B): C- or Fortran-contiguous each, or both strided views (every other row and column).
LAYOUTS = ("CC", "CF", "FC", "FF", "strided")
PYTHON_MAX_SIZE = 64  # pure-Python loops take seconds beyond this
CUDA_TILE = 16  # threads per block edge of the naive kernel: 16 x 16 = 256 threads


def validate(A, B):
    """Check operands; return the common dtype."""
    _checks.check_array(A, "A", ndim=2)
    _checks.check_array(B, "B", ndim=2)
    dtype = _checks.check_same_dtype(A=A, B=B)
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"shapes do not conform: A is {tuple(A.shape)} and B is {tuple(B.shape)}; "
            f"A's columns ({A.shape[1]}) must equal B's rows ({B.shape[0]})"
        )
    return dtype


def reference(A, B):
    """float64 NumPy result, the truth every target is checked against."""
    return np.asarray(A, dtype=np.float64) @ np.asarray(B, dtype=np.float64)


def work(A, B):
    """Floating-point operations and the minimum bytes moved (read A and B once, write C once)."""
    m, n = A.shape
    p = B.shape[1]
    item = np.dtype(A.dtype).itemsize
    return {"flops": 2.0 * m * n * p, "bytes": float(item * (m * n + n * p + m * p))}


def make_inputs(size, dtype, layout, rng):
    """Square operands of edge ``size`` in the given layout, values uniform in [-1, 1)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown matmul layout {layout!r}; known: {', '.join(LAYOUTS)}")
    if layout == "strided":
        big = [rng.uniform(-1, 1, (2 * size, 2 * size)).astype(dtype) for _ in range(2)]
        return big[0][::2, ::2], big[1][::2, ::2]
    A = np.asarray(rng.uniform(-1, 1, (size, size)), dtype=dtype, order=layout[0])
    B = np.asarray(rng.uniform(-1, 1, (size, size)), dtype=dtype, order=layout[1])
    return A, B


# --- the loop kernels, written once -------------------------------------------------------------------------

def loops_ijk(A, B, C):
    """The textbook order: the inner k loop walks a row of A and a column of B."""
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            for k in range(n):
                C[i, j] += A[i, k] * B[k, j]


def loops_ikj(A, B, C):
    """Loops swapped so the inner j loop walks rows of B and C contiguously (for C-ordered B and C).

    The outer loop is a ``prange``: plain Python and serial ``@jit`` run it as ``range``; ``parallel=True``
    shares the rows of C among threads (rows are independent, so no reduction is needed).
    """
    m, n = A.shape
    p = B.shape[1]
    for i in numba.prange(m):
        for k in range(n):
            a = A[i, k]
            for j in range(p):
                C[i, j] += a * B[k, j]


# Cache-blocked i-k-j with a 4 x 4 update (measured: docs/performance.md, "blocked matmul"):
# - a KC x NC panel of B (128 x 256 float64 = 256 KiB) is packed once per (jc, kc) step into a contiguous buffer
#   and stays in L2 while every block of MR = 4 rows of A streams over it;
# - each thread packs its 4 x KC block of A (4 KiB) and accumulates into a private 4 x NC tile of C (8 KiB, in
#   L1), added into C once per panel;
# - the inner loop reads four rows of the panel and updates four rows of the tile: 16 multiply-adds per element
#   for 4 loads and 4 stores of the tile, which LLVM's loop vectoriser turns into 256-bit FMAs.  The tile's rows
#   sit at constant offsets (r * NC) of one 1-D buffer, so LLVM can prove they do not overlap; separate row
#   arrays would need more run-time alias checks than it is willing to insert, and it would not vectorise.
# - Padding k to a multiple of 4 with zeros (in both packed buffers) removes the remainder loop.
# Packing also makes every memory order and strided view run the same fast path; its cost is inside the call.
# (A register-tiled BLAS-style micro-kernel, 4 x 8 scalar accumulators, was tried first: LLVM spilled it and it
# reached a third of this rate.)
MR, KU, KC, NC = 4, 4, 128, 256


def loops_blocked(A, B, C, threads):
    """Packed, cache-blocked matmul; the blocks of rows are shared among ``threads`` chunks. (The caller passes
    numba.get_num_threads(): called in here, it would make the function uncacheable.)"""
    m, n = A.shape
    p = B.shape[1]
    row_blocks = (m + MR - 1) // MR
    chunks = max(1, min(threads, row_blocks))
    panel = np.zeros((KC, NC), dtype=C.dtype)
    for jc in range(0, p, NC):
        nc = min(NC, p - jc)
        for kc in range(0, n, KC):
            kk = min(KC, n - kc)
            kpad = (kk + KU - 1) // KU * KU
            for k in numba.prange(kpad):
                for j in range(nc):
                    panel[k, j] = B[kc + k, jc + j] if k < kk else 0
            for chunk in numba.prange(chunks):
                ablock = np.zeros(KC * MR, dtype=C.dtype)
                ctile = np.empty(MR * NC, dtype=C.dtype)
                for rb in range(chunk * row_blocks // chunks, (chunk + 1) * row_blocks // chunks):
                    i0 = rb * MR
                    rows = min(MR, m - i0)
                    for k in range(kpad):
                        for r in range(MR):
                            ablock[k * MR + r] = A[i0 + r, kc + k] if r < rows and k < kk else 0
                    ctile[:] = 0
                    _update_tile(ablock, panel, ctile, kpad, nc)
                    for r in range(rows):
                        for j in range(nc):
                            C[i0 + r, jc + j] += ctile[r * NC + j]


# Only FMA contraction is allowed, no re-association: the k order within each group of four is fixed, so the
# result does not depend on the vector width.  Lazy like every njit: nothing compiles until loops_blocked does.
FMA_ONLY = {"contract"}


@numba.njit(fastmath=FMA_ONLY, inline="always")
def _update_tile(ablock, panel, ctile, kpad, nc):
    """ctile[r * NC + j] += sum over k < kpad of ablock[k * MR + r] * panel[k, j], for r < 4 and j < nc."""
    for k in range(0, kpad, KU):
        o = k * MR
        a00, a10, a20, a30 = ablock[o], ablock[o + 1], ablock[o + 2], ablock[o + 3]
        a01, a11, a21, a31 = ablock[o + 4], ablock[o + 5], ablock[o + 6], ablock[o + 7]
        a02, a12, a22, a32 = ablock[o + 8], ablock[o + 9], ablock[o + 10], ablock[o + 11]
        a03, a13, a23, a33 = ablock[o + 12], ablock[o + 13], ablock[o + 14], ablock[o + 15]
        b0row, b1row, b2row, b3row = panel[k], panel[k + 1], panel[k + 2], panel[k + 3]
        for j in range(nc):
            b0, b1, b2, b3 = b0row[j], b1row[j], b2row[j], b3row[j]
            # pairwise sums: two short dependency chains per row instead of one of four FMAs
            ctile[j] += (a00 * b0 + a01 * b1) + (a02 * b2 + a03 * b3)
            ctile[NC + j] += (a10 * b0 + a11 * b1) + (a12 * b2 + a13 * b3)
            ctile[2 * NC + j] += (a20 * b0 + a21 * b1) + (a22 * b2 + a23 * b3)
            ctile[3 * NC + j] += (a30 * b0 + a31 * b1) + (a32 * b2 + a33 * b3)


def _host_loop_target(loop):
    """Wrap a loop kernel: validate, allocate the zeroed result, run. (The blocked kernel packs its operands
    itself, inside the call, so its layout copies are part of what is timed.)"""

    def matmul(A, B):
        dtype = validate(A, B)
        C = np.zeros((A.shape[0], B.shape[1]), dtype=dtype)
        loop(A, B, C)
        return C

    matmul.kernel = loop
    return matmul


def _numpy_target():
    def matmul(A, B):
        validate(A, B)
        return A @ B

    return matmul


def _scipy_target():
    from scipy.linalg import get_blas_funcs

    def matmul(A, B):
        validate(A, B)
        gemm = get_blas_funcs("gemm", (A, B))
        return gemm(1.0, A, B)

    return matmul


# --- CUDA ---------------------------------------------------------------------------------------------------

cuda = None  # numba.cuda, bound by _cuda_target on first use (see _gpu.numba_cuda)


def _naive_kernel(nbtype):
    zero = np.dtype(str(nbtype)).type(0)  # a typed constant, so float32 runs accumulate in float32

    @cuda.jit
    def naive(A, B, C):
        # one thread per element of C; x runs along C's columns so neighbouring threads read neighbouring B
        j, i = cuda.grid(2)
        if i < C.shape[0] and j < C.shape[1]:
            acc = zero
            for k in range(A.shape[1]):
                acc += A[i, k] * B[k, j]
            C[i, j] = acc

    return naive


# Tiled kernel geometry: a block of 16 x 16 threads computes a 64 x 64 tile of C, each thread a 4 x 4 register
# micro-tile; tiles of A (64 x 16) and B (16 x 64) are staged through shared memory, so every element loaded
# from global memory is used 64 times from shared memory and every shared load feeds 4 FMAs.
TILE_MN, TILE_K, MICRO = 64, 16, 4
TILED_THREADS = TILE_MN // MICRO  # 16 threads per block edge


def _tiled_kernel(nbtype):
    zero = np.dtype(str(nbtype)).type(0)
    bmn, bk, micro, edge = TILE_MN, TILE_K, MICRO, TILED_THREADS
    threads = edge * edge
    loads = bmn * bk // threads  # elements of each shared tile every thread loads per k step

    @cuda.jit
    def tiled(A, B, C):
        sA = cuda.shared.array((bk, bmn), dtype=nbtype)  # A's tile stored transposed: sA[k, i]
        sB = cuda.shared.array((bk, bmn), dtype=nbtype)
        acc = cuda.local.array((micro, micro), dtype=nbtype)
        a = cuda.local.array(micro, dtype=nbtype)
        b = cuda.local.array(micro, dtype=nbtype)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        tid = ty * edge + tx
        row0 = cuda.blockIdx.y * bmn
        col0 = cuda.blockIdx.x * bmn
        m, n = A.shape
        p = B.shape[1]
        for r in range(micro):
            for c in range(micro):
                acc[r, c] = zero
        for k0 in range(0, n, bk):
            for step in range(loads):
                e = tid + step * threads
                i, k = e // bk, e % bk  # neighbouring threads read neighbouring k: along a row of C-ordered A
                gi, gk = row0 + i, k0 + k
                sA[k, i] = A[gi, gk] if (gi < m and gk < n) else zero
                k, j = e // bmn, e % bmn  # neighbouring threads read neighbouring columns of B
                gk, gj = k0 + k, col0 + j
                sB[k, j] = B[gk, gj] if (gk < n and gj < p) else zero
            cuda.syncthreads()
            for k in range(bk):
                for r in range(micro):
                    a[r] = sA[k, ty + r * edge]
                for c in range(micro):
                    b[c] = sB[k, tx + c * edge]  # a warp reads consecutive words: no bank conflicts
                for r in range(micro):
                    for c in range(micro):
                        acc[r, c] += a[r] * b[c]
            cuda.syncthreads()
        for r in range(micro):
            i = row0 + ty + r * edge
            for c in range(micro):
                j = col0 + tx + c * edge
                if i < m and j < p:
                    C[i, j] = acc[r, c]

    return tiled


def _cuda_target(factory, tile, threads):
    """A matmul over a per-dtype CUDA kernel made by ``factory``; kernels are made on first use of each dtype.
    Each block of ``threads`` x ``threads`` computes a ``tile`` x ``tile`` block of C."""
    global cuda
    cuda = _gpu.numba_cuda()
    kernels = {}

    def matmul(A, B, stream=0):
        dtype = validate(A, B)
        if dtype not in kernels:
            kernels[dtype] = factory(numba.from_dtype(dtype))
        host = not (_gpu.is_device_array(A) and _gpu.is_device_array(B))
        dA = _gpu.numba_to_device(A, stream)
        dB = _gpu.numba_to_device(B, stream)
        m, p = A.shape[0], B.shape[1]
        dC = cuda.device_array((m, p), dtype=dtype, stream=stream)  # every element is written by the kernel
        blocks = (_gpu.grid_1d(p, tile), _gpu.grid_1d(m, tile))
        kernels[dtype][blocks, (threads, threads), stream](dA, dB, dC)
        return dC.copy_to_host(stream=stream) if host else dC

    return matmul


def _cupy_target():
    def matmul(A, B, stream=None):
        import cupy

        validate(A, B)
        host = not (_gpu.is_device_array(A) and _gpu.is_device_array(B))
        with (stream if stream is not None else cupy.cuda.get_current_stream()):
            C = cupy.matmul(cupy.asarray(A), cupy.asarray(B))
            return cupy.asnumpy(C) if host else C

    return matmul


def _jit_target(loop, name, **options):
    return lambda: _host_loop_target(_jit.njit(loop, name, **options))


def _blocked_target():
    kernel = _jit.njit(loops_blocked, "jit_blocked", parallel=True, fastmath=FMA_ONLY)

    def matmul(A, B):
        dtype = validate(A, B)
        C = np.zeros((A.shape[0], B.shape[1]), dtype=dtype)
        kernel(A, B, C, numba.get_num_threads())
        return C

    matmul.kernel = kernel
    return matmul


register_family(FAMILY, sys.modules[__name__])
_T = lambda name, builder, description, **kw: register(Target(FAMILY, name, builder, description, **kw))  # noqa: E731
_T("python_ijk", lambda: _host_loop_target(loops_ijk), "pure-Python loops, i-j-k order", max_size=PYTHON_MAX_SIZE)
_T("python_ikj", lambda: _host_loop_target(loops_ikj), "pure-Python loops, i-k-j order", max_size=PYTHON_MAX_SIZE)
_T("jit_ijk", _jit_target(loops_ijk, "jit_ijk"), "@numba.jit, i-j-k order", jit=True)
_T("jit_ikj", _jit_target(loops_ikj, "jit_ikj"), "@numba.jit, i-k-j order", jit=True)
_T("jit_prange", _jit_target(loops_ikj, "jit_prange", parallel=True), "@numba.jit(parallel=True), prange over rows", jit=True)
_T("jit_blocked", _blocked_target, "@numba.jit(parallel=True, fastmath={'contract'}), packed L2 panels, 4x4 vectorised updates",
   jit=True, fastmath="contract")
_T("numpy", _numpy_target, "NumPy A @ B (BLAS gemm)")
_T("scipy_gemm", _scipy_target, "SciPy BLAS gemm from get_blas_funcs", requires=("scipy",))
_T("cuda_naive", lambda: _cuda_target(_naive_kernel, CUDA_TILE, CUDA_TILE), "@cuda.jit, one thread per element of C",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cuda_tiled", lambda: _cuda_target(_tiled_kernel, TILE_MN, TILED_THREADS),
   f"@cuda.jit, {TILE_MN}x{TILE_MN} shared-memory tiles, {MICRO}x{MICRO} outputs per thread",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cupy", _cupy_target, "cupy.matmul (cuBLAS)", device="gpu", requires=("cupy",), runtime="cupy")
