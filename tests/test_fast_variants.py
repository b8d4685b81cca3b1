"""The fast variants (issue: fast kernels) beyond what test_kernels.py checks for every target:

- the blocked matmul across its block edges (register tiles, k panels and column panels, as this CPU's plan
  sizes them), where the small sizes of test_kernels.py never reach, in every memory order and both dtypes, and
  with the register tiles other CPUs get;
- fastmath only where the error stays within the dtype's tolerance: every target compiled with fastmath flags
  declares them, and is checked at sizes where re-association and contraction have room to drift;
- the polynomial Gauss kernel element by element, including the far tail, infinities and NaN, where a
  norm-wise check would not see an error.
"""
import platform
import re

import numba
import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

import kernels
from kernels import _host as _host_module
from kernels import matmul, verify

DTYPES = [np.float32, np.float64]


# --- the blocked matmul across its block edges ------------------------------------------------------------------

def _operand(rng, rows, cols, dtype, order):
    base = rng.standard_normal((rows, cols)).astype(dtype)
    if order == "F":
        return np.asfortranarray(base)
    if order == "strided":
        wide = np.zeros((rows, 2 * cols), dtype=dtype)
        wide[:, ::2] = base
        return wide[:, ::2]
    return base


def _plan_edges():
    """Shapes just past this CPU's block edges, for float64 (the float32 plan's edges differ only in MC and NC)."""
    plan = matmul.blocked_plan(1024, 1024, 1024, 8, 1)
    return [
        (plan.mr + 1, plan.kc + 1, plan.nr * 3 + 1),  # one past each tile and panel edge
        (2 * plan.mr - 1, 2 * plan.kc + 3, plan.nc + 1),  # ragged k remainder of 3, a second column panel
        (130, 300, 517),  # several panels in every direction, nothing aligned
    ]


SHAPES = _plan_edges()


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_blocked_matmul_across_block_edges(shape, order, dtype, rng):
    m, n, p = shape
    A = _operand(rng, m, n, dtype, order)
    B = _operand(rng, n, p, dtype, "C" if order == "F" else order)
    C = kernels.get("matmul", "jit_blocked")(A, B)
    assert C.shape == (m, p) and C.dtype == dtype
    verify.check(C, A.astype(np.float64) @ B.astype(np.float64), dtype, what=f"jit_blocked {shape} {order}",
                 tol=kernels.family("matmul").tolerance(dtype, A.shape[0]))


# The register tiles other CPUs get (AVX2: 6 x 2 vectors; AVX-512: 14 x 2; SSE and NEON: 2 or 6 x 2), built
# here with this CPU's vector width: every tile shape must give the right answer on every machine.
@pytest.mark.parametrize("tile", [(1, 2), (6, 2), (14, 2), (5, 3)], ids=lambda t: f"{t[0]}x{t[1]}")
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_blocked_matmul_with_other_register_tiles(tile, dtype, rng):
    f = matmul.blocked_kernel(tile, name="jit_blocked_test")
    for shape, order in (((37, 61, 83), "C"), ((2 * tile[0] + 1, 29, 70), "F"), ((64, 64, 64), "strided")):
        m, n, p = shape
        A, B = _operand(rng, m, n, dtype, order), _operand(rng, n, p, dtype, "C")
        verify.check(f(A, B), A.astype(np.float64) @ B.astype(np.float64), dtype, what=f"tile {tile} {shape}",
                     tol=kernels.family("matmul").tolerance(dtype, A.shape[0]))


def _host(**kw):
    base = dict(name="test", vector_bytes=32, vector_registers=16, l1d=32 * 1024, l2=512 * 1024,
                l3=16 * 1024 * 1024, caches_from="defaults")
    base.update(kw)
    return _host_module.HostCpu(**base)


def test_register_tile_fills_the_register_file():
    # accumulators + NV vectors of B + one broadcast must fit: 6 x 2 on AVX2's 16 registers, 14 x 2 on 32
    assert matmul.register_tile(_host(vector_registers=16)) == (6, 2)
    assert matmul.register_tile(_host(vector_registers=32, vector_bytes=64)) == (14, 2)
    assert matmul.register_tile(_host(vector_registers=8)) == (2, 2)


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("m", [5, 130, 1024, 2049])
def test_blocked_plan_follows_the_caches_and_splits_rows_evenly(threads, m):
    zen3 = _host()  # 32 KiB L1d, 512 KiB L2, AVX2
    plan = matmul.blocked_plan(m, 1024, 1024, 8, threads, host=zen3)
    assert (plan.lanes, plan.mr, plan.nr) == (4, 6, 8)
    assert plan.kc * plan.nr * 8 <= zen3.l1d // 2  # a strip of B in half of L1d
    assert plan.mc_rows * plan.kc * 8 <= zen3.l2 // 8 or plan.mc_rows == plan.mr  # A's block in an eighth of L2
    assert plan.mc_rows % plan.mr == 0 and plan.row_blocks * plan.mc_rows >= m > (plan.row_blocks - 1) * plan.mc_rows
    blocks_needed = -(-m // plan.mr)
    if blocks_needed >= threads and plan.row_blocks > 1:
        # as many row blocks per thread as possible, up to the rounding of rows to whole tiles
        assert plan.row_blocks >= min(threads, blocks_needed) - 1
    wide = matmul.blocked_plan(m, 1024, 1024, 8, threads, host=_host(l1d=48 * 1024, l2=2 * 1024 * 1024,
                                                                       vector_bytes=64, vector_registers=32))
    assert (wide.lanes, wide.mr, wide.nr, wide.kc) == (8, 14, 16, 192)


def test_blocked_matmul_is_exact_on_small_integers(rng):
    # integer-valued operands: every product and partial sum is exact in float64, so any indexing slip (a
    # missed or doubled panel, a wrong padding) shows as an exact mismatch rather than a rounding difference
    A = rng.integers(-3, 4, size=(203, 389)).astype(np.float64)
    B = rng.integers(-3, 4, size=(389, 263)).astype(np.float64)
    np.testing.assert_array_equal(kernels.get("matmul", "jit_blocked")(A, B), A @ B)


# --- fastmath: declared, and within tolerance -------------------------------------------------------------------

def _dispatchers(fn):
    return [v for v in vars(fn).values() if isinstance(v, Dispatcher)]


def _flags(option):
    if option is True:
        return "fast"
    if not option:
        return ""
    return ",".join(sorted(option))


def _cpu_jit_targets():
    return [t for t in kernels.targets() if t.device == "cpu" and t.jit]


@pytest.mark.parametrize("target", _cpu_jit_targets(), ids=lambda t: t.key)
def test_fastmath_declaration_matches_the_compiled_kernels(target):
    declared = target.fastmath
    dispatchers = _dispatchers(target.build())
    if not dispatchers:
        pytest.skip("a @vectorize ufunc keeps no compile options to inspect (its accuracy is tested below)")
    compiled = {_flags(d.targetoptions.get("fastmath")) for d in dispatchers}
    compiled.discard("")
    assert compiled <= {declared} and (not declared or compiled == {declared}), (
        f"{target.key} declares fastmath={declared!r} but its kernels are compiled with {sorted(compiled)}")


def test_some_targets_use_fastmath():
    # the test below must have something to check
    assert {t.key for t in kernels.targets() if t.fastmath} >= {"matmul.jit_blocked", "sumsq.jit_parallel"}


def _hard_inputs(family, dtype, rng):
    """Large inputs with a wide spread of magnitudes, where re-associated sums drift most."""
    module = kernels.family(family)
    if module.kind == "matrix":
        A, B = module.make_inputs(600, dtype, "CC", rng)
        scale = np.exp(rng.uniform(-4, 4, size=A.shape[1])).astype(dtype)
        return (A * scale, B)
    args = module.make_inputs(1_000_003, dtype, module.layouts[0], rng)
    spread = np.exp(rng.uniform(-6, 6, size=args[0].shape[0])).astype(dtype)
    return (args[0] * spread,) + tuple(args[1:])


@pytest.mark.parametrize("target", [t for t in kernels.targets() if t.fastmath], ids=lambda t: t.key)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_fastmath_targets_stay_within_tolerance_at_scale(target, dtype, rng):
    module = kernels.family(target.family)
    args = _hard_inputs(target.family, dtype, rng)
    result = target.build()(*args)
    verify.check(result, module.reference(*args), dtype, what=f"{target.key} with fastmath={target.fastmath}",
                 tol=module.tolerance(dtype, args[0].shape[0]))


# --- the polynomial Gauss kernel, element by element ------------------------------------------------------------

POLY_TARGETS = ["poly_parallel", "poly_prange"]


@pytest.mark.parametrize("name", POLY_TARGETS)
@pytest.mark.parametrize("dtype,rtol", [(np.float32, 2e-7), (np.float64, 1e-11)], ids=["f32", "f64"])
def test_gauss_poly_is_accurate_element_by_element(name, dtype, rtol, rng):
    x = np.concatenate([rng.uniform(-30, 30, 200_001), np.linspace(-27.3, 27.3, 10_001)]).astype(dtype)
    got = kernels.get("gauss", name)(x).astype(np.float64)
    want = np.exp(-np.square(x.astype(np.float64)))
    if dtype == np.float32:
        want = want.astype(np.float32).astype(np.float64)  # what a correctly rounded float32 result holds
    # subnormal results (the far tail) hold fewer digits: allow their last two places as well
    np.testing.assert_allclose(got, want, rtol=rtol, atol=2 * np.finfo(dtype).smallest_subnormal)


@pytest.mark.parametrize("name", POLY_TARGETS)
def test_gauss_poly_special_values(name):
    x = np.array([0.0, -0.0, np.inf, -np.inf, 1e200, np.nan])
    with np.errstate(invalid="ignore"):
        got = kernels.get("gauss", name)(x)
    np.testing.assert_array_equal(got[:5], [1.0, 1.0, 0.0, 0.0, 0.0])
    assert np.isnan(got[5])


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="reads x86 assembly")
def test_gauss_poly_loop_is_vectorised():
    # the point of the polynomial: no libm call per element, so LLVM vectorises a loop over it (packed
    # multiplies, "mulpd"); in the math.exp kernel's loop, exp stays a call per element
    def loop_over(scalar):
        scalar_jit = numba.njit(scalar)

        @numba.njit
        def loop(x, out):
            for i in range(x.shape[0]):
                out[i] = scalar_jit(x[i])

        x = np.ones(64)
        loop(x, np.empty_like(x))
        return loop.inspect_asm(loop.signatures[0])

    def calls_exp(asm):
        return "$exp," in asm or "exp@PLT" in asm or "call\texp" in asm or "callq\texp" in asm

    gauss = kernels.family("gauss").module
    poly = loop_over(gauss.scalar_poly)
    assert "mulpd" in poly and not calls_exp(poly), "the polynomial Gauss loop was not vectorised"
    assert calls_exp(loop_over(gauss.scalar)), "exp is no longer a call: the poly variant's reason is gone"


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="reads x86 assembly")
def test_gauss_poly_prange_kernel_is_vectorised():
    # the registered prange kernel itself (its parfor body): packed multiplies on x86 vector registers
    f = kernels.get("gauss", "poly_prange")
    f(np.linspace(-3, 3, 1001))
    asm = "\n".join(f.kernel.inspect_asm().values())
    assert re.search(r"vmulpd\s+[^\n]*%[yz]mm", asm), "the prange polynomial loop was not vectorised"


# --- the explicit SIMD vectors behind the blocked matmul's register tile ----------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_simd_vector_operations(dtype):
    import numba

    from kernels import _simd

    @numba.njit
    def combine(x, y, out, i, j):
        # out[j:j+lanes] = x[i:i+lanes] * y[2] + out[j:j+lanes]; then out[0:lanes] = 0 + x[1] * y[0:lanes]
        _simd.vstore(out, j, _simd.vmuladd(_simd.vload(x, i), _simd.vbroadcast(y, 2), _simd.vload(out, j)))
        _simd.vstore(out, 0, _simd.vmuladd(_simd.vbroadcast(x, 1), _simd.vload(y, 0), _simd.vzeros(out)))

    lanes = _simd.lanes(np.dtype(dtype))
    assert lanes * np.dtype(dtype).itemsize == _simd.vector_bytes()
    x = np.arange(1, 4 * lanes + 1, dtype=dtype)
    y = np.arange(10, 10 + 4 * lanes, dtype=dtype)
    out = np.full(4 * lanes, 3, dtype=dtype)
    expected = out.copy()
    i, j = 3, 2 * lanes + 1  # unaligned offsets
    expected[j:j + lanes] = x[i:i + lanes] * y[2] + expected[j:j + lanes]
    expected[:lanes] = x[1] * y[:lanes]
    combine(x, y, out, i, j)
    np.testing.assert_array_equal(out, expected)  # small integers: exact with or without fusing


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_simd_add_and_prefetch(dtype):
    import numba

    from kernels import _simd

    @numba.njit
    def add_into(x, out, i):
        _simd.prefetch(out, i)  # a hint only: the values must come out the same
        _simd.prefetch(x, x.size - 1)
        _simd.vstore(out, i, _simd.vadd(_simd.vload(out, i), _simd.vload(x, 0)))

    lanes = _simd.lanes(np.dtype(dtype))
    x = np.arange(1, lanes + 1, dtype=dtype)
    out = np.full(3 * lanes, 0.5, dtype=dtype)
    expected = out.copy()
    expected[lanes + 1:2 * lanes + 1] += x
    add_into(x, out, lanes + 1)
    np.testing.assert_array_equal(out, expected)
    assert "prefetch" in add_into.inspect_llvm(add_into.signatures[0])


def test_simd_refuses_arrays_it_cannot_load_contiguously():
    import numba

    from kernels import _simd

    @numba.njit
    def first_vector(x):
        return _simd.vload(x, 0)

    with pytest.raises(numba.core.errors.TypingError):
        first_vector(np.ones(16)[::2])  # strided: not C-contiguous
    with pytest.raises(numba.core.errors.TypingError):
        first_vector(np.ones(16, dtype=np.int64))


def test_blocked_matmul_reuses_its_packing_buffers_across_sizes_and_dtypes(rng):
    f = kernels.get("matmul", "jit_blocked")
    # large then small then large again, alternating dtypes: a reused, larger-than-needed buffer must not leak
    # stale values into a smaller product
    for n, dtype in [(300, np.float64), (17, np.float64), (130, np.float32), (300, np.float32), (5, np.float64),
                     (263, np.float64)]:
        A, B = rng.random((n, n + 3)).astype(dtype), rng.random((n + 3, n + 1)).astype(dtype)
        verify.check(f(A, B), A.astype(np.float64) @ B.astype(np.float64), dtype, what=f"jit_blocked n={n}")
