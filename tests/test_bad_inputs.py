"""Bad input gets a clear TypeError or ValueError that names the problem, before any compilation."""
import numpy as np
import pytest

import kernels


def cpu_targets(family):
    return [t for t in kernels.targets(family) if t.device == "cpu"]


def _all_cpu_targets():
    return [pytest.param(t, id=t.key) for f in kernels.families() for t in cpu_targets(f)]


MATMUL = [pytest.param(t, id=t.key) for t in cpu_targets("matmul")]
VECTOR = [pytest.param(t, id=t.key) for f in kernels.families() if kernels.family(f).kind == "vector"
          for t in cpu_targets(f)]


def _nargs(t):
    return len(kernels.family(t.family).shapes(3))


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
    module = kernels.family(target.family)
    args = [a.astype(dtype) for a in module.make_inputs(3, np.float64, module.layouts[0], np.random.default_rng(0))]
    with pytest.raises(TypeError, match=r"must have dtype float32 or float64, got " + np.dtype(dtype).name):
        target.build()(*args)


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_not_an_array(target):
    module = kernels.family(target.family)
    args = list(module.make_inputs(3, np.float64, module.layouts[0], np.random.default_rng(0)))
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


# --- exactly the family's arguments (element-wise families) --------------------------------------------------

ELEMENTWISE = [pytest.param(t, id=t.key) for f in ("gauss", "sincos") for t in cpu_targets(f)]


@pytest.mark.parametrize("target", ELEMENTWISE)
def test_elementwise_target_refuses_an_extra_array_and_leaves_it_alone(target):
    # a @vectorize ufunc takes an extra positional array as its output and overwrites it; the kernel must not
    n = _nargs(target)
    args = [np.full(4, 0.5) for _ in range(n)]
    extra = np.zeros(4)
    with pytest.raises(TypeError, match=rf"{target.key} takes {n} array arguments? \(.*\), got {n + 1}"):
        target.build()(*args, extra)
    assert np.all(extra == 0.0), "the extra argument was written into"


@pytest.mark.parametrize("target", ELEMENTWISE)
def test_elementwise_target_refuses_too_few_arrays(target):
    n = _nargs(target)
    with pytest.raises(TypeError, match=rf"{target.key} takes {n} array arguments? \(x(, y)?\), got 0"):
        target.build()()
    if n > 1:
        with pytest.raises(TypeError, match=rf"takes {n} array arguments \(x, y\), got 1"):
            target.build()(np.ones(3))


@pytest.mark.parametrize("target", ELEMENTWISE)
def test_elementwise_target_refuses_an_out_keyword(target):
    n = _nargs(target)
    out = np.zeros(4)
    with pytest.raises(TypeError, match=r"takes no keyword arguments here, got out"):
        target.build()(*[np.full(4, 0.5)] * n, out=out)
    assert np.all(out == 0.0)


def test_cuda_ufunc_wrapper_checks_its_arguments_before_the_ufunc_runs():
    # the cuda target cannot be built without a GPU (nor in the simulator): check its wrapper around a stand-in
    from kernels import _ufunc

    ran = []
    call = _ufunc._cuda_call(lambda *a, stream=0: ran.append(a), ("x",), "gauss.vectorize_cuda")
    with pytest.raises(TypeError, match=r"gauss.vectorize_cuda takes 1 array argument \(x\), got 2"):
        call(np.ones(3), np.zeros(3))
    with pytest.raises(TypeError, match=r"gauss.vectorize_cuda takes 1 array argument \(x\), got 0"):
        call()
    with pytest.raises(TypeError, match=r"MaskedArray"):
        call(np.ma.masked_array(np.ones(3)))
    assert ran == []
    call(np.ones(3), stream=0)
    assert len(ran) == 1


# --- (near-)constant vectors cannot be normalised ----------------------------------------------------------

NORMALISING = [pytest.param(t, id=t.key) for f in ("normalise", "pipeline") for t in cpu_targets(f)]


@pytest.mark.parametrize("target", NORMALISING)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("value", [0.1, 1 / 3, -123456.789, 1e8 + 0.1, 7.77e-20, 0.0])
@pytest.mark.parametrize("size", [3, 1001, 100_003])
def test_constant_vector_is_refused_whatever_the_rounding(target, dtype, value, size):
    # 0.1 is not a binary fraction: the computed mean is off by an ulp or so and the std comes out non-zero
    with pytest.raises(ValueError, match=r"\(near-\)zero variance"):
        target.build()(np.full(size, value, dtype=dtype))


def _alternating(ulps, dtype, size=1000):
    """1.5 + and - ``ulps`` units in the last place, alternately: mean exactly 1.5, std exactly ulps * eps."""
    eps = np.finfo(dtype).eps
    x = np.full(size, 1.5, dtype=dtype)
    x[0::2] += dtype(ulps * eps)
    x[1::2] -= dtype(ulps * eps)
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_every_normalising_target_draws_the_same_line(dtype):
    # the threshold: std <= 16 eps * |mean|, i.e. 24 ulps of 1.5 here. All targets refuse and accept alike
    # (the threshold itself is tested exactly below: a target's moments may differ from these by rounding)
    decisions = {}
    for t in [p.values[0] for p in NORMALISING]:
        fn = t.build()
        for ulps in (1, 4, 16, 20, 32, 64, 1024):
            try:
                fn(_alternating(ulps, dtype))
                decisions[t.key, ulps] = "accepted"
            except ValueError as exc:
                assert "near-)zero variance" in str(exc)
                decisions[t.key, ulps] = "refused"
    for (key, ulps), decision in decisions.items():
        assert decision == ("refused" if ulps <= 24 else "accepted"), (key, ulps, decision)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_near_constant_threshold(dtype):
    from kernels import _checks

    eps, tiny = float(np.finfo(dtype).eps), float(np.finfo(dtype).tiny)
    with pytest.raises(ValueError, match=r"standard deviation .* is at most 16 eps x \|mean\|"):
        _checks.check_spread(-1.5, 24 * eps, dtype)  # the threshold itself is refused, whatever the mean's sign
    _checks.check_spread(-1.5, 24 * eps * (1 + 1e-6), dtype)
    with pytest.raises(ValueError, match=r"near-\)zero variance"):
        _checks.check_spread(0.0, tiny, dtype)  # a spread of subnormals around 0
    _checks.check_spread(0.0, 2 * tiny, dtype)
    _checks.check_spread(1.0, float("nan"), dtype)  # NaN in x propagates to the result, as in NumPy


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_a_spread_of_a_few_dozen_ulps_is_normalised_exactly(dtype):
    x = _alternating(64, dtype)
    for t in cpu_targets("normalise"):
        z = t.build()(x)
        assert np.allclose(z[0::2], 1.0, rtol=0, atol=1e-3) and np.allclose(z[1::2], -1.0, rtol=0, atol=1e-3), t.key


def test_jit_moments_are_exact_on_a_long_constant_vector():
    # the first pass's mean of 10^6 copies of 0.1 is off by many ulps; the corrected second pass removes that
    moments = kernels.get("normalise", "jit_parallel").moments
    mean, std = moments(np.full(1_000_000, 0.1))
    assert abs(mean - 0.1) <= 2 * np.finfo(np.float64).eps * 0.1
    assert std <= np.finfo(np.float64).eps * 0.1


# --- what counts as an array -------------------------------------------------------------------------------

def _args_with_first(target, replace):
    module = kernels.family(target.family)
    args = list(module.make_inputs(5, np.float64, module.layouts[0], np.random.default_rng(0)))
    args[0] = replace(args[0])
    return args


class LooksLikeAnArray:
    """Has shape, dtype and ndim, and nothing a kernel could compute on."""

    def __init__(self, a):
        self.shape, self.dtype, self.ndim = a.shape, a.dtype, a.ndim


class LooksLikeADeviceArray(LooksLikeAnArray):
    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "data": (0, False), "version": 3}


class TaggedArray(np.ndarray):
    """A third-party-style ndarray subclass."""


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_masked_array_is_refused(target):
    args = _args_with_first(target, lambda a: np.ma.masked_array(a, mask=np.arange(a.size).reshape(a.shape) % 2))
    with pytest.raises(TypeError, match=r"is a numpy\.ma\.MaskedArray, which these kernels refuse"):
        target.build()(*args)


@pytest.mark.parametrize("target", [pytest.param(t, id=t.key) for f in ("sumsq", "normalise", "gauss")
                                    for t in cpu_targets(f) if t.jit])
def test_masked_array_is_refused_after_a_plain_array_compiled_the_signature(target):
    fn = target.build()
    x = np.linspace(1.0, 2.0, 8)
    fn(x)  # compiles float64[::1]; a masked array of the same dtype and layout would now run, mask ignored
    with pytest.raises(TypeError, match=r"MaskedArray"):
        fn(np.ma.masked_array(x, mask=[0, 1] * 4))


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_object_that_only_looks_like_an_array_is_refused(target):
    args = _args_with_first(target, LooksLikeAnArray)
    with pytest.raises(TypeError, match=r"must be an array: a NumPy array .*got .*LooksLikeAnArray.*not enough"):
        target.build()(*args)


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_device_array_is_refused_by_cpu_targets(target):
    args = _args_with_first(target, LooksLikeADeviceArray)
    with pytest.raises(TypeError, match=r"is a device array .*this target runs on the CPU"):
        target.build()(*args)


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_ndarray_subclasses_are_refused(target):
    args = _args_with_first(target, lambda a: a.view(TaggedArray))
    with pytest.raises(TypeError, match=r"TaggedArray, a subclass of numpy\.ndarray.*np\.asarray\((x|A|a)\)"):
        target.build()(*args)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("target", MATMUL)
def test_np_matrix_is_refused(target):
    with pytest.raises(TypeError, match=r"B is a numpy\.matrix, a subclass of numpy\.ndarray"):
        target.build()(np.ones((2, 2)), np.asmatrix(np.ones((2, 2))))


@pytest.mark.parametrize("target", _all_cpu_targets())
def test_memmap_is_computed_on_like_an_ndarray(target, tmp_path):
    module = kernels.family(target.family)
    args = module.make_inputs(5, np.float64, module.layouts[0], np.random.default_rng(1))
    mapped = np.memmap(tmp_path / "x.dat", dtype=args[0].dtype, mode="w+", shape=args[0].shape)
    mapped[...] = args[0]
    fn = target.build()
    np.testing.assert_allclose(fn(mapped, *args[1:]), fn(*args), rtol=1e-12)


def test_refusals_come_before_compilation():
    fn = kernels.get_target("sumsq", "jit").build(fresh=True)
    for bad in (np.ma.masked_array(np.ones(3)), LooksLikeAnArray(np.ones(3)), np.ones(3).view(TaggedArray)):
        with pytest.raises(TypeError):
            fn(bad)
    assert fn.kernel.signatures == []


def test_gpu_targets_recognise_device_arrays():
    # GPU targets (device=True) take anything with the CUDA Array Interface, and still refuse look-alikes
    from kernels import _checks

    assert _checks.check_array(LooksLikeADeviceArray(np.ones(3)), "x", ndim=1, device=True) == np.float64
    with pytest.raises(TypeError, match=r"must be an array: a NumPy array or a device array"):
        _checks.check_array(LooksLikeAnArray(np.ones(3)), "x", device=True)
    with pytest.raises(TypeError, match=r"MaskedArray"):
        _checks.check_array(np.ma.masked_array(np.ones(3)), "x", device=True)


# --- sizes past the limit ----------------------------------------------------------------------------------

@pytest.fixture
def deadline():
    """Fail a call that runs past a few seconds (a check that is missing would start a 10^9-step loop)."""
    import signal

    def expired(signum, frame):
        raise TimeoutError("the call ran for seconds instead of refusing its input at once")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _zero_stride(shape):
    return np.broadcast_to(np.float64(0.5), shape)  # no memory behind it, however many elements


@pytest.mark.parametrize("target", VECTOR)
def test_vector_past_the_size_limit_is_refused_at_once(target, deadline):
    from kernels import _checks

    n = _checks.MAX_ELEMENTS + 1
    with pytest.raises(ValueError, match=rf"has {n:,} elements, more than the 2,147,483,648 \(2\*\*31\)"):
        target.build()(*[_zero_stride((n,))] * _nargs(target))


@pytest.mark.parametrize("target", MATMUL)
def test_matrix_past_the_size_limit_is_refused_at_once(target, deadline):
    edge = 46_341  # edge**2 is just over 2**31
    with pytest.raises(ValueError, match=r"A \(shape \(46341, 46341\)\) has 2,147,488,281 elements, more than"):
        target.build()(_zero_stride((edge, edge)), _zero_stride((edge, 1)))


@pytest.mark.parametrize("target", MATMUL)
def test_matmul_result_past_the_size_limit_is_refused_before_allocating(target, deadline):
    # the inputs are 2**20 elements each; C would be 2**40 (8 TiB)
    with pytest.raises(ValueError, match=r"the result C \(1048576 x 1048576\) has 1,099,511,627,776 elements"):
        target.build()(np.ones((2**20, 1)), np.ones((1, 2**20)))


def test_size_limit_is_inclusive():
    from kernels import _checks

    limit = _checks.MAX_ELEMENTS
    assert _checks.check_array(_zero_stride((limit,)), "x", ndim=1) == np.float64
    assert _checks.check_array(_zero_stride((2**16, 2**15)), "A", ndim=2) == np.float64
    with pytest.raises(ValueError, match="more than"):
        _checks.check_array(_zero_stride((limit + 1,)), "x", ndim=1)
    with pytest.raises(ValueError, match="more than"):
        _checks.check_array(_zero_stride((2**16 + 1, 2**15)), "A", ndim=2)
