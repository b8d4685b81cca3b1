"""The CUDA kernels under numba-cuda's simulator, at small sizes.

The simulator runs in a separate interpreter (NUMBA_ENABLE_CUDASIM must be set before numba.cuda is first
imported), so this module re-runs itself in a subprocess with the variable set; inside it the tests run for
real. On a machine with a GPU, run them without the simulator with ``KBENCH_REAL_GPU=1``.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
REAL_GPU = os.environ.get("KBENCH_REAL_GPU") == "1"
inside = pytest.mark.skipif(not (SIMULATED or REAL_GPU), reason="runs in the simulator subprocess (see test_in_simulator)")


def test_in_simulator():
    if SIMULATED or REAL_GPU:
        pytest.skip("already inside the simulator run")
    pytest.importorskip("numba.cuda")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                          env=env, capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-5000:], proc.stderr[-3000:])
    assert proc.returncode == 0, "CUDA simulator tests failed (output above)"
    assert " passed" in proc.stdout


import kernels  # noqa: E402
from kernels import _verify  # noqa: E402

DTYPES = [np.float32, np.float64]


def _gpu_targets(family, runtime="numba"):
    return [pytest.param(t.name, id=t.key) for t in kernels.targets(family) if t.device == "gpu" and t.runtime == runtime]


@inside
@pytest.mark.parametrize("target", _gpu_targets("matmul"))
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", kernels.family_module("matmul").LAYOUTS)
def test_cuda_matmul(target, dtype, layout, rng):
    module = kernels.family_module("matmul")
    fn = kernels.get("matmul", target)
    # 1 and 3 are far below a tile, 17 crosses the naive kernel's 16-wide blocks, 70 the tiled kernel's 64-wide tiles
    for size in (1, 3, 17, 70) if layout == "CC" else (17,):
        A, B = module.make_inputs(size, dtype, layout, rng)
        C = fn(A, B)
        assert isinstance(C, np.ndarray) and C.dtype == dtype
        _verify.check(C, module.reference(A, B), dtype, what=f"{target} {layout} n={size}")


@inside
@pytest.mark.parametrize("target", _gpu_targets("matmul"))
def test_cuda_matmul_rectangular_device_arrays(target, rng):
    from numba import cuda

    A, B = rng.random((19, 5)), np.asfortranarray(rng.random((5, 33)))
    dC = kernels.get("matmul", target)(cuda.to_device(A), cuda.to_device(B))
    assert hasattr(dC, "copy_to_host"), "device inputs give a device result"
    _verify.check(dC.copy_to_host(), A @ B, np.float64, what=target)


@inside
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_cuda_reduction(dtype, layout, rng):
    module = kernels.family_module("sumsq")
    fn = kernels.get("sumsq", "cuda")
    # 1 element, less than a block, several blocks; from 1000 up the grid gives each thread 4 elements or more,
    # so the unrolled loop (4 loads in flight) runs and the tail loop finishes the uneven remainder
    for size in (1, 255, 1000, 3001, 10_007):
        (x,) = module.make_inputs(size, dtype, layout, rng)
        _verify.check(fn(x), module.reference(x), dtype, what=f"sumsq.cuda n={size}")
    assert fn(np.zeros(0, dtype)) == 0.0


@inside
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_device_copy_kernel_of_the_bandwidth_ceiling(dtype):
    from numba import cuda

    from kernels import ceilings

    n = 1000  # four blocks, the last one partly outside the array
    src = np.arange(n, dtype=dtype)
    dst = cuda.device_array(n + 5, dtype=dtype)
    dst.copy_to_device(np.full(n + 5, -1, dtype=dtype))
    ceilings.device_copy_kernel()[ceilings.device_copy_blocks(n), ceilings.DEVICE_COPY_THREADS](cuda.to_device(src), dst[:n])
    out = dst.copy_to_host()
    assert np.array_equal(out[:n], src) and np.all(out[n:] == -1), "copies exactly n elements, none beyond"


@inside
@pytest.mark.parametrize("family", ["gauss", "sincos"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_cuda_ufunc_arithmetic(family, dtype, rng):
    # The simulator cannot run @vectorize(target='cuda'); instead run the very scalar function the cuda ufunc is
    # built from inside a @cuda.jit kernel, which checks its arithmetic on the CUDA target's math library.
    from kernels import _ufunc

    module = kernels.family_module(family)
    run = _ufunc.cuda_elementwise(module.scalar, module.NARGS)
    for layout in module.LAYOUTS:
        args = module.make_inputs(301, dtype, layout, rng)
        _verify.check(run(*args), module.reference(*args), dtype, what=f"{family} cuda arithmetic {layout}")


@inside
def test_bad_input_on_gpu_targets_names_the_problem():
    with pytest.raises(ValueError, match="do not conform"):
        kernels.get("matmul", "cuda_tiled")(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="mixed dtypes"):
        kernels.get("matmul", "cuda_naive")(np.ones((2, 2), np.float32), np.ones((2, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        kernels.get("sumsq", "cuda")(np.ones(3, np.int32))
