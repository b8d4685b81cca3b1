"""The CUDA kernels under numba-cuda's simulator, at small sizes.

The simulator runs in a separate interpreter (NUMBA_ENABLE_CUDASIM must be set before numba.cuda is first
imported), so this module re-runs itself in a subprocess with the variable set; inside it the tests run for
real. On a machine with a GPU, run them without the simulator with ``KBENCH_REAL_GPU=1``.
"""
import os
import sys

import numpy as np
import pytest

from _simulator import REAL_GPU, SIMULATED, inside, rerun_in_simulator  # noqa: E402,F401


def test_in_simulator():
    rerun_in_simulator(__file__, "CUDA simulator tests", timeout=1800)


import kernels  # noqa: E402
from kernels import verify  # noqa: E402

DTYPES = [np.float32, np.float64]


def _gpu_targets(family, runtime="numba"):
    return [pytest.param(t.name, id=t.key) for t in kernels.targets(family) if t.device == "gpu" and t.runtime == runtime]


@inside
@pytest.mark.parametrize("target", _gpu_targets("matmul"))
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", kernels.family("matmul").layouts)
def test_cuda_matmul(target, dtype, layout, rng):
    module = kernels.family("matmul")
    fn = kernels.get("matmul", target)
    # 1 and 3 are far below a tile, 17 crosses the naive kernel's 16-wide blocks, 70 the tiled kernel's 64-wide tiles
    for size in (1, 3, 17, 70) if layout == "CC" else (17,):
        A, B = module.make_inputs(size, dtype, layout, rng)
        C = fn(A, B)
        assert isinstance(C, np.ndarray) and C.dtype == dtype
        verify.check(C, module.reference(A, B), dtype, what=f"{target} {layout} n={size}")


@inside
@pytest.mark.parametrize("target", _gpu_targets("matmul"))
def test_cuda_matmul_rectangular_device_arrays(target, rng):
    from numba import cuda

    A, B = rng.random((19, 5)), np.asfortranarray(rng.random((5, 33)))
    dC = kernels.get("matmul", target)(cuda.to_device(A), cuda.to_device(B))
    assert hasattr(dC, "copy_to_host"), "device inputs give a device result"
    verify.check(dC.copy_to_host(), A @ B, np.float64, what=target)


@inside
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_cuda_reduction(dtype, layout, rng):
    module = kernels.family("sumsq")
    fn = kernels.get("sumsq", "cuda")
    # 1 element, less than a block, several blocks; from 1000 up the grid gives each thread 4 elements or more,
    # so the unrolled loop (4 loads in flight) runs and the tail loop finishes the uneven remainder
    for size in (1, 255, 1000, 3001, 10_007):
        (x,) = module.make_inputs(size, dtype, layout, rng)
        verify.check(fn(x), module.reference(x), dtype, what=f"sumsq.cuda n={size}")
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

    module = kernels.family(family)
    run = _ufunc.cuda_elementwise(module.module.scalar, module.module.NARGS)
    for layout in module.layouts:
        args = module.make_inputs(301, dtype, layout, rng)
        verify.check(run(*args), module.reference(*args), dtype, what=f"{family} cuda arithmetic {layout}")


@inside
def test_bad_input_on_gpu_targets_names_the_problem():
    with pytest.raises(ValueError, match="do not conform"):
        kernels.get("matmul", "cuda_tiled")(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="mixed dtypes"):
        kernels.get("matmul", "cuda_naive")(np.ones((2, 2), np.float32), np.ones((2, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        kernels.get("sumsq", "cuda")(np.ones(3, np.int32))


# --- the GPU benchmark classes under the simulator ------------------------------------------------------------
# Every class of the GPU tier, at its smallest size (capped for the simulator), every GPU target and layout,
# float32, run the way asv runs it (setup, then each benchmark method) by the in-process driver the GPU check
# script uses. Under the simulator a result may only be skipped for a limit of the simulator itself.

sys.path[:0] = [os.path.join(os.path.dirname(__file__), "..", "src"), os.path.join(os.path.dirname(__file__), "..")]
from kbench import gpurecord, gpusuite  # noqa: E402

TIER = gpusuite.gpu_classes(gpusuite.import_suite(), "tier")
SIMULATOR_LIMITS = ("CuPy is disabled while the CUDA simulator is on", "simulator cannot build @vectorize(target='cuda')",
                    "simulator runs no hardware: its CUDA events time nothing", "simulator has no device memory")


@inside
@pytest.mark.parametrize("key", sorted(TIER))
def test_gpu_benchmark_class_runs(key):
    from benchmarks import common

    cls = TIER[key]
    sets = [p for _, p in gpusuite.parameter_sets(cls, sim=True)
            if dict(zip(cls.param_names, p)).get("dtype", "float32") == "float32"]
    rows = [row for params in sets for row in gpusuite.run_one(cls, key, params, SIMULATED, gpurecord.NoSampler("test"))]
    assert rows
    failed = [(r["benchmark"], r["params"], r["error"]) for r in rows if r["status"] == "failed"]
    assert not failed, failed
    for r in rows:
        if r["status"] == "skipped":  # on a real GPU only a missing CuPy may skip something
            allowed = SIMULATOR_LIMITS if SIMULATED else ("CuPy is not installed",)
            assert any(limit in r["reason"] for limit in allowed), (r["params"], r["reason"])
    if cls.family in ("matmul", "sumsq"):  # numba-cuda kernels the simulator runs: setup and the call ran
        numba_rows = [r for r in rows if dict(zip(cls.param_names, r["params"]))["target"] in ("cuda", "cuda_naive", "cuda_tiled")]
        assert numba_rows and all(r["status"] == "ok" or r["reason"] in (common.SIMULATOR_EVENTS, common.SIMULATOR_MEMORY)
                                  for r in numba_rows), numba_rows


@inside
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_device_resident_reduction_gives_a_0d_device_result(layout, rng):
    from benchmarks import common

    module = kernels.family("sumsq")
    (x,) = module.make_inputs(3001, np.float32, layout, rng)
    stream = common.new_stream("numba")
    result = kernels.get("sumsq", "cuda")(common.device_copy(x, "numba", stream), stream=stream)
    stream.synchronize()
    assert hasattr(result, "copy_to_host") and result.shape == (), "a 0-d device array, like CuPy's cupy.sum"
    verify.check(result, module.reference(x), np.float32, what="sumsq.cuda device-resident",
                 tol=module.tolerance(np.float32, x.shape[0]))


@inside
@pytest.mark.skipif(not SIMULATED, reason="a simulator limit")
def test_cuda_ufuncs_are_unavailable_under_the_simulator_and_say_why():
    for family in ("gauss", "sincos"):
        ok, why = kernels.get_target(family, "vectorize_cuda").availability()
        assert not ok and "simulator cannot build @vectorize(target='cuda')" in why
    assert kernels.get_target("sumsq", "cuda").available, "@cuda.jit kernels still run under the simulator"


@inside
@pytest.mark.skipif(not SIMULATED, reason="what the simulator must not record")
def test_device_side_figures_are_never_recorded_from_the_simulator():
    from benchmarks import common, gpu_efficiency

    prepared = set()
    for case, (family, target, _, dtype, _) in gpu_efficiency.CASES.items():
        with pytest.raises(NotImplementedError, match="simulator"):
            gpu_efficiency.GpuEfficiency().setup(case)
        if target in ("cuda", "cuda_tiled", "cuda_naive") and (family, target) not in prepared:
            prepared.add((family, target))  # each kernel once: it prepares on the simulator at a small size
            bench = gpu_efficiency.prepared_gpu_target(family, target, 16 if family == "matmul" else 1000, dtype)
            with pytest.raises(NotImplementedError, match="CUDA events time nothing"):
                common.device_event_seconds(bench)


@inside
def test_device_copy_ceiling_sets_up_checks_and_times_on_a_small_array():
    from benchmarks import roofline

    copy = roofline._DeviceCopy(n=1000)  # compiles, copies and checks both ends of the copy (raises if wrong)
    gbps = copy.best_gbps(launches=2)
    if SIMULATED:
        assert gbps < 0, "the simulator's events give -1 ms: which is why DeviceBandwidth skips there"
        with pytest.raises(NotImplementedError, match="simulator"):
            roofline.DeviceBandwidth().setup()
    else:
        assert gbps > 0
