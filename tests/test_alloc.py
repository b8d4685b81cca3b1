"""Results on a cache line: the allocator helper, and every host kernel whose wrapper allocates the result.

Without the alignment a result starts 16 bytes past a 32-byte boundary in some processes and not in others,
and vectorised stores then split cache lines (matmul jit_ikj at n = 256 ran 1.04 or 1.39 ms a call by
process). Each check keeps many results alive at once, so that a 16-byte-aligned allocator would put some of
them off the 64-byte boundary: the checks fail without the helper.
"""
import numpy as np
import pytest

import kernels
from kernels import _alloc, _registry


@pytest.mark.parametrize("make", [_alloc.empty, _alloc.zeros])
@pytest.mark.parametrize("shape, dtype", [((7,), "float32"), ((5, 3), "float64"), (11, "int8"), ((0, 4), "float64"),
                                          ((257, 255), "float32")])
def test_helper_gives_an_aligned_c_ordered_array(make, shape, dtype):
    arrays = [make(shape, dtype) for _ in range(40)]
    for a in arrays:
        assert a.size == 0 or a.ctypes.data % 64 == 0  # an empty array has no data to place
        assert a.dtype == np.dtype(dtype) and a.shape == np.empty(shape).shape
        assert a.flags.c_contiguous and a.flags.writeable
    if make is _alloc.zeros:
        assert all(not a.any() for a in arrays)
    if make is _alloc.zeros and arrays[0].size:
        arrays[0][...] = 1  # arrays do not share memory
        assert not arrays[1].any()


def test_helper_takes_other_powers_of_two():
    assert all(_alloc.empty(100, "float64", align=4096).ctypes.data % 4096 == 0 for _ in range(10))


@pytest.mark.parametrize("align", [0, 3, 48, -64])
def test_helper_refuses_an_alignment_that_is_not_a_power_of_two(align):
    with pytest.raises(ValueError, match="power of two"):
        _alloc.empty(4, "float64", align=align)


def test_helper_refuses_negative_dimensions():
    with pytest.raises(ValueError, match="negative dimensions"):
        _alloc.zeros((3, -1), "float64")


# the host targets whose Python wrapper allocates the result (the NumPy targets keep NumPy's own allocation)
ALIGNED = [("matmul", t) for t in ("jit_ijk", "jit_ikj", "jit_prange", "jit_blocked")] + [
    ("normalise", "jit_parallel"), ("gauss", "vectorize_cpu"), ("gauss", "vectorize_parallel"),
    ("gauss", "poly_parallel"), ("gauss", "poly_prange"), ("sincos", "vectorize_cpu"),
    ("sincos", "vectorize_parallel"), ("fastmath", "strict"), ("fastmath", "fastmath"), ("fastmath", "reassociated")]


@pytest.mark.parametrize("family, target", ALIGNED)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_host_kernel_results_start_on_a_cache_line(family, target, dtype):
    fam = kernels.family(family)
    args = fam.make_inputs(48 if family == "matmul" else 1001, np.dtype(dtype), fam.layouts[0],
                           np.random.default_rng(0))
    fn = _registry.get_target(family, target).build()
    results = [fn(*args) for _ in range(24)]
    assert [r.ctypes.data % 64 for r in results] == [0] * len(results)
    np.testing.assert_array_equal(results[0], results[-1])
