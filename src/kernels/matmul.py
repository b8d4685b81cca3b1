"""Matrix multiply ``C = A @ B``.

The loop kernels are plain Python functions written once; the ``python_*`` targets run them as they are and
the ``jit_*`` targets hand the very same functions to Numba. The CUDA kernels are built on first use (never at
import) from the factories at the bottom. Every target accepts any size, float32 or float64 (not mixed),
C- or Fortran-ordered operands and strided views, and returns C in the inputs' dtype.
"""
from __future__ import annotations

import sys
import threading

import numba
import numpy as np

from . import _checks, _gpu, _jit, _simd
from ._simd import prefetch, vadd, vbroadcast, vload, vmuladd, vstore, vzeros
from ._registry import Target, register, register_family

FAMILY = "matmul"
# Memory order of (A, B): C- or Fortran-contiguous each, or both strided views (every other row and column).
LAYOUTS = ("CC", "CF", "FC", "FF", "strided")
PYTHON_MAX_SIZE = 64  # pure-Python loops take seconds beyond this
CUDA_TILE = 16  # threads per block edge of the naive kernel: 16 x 16 = 256 threads


def validate(A, B, device=False):
    """Check operands; return the common dtype. ``device=True``: GPU targets, which take device arrays too."""
    _checks.check_array(A, "A", ndim=2, device=device)
    _checks.check_array(B, "B", ndim=2, device=device)
    dtype = _checks.check_same_dtype(A=A, B=B)
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"shapes do not conform: A is {tuple(A.shape)} and B is {tuple(B.shape)}; "
            f"A's columns ({A.shape[1]}) must equal B's rows ({B.shape[0]})"
        )
    if A.shape[0] * B.shape[1] > _checks.MAX_ELEMENTS:
        _checks.check_size(A.shape[0] * B.shape[1], f"the result C ({A.shape[0]} x {B.shape[1]})")
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


# Packed, cache-blocked matmul with a register-tiled micro-kernel (BLAS's structure; measured in
# docs/performance.md, "blocked matmul"):
# - a KC x NC panel of B (up to 8 MiB in float64: it lives in L3) is packed into strips of NR = 2 vectors' width
#   (8 float64 / 16 float32 columns), each strip KC x NR contiguous (16 KiB in float64: it stays in L1 while
#   every row block streams past it). NC is wide so that each block of A is packed once per panel of k, not
#   once per NC columns of C as well (with NC = 512, A's packing was repeated 4 times at n = 2048);
# - the row blocks (MC = 128 rows, fewer when m is small, so that every thread has one) are shared among
#   threads; each thread packs its MC x KC block of A (256 KiB in float64, in L2) into micro-panels of MR = 4 rows;
# - the micro-kernel keeps a 4 x NR tile of C in 8 vector registers for the whole k loop: per k, 2 vector loads
#   of B, 4 broadcasts of A and 8 fused multiply-adds, and C is read (prefetched) and written once per KC steps. Numba has no
#   vector type, so the tile is written with ``_simd`` (an explicit <4 x double> / <8 x float> type): LLVM's
#   own vectoriser would keep the tile in memory (an earlier 4x4 i-k-j version of this kernel: ~0.7x dgemm).
# Packing zero-pads the edges, so the k loop has no remainder; tiles that overhang C's edge go through a small
# buffer. Every memory order and strided view runs the same fast path; the packing is inside the timed call.
MR, KC, NC, MC = 4, 256, 4096, 128


def blocked_plan(m, n, p, lanes, threads):
    """Block sizes and scratch sizes of ``loops_blocked`` for an m x n times n x p product: (rows per row block,
    k-steps per panel, elements of the A, B and edge buffers). Row blocks shrink below MC when there would
    otherwise be fewer than ``threads`` of them (small m)."""
    nr = 2 * lanes
    mc_rows = max(MR, min(MC, ((m + threads - 1) // threads + MR - 1) // MR * MR))
    kc_max = min(KC, n)
    row_blocks = (m + mc_rows - 1) // mc_rows
    b_size = kc_max * ((min(NC, p) + nr - 1) // nr * nr)
    return mc_rows, kc_max, row_blocks * mc_rows * kc_max, b_size, row_blocks * MR * nr


def loops_blocked(A, B, C, lanes, mc_rows, kc_max, a_pack, b_pack, edges):
    """C += A @ B for a C-contiguous C, with the block sizes and scratch buffers of ``blocked_plan`` (``lanes``:
    the vector width of C's dtype, ``_simd.lanes``). The caller keeps the buffers between calls, as BLAS keeps
    its packing buffers: allocated afresh in every call, their page faults cost as much as a 256 x 256 multiply."""
    m, n = A.shape
    p = B.shape[1]
    nr = 2 * lanes
    c_flat = C.reshape(m * p)  # a view: full tiles load and store C directly
    row_blocks = (m + mc_rows - 1) // mc_rows
    for jc in range(0, p, NC):
        nc = min(NC, p - jc)
        strips = (nc + nr - 1) // nr
        for kc in range(0, n, KC):
            kk = min(KC, n - kc)
            for s in numba.prange(strips):
                for k in range(kk):
                    for j in range(nr):
                        col = s * nr + j
                        b_pack[s * kc_max * nr + k * nr + j] = B[kc + k, jc + col] if col < nc else 0
            for ib in numba.prange(row_blocks):
                ic = ib * mc_rows
                mc = min(mc_rows, m - ic)
                micro_rows = (mc + MR - 1) // MR
                a0, e0 = ib * mc_rows * kc_max, ib * MR * nr  # this row block's parts of a_pack and edges
                for ir in range(micro_rows):
                    for k in range(kk):
                        for r in range(MR):
                            row = ir * MR + r
                            a_pack[a0 + ir * MR * kc_max + k * MR + r] = A[ic + row, kc + k] if row < mc else 0
                for s in range(strips):
                    cols = min(nr, nc - s * nr)
                    for ir in range(micro_rows):
                        rows = min(MR, mc - ir * MR)
                        i0, j0 = ic + ir * MR, jc + s * nr
                        if rows == MR and cols == nr:
                            _micro_tile(a_pack, a0 + ir * MR * kc_max, b_pack, s * kc_max * nr, kk, lanes, c_flat, i0 * p + j0, p)
                        else:
                            edges[e0:e0 + MR * nr] = 0
                            _micro_tile(a_pack, a0 + ir * MR * kc_max, b_pack, s * kc_max * nr, kk, lanes, edges, e0, nr)
                            for r in range(rows):
                                for j in range(cols):
                                    C[i0 + r, j0 + j] += edges[e0 + r * nr + j]


@numba.njit(inline="always")
def _micro_tile(a_pack, ao, b_pack, bo, kk, lanes, c, co, ldc):
    """c[co + r*ldc + j] += sum over k < kk of a_pack[ao + k*MR + r] * b_pack[bo + k*nr + j], for a 4 x nr
    tile (nr = 2 * lanes), accumulated in 8 vector registers.

    The sums start from zero and C is added once at the end: the k loop then does not wait for C's cache lines
    (C is read once per KC steps, across rows far apart, so its lines are mostly not cached). They are
    prefetched first, and arrive while the k loop runs."""
    nr = 2 * lanes
    for r in range(MR):
        prefetch(c, co + r * ldc)
        prefetch(c, co + r * ldc + nr - 1)  # the row's last element: its 2 vectors may span 2 cache lines
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = vzeros(c)
    for k in range(kk):
        b0, b1 = vload(b_pack, bo + k * nr), vload(b_pack, bo + k * nr + lanes)
        a = vbroadcast(a_pack, ao + k * MR)
        c00, c01 = vmuladd(a, b0, c00), vmuladd(a, b1, c01)
        a = vbroadcast(a_pack, ao + k * MR + 1)
        c10, c11 = vmuladd(a, b0, c10), vmuladd(a, b1, c11)
        a = vbroadcast(a_pack, ao + k * MR + 2)
        c20, c21 = vmuladd(a, b0, c20), vmuladd(a, b1, c21)
        a = vbroadcast(a_pack, ao + k * MR + 3)
        c30, c31 = vmuladd(a, b0, c30), vmuladd(a, b1, c31)
    _add_row(c, co, lanes, c00, c01)
    _add_row(c, co + ldc, lanes, c10, c11)
    _add_row(c, co + 2 * ldc, lanes, c20, c21)
    _add_row(c, co + 3 * ldc, lanes, c30, c31)


@numba.njit(inline="always")
def _add_row(c, i, lanes, left, right):
    """c[i:i + 2*lanes] += (left, right)."""
    vstore(c, i, vadd(vload(c, i), left))
    vstore(c, i + lanes, vadd(vload(c, i + lanes), right))


# Only FMA contraction is allowed, no re-association (the micro-kernel's k order is fixed; its vmuladd is the
# same contraction, spelled out). Lazy like every njit: nothing compiles until loops_blocked does.
FMA_ONLY = {"contract"}


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
        dtype = validate(A, B, device=True)
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

        validate(A, B, device=True)
        host = not (_gpu.is_device_array(A) and _gpu.is_device_array(B))
        with (stream if stream is not None else cupy.cuda.get_current_stream()):
            C = cupy.matmul(cupy.asarray(A), cupy.asarray(B))
            return cupy.asnumpy(C) if host else C

    return matmul


def _jit_target(loop, name, **options):
    return lambda: _host_loop_target(_jit.njit(loop, name, **options))


def _blocked_target():
    kernel = _jit.njit(loops_blocked, "jit_blocked", parallel=True, fastmath=FMA_ONLY)

    scratch = threading.local()  # per calling thread: grow-only packing buffers, reused across calls

    def matmul(A, B):
        dtype = validate(A, B)
        C = np.zeros((A.shape[0], B.shape[1]), dtype=dtype)
        lanes = _simd.lanes(C.dtype)
        mc_rows, kc_max, a_size, b_size, edge_size = blocked_plan(A.shape[0], A.shape[1], B.shape[1], lanes,
                                                                  numba.get_num_threads())
        buffers = scratch.__dict__.setdefault("buffers", {})
        for name, size in (("a", a_size), ("b", b_size), ("edge", edge_size)):
            if (name, C.dtype) not in buffers or buffers[name, C.dtype].size < size:
                buffers[name, C.dtype] = np.empty(max(size, 1), dtype=C.dtype)
        kernel(A, B, C, lanes, mc_rows, kc_max, buffers["a", C.dtype], buffers["b", C.dtype], buffers["edge", C.dtype])
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
_T("jit_blocked", _blocked_target, "@numba.jit(parallel=True, fastmath={'contract'}), packed panels, 4 x 2-vector register tile (explicit SIMD)",
   jit=True, fastmath="contract")
_T("numpy", _numpy_target, "NumPy A @ B (BLAS gemm)")
_T("scipy_gemm", _scipy_target, "SciPy BLAS gemm from get_blas_funcs", requires=("scipy",))
_T("cuda_naive", lambda: _cuda_target(_naive_kernel, CUDA_TILE, CUDA_TILE), "@cuda.jit, one thread per element of C",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cuda_tiled", lambda: _cuda_target(_tiled_kernel, TILE_MN, TILED_THREADS),
   f"@cuda.jit, {TILE_MN}x{TILE_MN} shared-memory tiles, {MICRO}x{MICRO} outputs per thread",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cupy", _cupy_target, "cupy.matmul (cuBLAS)", device="gpu", requires=("cupy",), runtime="cupy")
