"""Every CPU target of every family against the float64 NumPy reference, on fresh random data, every layout,
odd and tile-unaligned sizes, float32 and float64. GPU targets are covered in test_cuda_simulator.py."""
import numpy as np
import pytest

import kernels
from kernels import verify

DTYPES = [np.float32, np.float64]
MATRIX_SIZES = [1, 3, 17, 100]
VECTOR_SIZES = [1, 7, 1001, 100_003]


def _cases():
    for family in kernels.families():
        record = kernels.family(family)
        sizes = MATRIX_SIZES if record.kind == "matrix" else VECTOR_SIZES
        for target in kernels.targets(family):
            if target.device != "cpu":
                continue
            for layout in record.layouts:
                yield pytest.param(family, target.name, layout, sizes, id=f"{target.key}-{layout}")


@pytest.mark.parametrize("family,target,layout,sizes", list(_cases()))
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_cpu_target_matches_reference(family, target, layout, sizes, dtype, rng):
    record = kernels.family(family)
    t = kernels.get_target(family, target)
    fn = t.build()
    for size in sizes:
        if t.max_size and size > t.max_size:
            continue
        if family == "normalise" or family == "pipeline":
            if size == 1:
                continue  # a single element has zero variance; that error is tested in test_bad_inputs
        args = record.make_inputs(size, dtype, layout, rng)
        result = fn(*args)
        verify.check(result, record.reference(*args), dtype, what=f"{t.key} {layout} n={size}",
                     tol=record.tolerance(dtype, size))
        if isinstance(result, np.ndarray):
            assert result.dtype == dtype, f"{t.key} returned {result.dtype} for {np.dtype(dtype)} input"


def test_matmul_rectangular_shapes(rng):
    A = rng.random((5, 3))
    B = rng.random((3, 7))
    for t in kernels.targets("matmul"):
        if t.device == "cpu":
            C = t.build()(A, B)
            assert C.shape == (5, 7), t.key
            verify.check(C, A @ B, np.float64, what=t.key)


def test_matmul_mixed_orders_rectangular(rng):
    A = np.asfortranarray(rng.random((33, 20)))
    B = rng.random((40, 31))[::2, ::1]  # a row-strided view: 20 x 31
    for t in kernels.targets("matmul"):
        if t.device == "cpu" and (t.max_size or 256) >= 256:  # not the pure-Python loops
            verify.check(t.build()(A, B), A @ B, np.float64, what=t.key)


def test_inputs_are_not_modified(rng):
    for family in kernels.families():
        record = kernels.family(family)
        for t in kernels.targets(family):
            if t.device != "cpu":
                continue
            args = record.make_inputs(9, np.float64, record.layouts[0], rng)
            before = [a.copy() for a in args]
            t.build()(*args)
            for a, b in zip(args, before):
                np.testing.assert_array_equal(a, b, err_msg=f"{t.key} modified its input")


def test_sumsq_of_empty_vector_is_zero():
    for t in kernels.targets("sumsq"):
        if t.device == "cpu":
            assert t.build()(np.zeros(0)) == 0.0, t.key


def test_pipeline_of_normalised_vector_is_its_length(rng):
    x = rng.random(1000)
    assert kernels.get("pipeline", "numpy")(x) == pytest.approx(1000.0, rel=1e-10)


def test_fastmath_order_changes_the_answer_on_cancelling_data():
    errors = kernels.family("fastmath").module.measure_difference(size=1000)
    # strict order: (a + b) cancels exactly, then + c is exact to rounding
    assert errors["strict"] < 1e-15
    assert errors["numpy"] < 1e-15
    # the re-associated order loses c inside the rounding of b + c: an error of order ulp(1e9) / 0.1
    assert errors["reassociated"] > 1e-8
    # fastmath is allowed either answer; it must be one of the two orders' results
    assert errors["fastmath"] < 1e-15 or errors["fastmath"] > 1e-8


def test_tolerance_widens_only_for_long_float32_reductions():
    assert verify.tolerance(np.float32) == verify.tolerance(np.float32, 1000) == 1e-4
    assert verify.tolerance(np.float32, 10**8) > 1e-3  # float32 BLAS sdot over 10^8 terms drifts about 2e-3
    assert verify.tolerance(np.float64, 10**8) == 1e-10
    assert kernels.family("sumsq").tolerance(np.float32, 10**6) > 1e-4
    assert kernels.family("gauss").tolerance(np.float32, 10**6) == 1e-4


def test_fresh_build_gives_a_new_dispatcher():
    t = kernels.get_target("sumsq", "jit")
    a, b = t.build(fresh=True), t.build(fresh=True)
    assert a is not b
    assert t.build() is t.build()  # the cached one is shared
