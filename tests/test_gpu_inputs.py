"""What the GPU targets accept, under numba-cuda's simulator (or a real GPU with ``KBENCH_REAL_GPU=1``).

They take NumPy arrays and device arrays (numba-cuda's, CuPy's) and refuse, before any launch, what the CPU
targets refuse: masked arrays and other ndarray subclasses, objects that only look like arrays, and inputs or
results past the size limit. As in test_cuda_simulator.py, the simulator needs NUMBA_ENABLE_CUDASIM set before
numba.cuda is first imported, so this module re-runs itself in a subprocess with it set.
"""
import numpy as np
import pytest

from _simulator import REAL_GPU, SIMULATED, inside, rerun_in_simulator  # noqa: E402,F401


def test_in_simulator():
    rerun_in_simulator(__file__, "GPU input tests", timeout=900)


import kernels  # noqa: E402
from kernels import verify  # noqa: E402


def _numba_gpu_targets(family):
    return [pytest.param(t.name, id=t.key) for t in kernels.targets(family)
            if t.device == "gpu" and t.runtime == "numba"]


def _first_value(result):
    # a float for host input; for device input a device array (its shape is not what this file tests)
    return float(np.ravel(verify.to_host(result))[0])


class LooksLikeAnArray:
    def __init__(self, a):
        self.shape, self.dtype, self.ndim = a.shape, a.dtype, a.ndim


class TaggedArray(np.ndarray):
    pass


@inside
def test_sumsq_cuda_takes_host_and_device_arrays():
    from numba import cuda

    fn = kernels.get("sumsq", "cuda")
    x = np.arange(10.0)
    assert fn(x) == pytest.approx(285.0)
    assert _first_value(fn(cuda.to_device(x))) == pytest.approx(285.0)


@inside
@pytest.mark.parametrize("target", _numba_gpu_targets("matmul"))
def test_matmul_cuda_takes_device_arrays(target):
    from numba import cuda

    A = np.arange(6.0).reshape(2, 3)
    dC = kernels.get("matmul", target)(cuda.to_device(A), cuda.to_device(A.T.copy()))
    np.testing.assert_allclose(dC.copy_to_host(), A @ A.T)


def _bad_vectors():
    return [
        pytest.param(lambda: np.ma.masked_array(np.arange(4.0), mask=[0, 1, 0, 1]), TypeError, r"MaskedArray",
                     id="masked"),
        pytest.param(lambda: np.arange(4.0).view(TaggedArray), TypeError, r"a subclass of numpy\.ndarray",
                     id="subclass"),
        pytest.param(lambda: LooksLikeAnArray(np.arange(4.0)), TypeError,
                     r"must be an array: a NumPy array or a device array .*not enough", id="look-alike"),
        pytest.param(lambda: np.broadcast_to(np.float64(1.0), (2 * 10**10,)), ValueError,
                     r"20,000,000,000 elements, more than the 2,147,483,648", id="huge"),
    ]


@inside
@pytest.mark.parametrize("make,error,match", _bad_vectors())
def test_sumsq_cuda_refuses_what_it_cannot_compute_on(make, error, match):
    with pytest.raises(error, match=match):
        kernels.get("sumsq", "cuda")(make())


@inside
@pytest.mark.parametrize("target", _numba_gpu_targets("matmul"))
def test_matmul_cuda_refuses_what_it_cannot_compute_on(target):
    fn = kernels.get("matmul", target)
    A = np.ones((3, 3))
    with pytest.raises(TypeError, match=r"A is a numpy\.ma\.MaskedArray"):
        fn(np.ma.masked_array(A), A)
    with pytest.raises(TypeError, match=r"B is a numpy\.matrix"):
        with pytest.warns(PendingDeprecationWarning):
            B = np.asmatrix(A)
        fn(A, B)
    with pytest.raises(TypeError, match=r"B must be an array"):
        fn(A, LooksLikeAnArray(A))
    with pytest.raises(ValueError, match=r"the result C \(1048576 x 1048576\)"):
        fn(np.ones((2**20, 1)), np.ones((1, 2**20)))
