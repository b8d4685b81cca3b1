"""Matrix multiply ``C = A @ B``.

The loop kernels are plain Python functions written once; the ``python_*`` targets run them as they are and
the ``jit_*`` targets hand the very same functions to Numba. The CUDA kernels are built on first use (never at
import) from the factories at the bottom. Every target accepts any size, float32 or float64 (not mixed),
C- or Fortran-ordered operands and strided views, and returns C in the inputs' dtype.
"""
from __future__ import annotations

import sys
import threading
import warnings
from typing import NamedTuple

import numba
import numpy as np
from numba import types
from numba.core.errors import NumbaIRAssumptionWarning
from numba.extending import overload

from . import _alloc, _checks, _gpu, _host, _jit
from ._simd import prefetch, vadd, vbroadcast, vload, vmuladd, vstore, vzeros
from ._family import Family, Limits
from ._registry import Target, register, register_family

FAMILY = "matmul"
# Memory order of (A, B): C- or Fortran-contiguous each, or both strided views (every other row and column).
LAYOUTS = ("CC", "CF", "FC", "FF", "strided")
# CPU targets stop at n = 2048 (one call of a good kernel takes a second there; 4096 and 8192 are for GPUs);
# under the simulator GPU targets stop at 16.
LIMITS = Limits(cpu=2048, simulator=16)
PYTHON_MAX_SIZE = 64  # pure-Python loops take seconds beyond this
# The naive @jit loops take seconds a call beyond these sizes (i-j-k walks B by columns, so it falls out of
# cache first); they are timed up to here.
SLOW_LOOP_MAX_SIZE = {"jit_ijk": 256, "jit_ikj": 1024, "jit_prange": 1024}
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


def shapes(size):
    """Square operands: A and B are both ``size`` x ``size``."""
    return (size, size), (size, size)


def work(size, dtype, layout=None):
    """Floating-point operations and the minimum bytes moved (read A and B once, write C once) of one square
    product of edge ``size``; the layout changes neither."""
    item = np.dtype(dtype).itemsize
    return {"flops": 2.0 * size ** 3, "bytes": float(item * 3 * size * size)}


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
# docs/performance.md, "blocked matmul"). Every size below follows from the CPU Numba compiles for
# (``_host.host_cpu()``), by the rules of ``blocked_plan``; nothing is tuned to one machine:
# - a KC x NC panel of B is packed into strips NR = NV vectors wide, each strip KC x NR contiguous and sized to
#   half of L1d, so that it stays there while every micro-panel of A streams past it;
# - the row blocks (MC rows, A's MC x KC block sized to an eighth of L2) are shared among threads, in a number that
#   is a multiple of the thread count (Numba's parallel loops split iterations evenly, so unequal counts leave a
#   thread idle); each thread packs its block of A into micro-panels of MR rows. (An eighth, not a half: on a
#   Xeon with a 2 MiB L2, one thread, n = 2048, A blocks of 1/8 to 1/12 of L2 ran at 0.82-0.97x dgemm and
#   blocks of 1/2 at 0.66-0.74x; on Zen 3, 512 KiB L2, 1/4 to 1/2 were level);
# - the micro-kernel keeps an MR x NR tile of C in MR * NV vector registers for the whole k loop: per k, NV
#   vector loads of B, MR broadcasts of A and MR * NV fused multiply-adds. With NV = 2 (BLIS's choice on AVX2
#   and AVX-512 alike), MR is the most rows whose accumulators, B's NV vectors and one broadcast fit in the
#   register file: 6 rows with AVX2's 16 registers, 14 with AVX-512's 32. Numba has no vector type, so the
#   tile is written with ``_simd`` (one register's width per vector); LLVM's own vectoriser would keep the tile
#   in memory (an earlier 4x4 i-k-j version of this kernel: ~0.7x dgemm).
# Packing zero-pads the edges, so the k loop has no remainder; tiles that overhang C's edge go through a small
# buffer. Every memory order and strided view runs the same fast path; the packing is inside the timed call.
NV = 2
NC_MAX = 4096  # the widest B the suite multiplies: A is then packed once per k panel, not once per NC columns


class BlockedPlan(NamedTuple):
    """The block sizes of ``loops_blocked`` for one product on this CPU (elements unless said otherwise)."""

    lanes: int  # elements per vector
    mr: int  # rows of the register tile
    nr: int  # columns of the register tile: NV vectors
    kc: int  # k-steps per panel of B
    nc: int  # columns per panel of B
    mc_rows: int  # rows per row block of A (a multiple of mr)
    row_blocks: int
    a_size: int  # elements of the scratch buffers: packed A, packed B, edge tiles
    b_size: int
    edge_size: int


def register_tile(host=None):
    """(MR, NV) of the micro-kernel for ``host`` (default: the CPU Numba compiles for)."""
    host = host or _host.host_cpu()
    return max(1, (host.vector_registers - NV - 1) // NV), NV


def blocked_plan(m, n, p, itemsize, threads, host=None, tile=None):
    """The plan for an m x n times n x p product of ``itemsize``-byte elements with ``threads`` threads."""
    host = host or _host.host_cpu()
    mr, nv = tile or register_tile(host)
    lanes = host.vector_bytes // itemsize
    nr = nv * lanes
    strip_row = nr * itemsize  # bytes of one k-step of a packed strip of B
    kc = max(16, min(1024, host.l1d // 2 // strip_row // 16 * 16))
    mc = max(mr, host.l2 // 8 // (kc * itemsize) // mr * mr)
    nc = max(nr, min(NC_MAX, host.l3 // 2 // (kc * itemsize) // nr * nr))
    row_blocks = -(-m // mc)
    row_blocks = max(1, min(-(-m // mr), -(-row_blocks // threads) * threads))
    mc_rows = -(-(-(-m // row_blocks)) // mr) * mr
    row_blocks = -(-m // mc_rows)
    kc_max = min(kc, n)
    b_size = kc_max * (-(-min(nc, p) // nr) * nr)
    return BlockedPlan(lanes, mr, nr, kc, nc, mc_rows, row_blocks, row_blocks * mc_rows * kc_max, b_size,
                       row_blocks * mr * nr)


def micro_tile(mr, nv, a_pack, ao, b_pack, bo, kk, lanes, c, co, ldc):
    """The micro-kernel of an ``mr`` x ``nv``-vector tile (both compile-time constants), inside ``@njit`` code
    only: adds to ``c[co + r*ldc + j]`` (r < mr, j < nv*lanes) the sum over k < kk of
    ``a_pack[ao + k*mr + r] * b_pack[bo + k*nr + j]``. Numba resolves each call to the source that
    :func:`micro_tile_source` writes for that tile (the overload below)."""
    raise TypeError("matmul.micro_tile runs inside @njit code only")


def micro_tile_source(mr, nv):
    """Python source of :func:`micro_tile` for one tile.

    It is generated because the accumulators must be separate local variables (SSA values LLVM keeps in
    registers) and their number depends on the CPU. The sums start from zero and C is added once at the end:
    the k loop then does not wait for C's cache lines (read once per KC steps, from rows far apart, so mostly
    not cached); they are prefetched first and arrive while the k loop runs."""
    acc = [[f"c{r}_{v}" for v in range(nv)] for r in range(mr)]
    body = ["def micro_tile(mr, nv, a_pack, ao, b_pack, bo, kk, lanes, c, co, ldc):",
            f"    nr = {nv} * lanes"]
    for r in range(mr):
        body.append(f"    prefetch(c, co + {r} * ldc)")
        body.append(f"    prefetch(c, co + {r} * ldc + nr - 1)")  # the row's end: it may be on the next line
    body.extend(f"    {name} = vzeros(c)" for row in acc for name in row)
    body.append("    for k in range(kk):")
    for v in range(nv):
        body.append(f"        b{v} = vload(b_pack, bo + k * nr + {v} * lanes)")
    for r in range(mr):
        body.append(f"        a = vbroadcast(a_pack, ao + k * {mr} + {r})")
        for v in range(nv):
            body.append(f"        {acc[r][v]} = vmuladd(a, b{v}, {acc[r][v]})")
    for r in range(mr):
        for v in range(nv):
            at = f"co + {r} * ldc + {v} * lanes"
            body.append(f"    vstore(c, {at}, vadd(vload(c, {at}), {acc[r][v]}))")
    return "\n".join(body)


_MICRO_TILES = {}
# Inlining the generated micro-kernel (an overload, inline="always") trips a pedantic check of Numba's SSA pass
# about the inlined accumulators' names ("variable 'micro_tile_v7_c0_0_2.1' is not in scope"); the code is
# right (the tile tests check every shape). Silence that message, for these names only.
warnings.filterwarnings("ignore", message=r"variable 'micro_tile_[\w.]*' is not in scope",
                        category=NumbaIRAssumptionWarning)


@overload(micro_tile, inline="always", prefer_literal=True)
def _micro_tile_overload(mr, nv, a_pack, ao, b_pack, bo, kk, lanes, c, co, ldc):
    if not (isinstance(mr, types.IntegerLiteral) and isinstance(nv, types.IntegerLiteral)):
        return None  # the tile must be known when compiling
    tile = (mr.literal_value, nv.literal_value)
    if tile not in _MICRO_TILES:
        namespace = {"prefetch": prefetch, "vzeros": vzeros, "vload": vload, "vbroadcast": vbroadcast,
                     "vmuladd": vmuladd, "vstore": vstore, "vadd": vadd}
        exec(compile(micro_tile_source(*tile), f"<matmul micro-kernel {tile[0]}x{tile[1]}>", "exec"), namespace)
        _MICRO_TILES[tile] = namespace["micro_tile"]
    return _MICRO_TILES[tile]


def make_loops_blocked(mr, nv):
    """The blocked loops around :func:`micro_tile` for an ``mr`` x ``nv``-vector tile, as a plain function
    (the tile is its closure: two integers, which Numba's on-disk cache can key on):
    ``loops_blocked(A, B, C, lanes, nr, kc, nc, mc_rows, a_pack, b_pack, edges)`` does C += A @ B for a
    C-contiguous C, with the sizes and scratch buffers of a :class:`BlockedPlan`. The caller keeps the
    buffers between calls, as BLAS keeps its packing buffers: allocated afresh in every call, their page
    faults cost as much as a 256 x 256 multiply."""

    def loops_blocked(A, B, C, lanes, nr, kc, nc, mc_rows, a_pack, b_pack, edges):
        m, n = A.shape
        p = B.shape[1]
        kc_max = min(kc, n)
        c_flat = C.reshape(m * p)  # a view: full tiles load and store C directly
        row_blocks = (m + mc_rows - 1) // mc_rows
        for jc in range(0, p, nc):
            ncols = min(nc, p - jc)
            strips = (ncols + nr - 1) // nr
            for kp in range(0, n, kc):
                kk = min(kc, n - kp)
                for s in numba.prange(strips):
                    for k in range(kk):
                        for j in range(nr):
                            col = s * nr + j
                            b_pack[s * kc_max * nr + k * nr + j] = B[kp + k, jc + col] if col < ncols else 0
                for ib in numba.prange(row_blocks):
                    ic = ib * mc_rows
                    mc = min(mc_rows, m - ic)
                    micro_rows = (mc + mr - 1) // mr
                    a0, e0 = ib * mc_rows * kc_max, ib * mr * nr  # this row block's parts of a_pack and edges
                    for ir in range(micro_rows):
                        for k in range(kk):
                            for r in range(mr):
                                row = ir * mr + r
                                a_pack[a0 + ir * mr * kc_max + k * mr + r] = A[ic + row, kp + k] if row < mc else 0
                    for s in range(strips):
                        cols = min(nr, ncols - s * nr)
                        for ir in range(micro_rows):
                            rows = min(mr, mc - ir * mr)
                            i0, j0 = ic + ir * mr, jc + s * nr
                            if rows == mr and cols == nr:
                                micro_tile(mr, nv, a_pack, a0 + ir * mr * kc_max, b_pack, s * kc_max * nr, kk, lanes,
                                           c_flat, i0 * p + j0, p)
                            else:
                                edges[e0:e0 + mr * nr] = 0
                                micro_tile(mr, nv, a_pack, a0 + ir * mr * kc_max, b_pack, s * kc_max * nr, kk, lanes,
                                           edges, e0, nr)
                                for r in range(rows):
                                    for j in range(cols):
                                        C[i0 + r, j0 + j] += edges[e0 + r * nr + j]

    return loops_blocked


# Only FMA contraction is allowed, no re-association (the micro-kernel's k order is fixed; its vmuladd is the
# same contraction, spelled out). Lazy like every njit: nothing compiles until loops_blocked does.
FMA_ONLY = {"contract"}


def _host_loop_target(loop):
    """Wrap a loop kernel: validate, allocate the zeroed result, run. (The blocked kernel packs its operands
    itself, inside the call, so its layout copies are part of what is timed.)"""

    def matmul(A, B):
        dtype = validate(A, B)
        C = _alloc.zeros((A.shape[0], B.shape[1]), dtype)
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


def blocked_kernel(tile=None, name="jit_blocked"):
    """The blocked matmul (``matmul(A, B)``) with a given register tile (MR, NV); default: this CPU's.
    Another tile is for tests, which check the shapes other CPUs get."""
    mr, nv = tile or register_tile()
    # the tile is in the cache tag too (Numba's on-disk cache also hashes the closure's two ints): one index
    # file per tile
    kernel = _jit.njit(make_loops_blocked(mr, nv), f"{name}_{mr}x{nv}", parallel=True,
                       fastmath=FMA_ONLY)
    scratch = threading.local()  # per calling thread: grow-only packing buffers, reused across calls

    def matmul(A, B):
        dtype = validate(A, B)
        C = _alloc.zeros((A.shape[0], B.shape[1]), dtype)
        plan = blocked_plan(A.shape[0], A.shape[1], B.shape[1], C.dtype.itemsize, numba.get_num_threads(),
                            tile=(mr, nv))
        buffers = scratch.__dict__.setdefault("buffers", {})
        for part, size in (("a", plan.a_size), ("b", plan.b_size), ("edge", plan.edge_size)):
            if (part, C.dtype) not in buffers or buffers[part, C.dtype].size < size:
                buffers[part, C.dtype] = _alloc.empty(max(size, 1), C.dtype)
        kernel(A, B, C, plan.lanes, plan.nr, plan.kc, plan.nc, plan.mc_rows,
               buffers["a", C.dtype], buffers["b", C.dtype], buffers["edge", C.dtype])
        return C

    matmul.kernel = kernel
    return matmul


register_family(Family(
    FAMILY, shapes, LAYOUTS, make_inputs, reference, work, LIMITS, order=1, module=sys.modules[__name__],
    # the sizes the GPU kernels are stated at (docs/gpu.md), against cuBLAS
    gpu_cases=(("cuda_tiled", 4096, "float32"), ("cuda_tiled", 4096, "float64"), ("cuda_naive", 4096, "float32")),
    gpu_baseline=("cupy", "cuBLAS"),
    # the sizes the blocked kernel is stated at (docs/performance.md), against NumPy's BLAS
    parallel_cases=tuple(("jit_blocked", n, "float64", "numpy") for n in (128, 1024, 2048)),
))
_T = lambda name, builder, description, **kw: register(Target(FAMILY, name, builder, description, **kw))  # noqa: E731
_T("python_ijk", lambda: _host_loop_target(loops_ijk), "pure-Python loops, i-j-k order", max_size=PYTHON_MAX_SIZE)
_T("python_ikj", lambda: _host_loop_target(loops_ikj), "pure-Python loops, i-k-j order", max_size=PYTHON_MAX_SIZE)
_T("jit_ijk", _jit_target(loops_ijk, "jit_ijk"), "@numba.jit, i-j-k order", jit=True, max_size=SLOW_LOOP_MAX_SIZE["jit_ijk"])
_T("jit_ikj", _jit_target(loops_ikj, "jit_ikj"), "@numba.jit, i-k-j order", jit=True, max_size=SLOW_LOOP_MAX_SIZE["jit_ikj"])
_T("jit_prange", _jit_target(loops_ikj, "jit_prange", parallel=True), "@numba.jit(parallel=True), prange over rows", jit=True,
   max_size=SLOW_LOOP_MAX_SIZE["jit_prange"])
_T("jit_blocked", blocked_kernel, "@numba.jit(parallel=True, fastmath={'contract'}), packed panels, register tile sized to "
   "the CPU's vector registers (explicit SIMD)",
   jit=True, fastmath="contract")
_T("numpy", _numpy_target, "NumPy A @ B (BLAS gemm)")
_T("scipy_gemm", _scipy_target, "SciPy BLAS gemm from get_blas_funcs", requires=("scipy",))
_T("cuda_naive", lambda: _cuda_target(_naive_kernel, CUDA_TILE, CUDA_TILE), "@cuda.jit, one thread per element of C",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cuda_tiled", lambda: _cuda_target(_tiled_kernel, TILE_MN, TILED_THREADS),
   f"@cuda.jit, {TILE_MN}x{TILE_MN} shared-memory tiles, {MICRO}x{MICRO} outputs per thread",
   device="gpu", jit=True, requires=("cuda",), runtime="numba")
_T("cupy", _cupy_target, "cupy.matmul (cuBLAS)", device="gpu", requires=("cupy",), runtime="cupy")
