"""Bad input gets a clear TypeError or ValueError that names the problem, before any compilation."""
import numpy as np
import pytest

import kernels


def cpu_targets(family):
    return [t for t in kernels.targets(family) if t.device == "cpu"]


def _all_cpu_targets():
    return [pytest.param(t, id=t.key) for f in kernels.families() for t in cpu_targets(f)]


MATMUL = [pytest.param(t, id=t.key) for t in cpu_targets("matmul")]
VECTOR = [pytest.param(t, id=t.key) for f in kernels.families() if f != "matmul" for t in cpu_targets(f)]


def _nargs(t):
    return len(kernels.family_module(t.family).make_inputs(3, np.float64, "contiguous" if t.family != "matmul" else "CC", np.random.default_rng(0)))


@pytest.mark.parametrize("target", MATMUL)
def test_matmul_nonconforming_shapes(target):
    with pytest.raises(ValueError, match=r"do not conform.*\(3, 4\).*\(5, 2\)"):
        target.build()(np.ones((3, 4)), np.ones((5, 2)))


@pytest.mark.parametrize("target", MATMUL)
def test_matmul_wrong_dimensions(target):
    with pytest.raises(ValueError, match=r"A must be 2-dimensional, got 1"):
        target.build()(np.ones(4), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"B must be 2-dimensional, got 3"):
        target.build()(np.ones((2, 4)), np.ones((4, 2, 1)))


@pytest.mark.parametrize("target", MATMUL)
def test_matmul_mixed_dtypes(target):
    with pytest.raises(TypeError, match=r"mixed dtypes: A is float32, B is float64"):
        target.build()(np.ones((2, 2), np.float32), np.ones((2, 2), np.float64))


@pytest.mark.parametrize("target", MATMUL)
def test_matmul_empty(target):
    with pytest.raises(ValueError, match=r"A is empty"):
        target.build()(np.ones((0, 3)), np.ones((3, 2)))


@pytest.mark.parametrize("target", _all_cpu_targets())
@pytest.mark.parametrize("dtype", [np.int64, np.complex128, np.float16, bool])
def test_non_floating_dtype(target, dtype):
    module = kernels.family_module(target.family)
    args = [a.astype(dtype) for a in module.make_inputs(3, np.float64, module.LAYOUTS[0], np.random.default_rng(0))]
    with pytest.raises(TypeError, match=r"must have dtype float32 or float64, got " + np.dtype(dtype).name):
        target.build()(*args)


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_not_an_array(target):
    module = kernels.family_module(target.family)
    args = list(module.make_inputs(3, np.float64, module.LAYOUTS[0], np.random.default_rng(0)))
    args[0] = args[0].tolist()
    with pytest.raises(TypeError, match=r"must be an array.*got list"):
        target.build()(*args)


@pytest.mark.parametrize("target", VECTOR)
def test_vector_wrong_dimensions(target):
    n = _nargs(target)
    with pytest.raises(ValueError, match=r"must be 1-dimensional, got 2"):
        target.build()(*[np.ones((3, 3))] * n)


@pytest.mark.parametrize("target", [t for t in VECTOR if _nargs(t.values[0]) > 1])
def test_vector_length_mismatch(target):
    n = _nargs(target)
    args = [np.ones(4)] * (n - 1) + [np.ones(5)]
    with pytest.raises(ValueError, match=r"shapes differ"):
        target.build()(*args)


@pytest.mark.parametrize("target", [t for t in VECTOR if _nargs(t.values[0]) > 1])
def test_vector_mixed_dtypes(target):
    n = _nargs(target)
    args = [np.ones(4)] * (n - 1) + [np.ones(4, np.float32)]
    with pytest.raises(TypeError, match=r"mixed dtypes"):
        target.build()(*args)


@pytest.mark.parametrize("target", [t for t in VECTOR if t.values[0].family != "sumsq"])
def test_vector_empty(target):
    n = _nargs(target)
    with pytest.raises(ValueError, match=r"is empty"):
        target.build()(*[np.ones(0)] * n)


@pytest.mark.parametrize("family", ["normalise", "pipeline"])
def test_zero_variance(family):
    for t in cpu_targets(family):
        with pytest.raises(ValueError, match=r"zero variance"):
            t.build()(np.full(10, 3.0))


def test_errors_come_before_compilation():
    # a fresh dispatcher given bad input must not have compiled anything
    t = kernels.get_target("matmul", "jit_ikj")
    fn = t.build(fresh=True)
    with pytest.raises(TypeError):
        fn(np.ones((2, 2), np.int32), np.ones((2, 2), np.int32))
    assert fn.kernel.signatures == []


def test_unknown_family_and_target():
    with pytest.raises(KeyError, match="unknown kernel family 'nope'"):
        kernels.targets("nope")
    with pytest.raises(KeyError, match="unknown target 'nope' for kernel family 'matmul'"):
        kernels.get("matmul", "nope")
