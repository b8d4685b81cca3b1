"""The Family record: what a family states about itself, and that a new family reaches every consumer (the
catalogue, ``kbench check``, the benchmark base class, the cross-family series) with no tooling file naming it."""
import io
import sys
import tokenize
from pathlib import Path

import numba
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kernels  # noqa: E402
from kernels import _registry  # noqa: E402

# Files of the tooling that serve every family; none of them may name one.
TOOLING = ["benchmarks/common.py", "benchmarks/compile.py", "benchmarks/codegen.py", "benchmarks/roofline.py",
           "benchmarks/gpu_efficiency.py", "benchmarks/threading_layers.py", "benchmarks/__init__.py",
           "src/kbench/check.py", "src/kbench/catalogue.py", "src/kbench/gpusuite.py", "src/kbench/gpurecord.py",
           "src/kbench/gpucheck.py"]


def _string_literals(path):
    tokens = tokenize.generate_tokens(io.StringIO((ROOT / path).read_text()).readline)
    for tok in tokens:
        if tok.type == tokenize.STRING:
            yield tok.start[0], tok.string.strip("\"'rbuf")


@pytest.mark.parametrize("path", TOOLING)
def test_no_tooling_file_names_a_family(path):
    named = [(line, text) for line, text in _string_literals(path) if text in kernels.families()]
    assert not named, f"{path} names a family: {named}"
    source = (ROOT / path).read_text()
    assert "family_module" not in source, f"{path} reads a family's module instead of its record"


def test_families_are_found_in_their_order_and_described_by_size_alone():
    assert kernels.families() == ["matmul", "sumsq", "gauss", "sincos", "normalise", "pipeline", "fastmath"]
    matmul, sumsq = kernels.family("matmul"), kernels.family("sumsq")
    assert (matmul.kind, sumsq.kind) == ("matrix", "vector")
    assert matmul.work(8192, "float32", "CC") == {"flops": 2.0 * 8192 ** 3, "bytes": 4.0 * 3 * 8192 ** 2}
    assert sumsq.work(10 ** 8, "float64", "contiguous") == {"flops": 2e8, "bytes": 8e8}
    assert matmul.input_bytes(64, "float64") == 2 * 64 * 64 * 8
    assert kernels.family("sincos").shapes(5) == ((5,), (5,))
    with pytest.raises(KeyError, match="unknown kernel family 'nope'; known: matmul, sumsq"):
        kernels.family("nope")


@pytest.mark.parametrize("name", ["matmul", "sumsq", "gauss", "sincos", "normalise", "pipeline", "fastmath"])
def test_work_from_the_size_matches_the_inputs_it_describes(name, rng):
    family = kernels.family(name)
    for layout in family.layouts:
        args = family.make_inputs(33, np.float32, layout, rng)
        assert tuple(a.shape for a in args) == family.shapes(33)
        assert all(a.dtype == np.float32 for a in args)
        work = family.work(33, np.float32, layout)
        assert work["flops"] > 0 and work["bytes"] >= family.input_bytes(33, np.float32) / len(args)


def test_one_place_decides_what_is_too_big():
    matmul, sumsq = kernels.family("matmul"), kernels.family("sumsq")
    python, naive = kernels.get_target("matmul", "python_ijk"), kernels.get_target("matmul", "jit_ijk")
    blocked, tiled = kernels.get_target("matmul", "jit_blocked"), kernels.get_target("matmul", "cuda_tiled")
    assert "too slow to be worth timing" in matmul.too_big(python, 128)
    assert matmul.too_big(naive, 256) == "" and "above size 256" in matmul.too_big(naive, 512)
    assert matmul.too_big(blocked, 2048) == "" and "CPU targets stop at 2048" in matmul.too_big(blocked, 4096)
    assert matmul.too_big(tiled, 8192, simulated=False) == ""
    assert "simulator" in matmul.too_big(tiled, 64, simulated=True)
    jit = kernels.get_target("sumsq", "jit")
    assert sumsq.too_big(jit, 10 ** 8, "contiguous") == ""
    assert "strided inputs on CPU targets stop at size 10000000" in sumsq.too_big(jit, 10 ** 8, "strided")
    assert [matmul.largest(t, "CC") for t in (python, naive, blocked)] == [64, 256, 2048]
    assert matmul.largest(tiled, simulated=True) == 16 and sumsq.largest(jit, "strided") == 10 ** 7


def test_cross_family_case_names_are_unchanged():
    # stored results are keyed by these names
    from benchmarks import gpu_efficiency, threading_layers

    assert list(gpu_efficiency.CASES) == [
        "matmul.cuda_tiled vs cuBLAS n=4096 float32", "matmul.cuda_tiled vs cuBLAS n=4096 float64",
        "matmul.cuda_naive vs cuBLAS n=4096 float32", "sumsq.cuda vs device copy n=1e8 float32",
        "sumsq.cuda vs device copy n=1e8 float64", "sumsq.cuda vs device copy n=1e9 float32",
        "sumsq.cupy vs device copy n=1e8 float32", "gauss.vectorize_cuda vs device copy n=1e8 float32",
        "gauss.vectorize_cuda vs device copy n=1e8 float64", "sincos.vectorize_cuda vs device copy n=1e8 float32"]
    assert list(threading_layers.CASES) == [
        "matmul.jit_blocked n=128 float64", "matmul.jit_blocked n=1024 float64", "matmul.jit_blocked n=2048 float64",
        "sumsq.jit_parallel n=1e7 float64", "sumsq.jit_parallel n=1e8 float64",
        "gauss.vectorize_parallel n=1e7 float32", "gauss.vectorize_parallel n=1e7 float64",
        "gauss.poly_parallel n=1e7 float32", "gauss.poly_parallel n=1e7 float64",
        "gauss.poly_prange n=1e7 float32", "gauss.poly_prange n=1e7 float64"]


def test_the_deprecated_module_view_still_counts_work_from_inputs():
    # the site reads families this way until it moves to kernels.family (work from the size)
    module = kernels.family_module("matmul")
    args = module.make_inputs(64, np.dtype("float64"), module.LAYOUTS[0], np.random.default_rng(0))
    assert module.work(*args) == kernels.family("matmul").work(64, "float64", "CC")


# --- a new family, registered here, reaches every consumer ------------------------------------------------------

def _double_inputs(size, dtype, layout, rng):
    x = rng.random(2 * size if layout == "strided" else size).astype(dtype)
    return (x[::2] if layout == "strided" else x,)


@pytest.fixture
def toy(monkeypatch):
    """A family "toy" (``2 * x``) with a NumPy target, a JIT target and a GPU target, registered for one test."""
    kernels.families()  # discovery first: the copies below must hold the real families too
    monkeypatch.setattr(_registry, "_FAMILIES", dict(_registry._FAMILIES))
    monkeypatch.setattr(_registry, "_TARGETS", dict(_registry._TARGETS))
    family = kernels.register_family(kernels.Family(
        "toy", lambda size: ((size,),), ("contiguous", "strided"), _double_inputs, lambda x: 2.0 * x,
        lambda size, dtype, layout: {"flops": float(size), "bytes": 2.0 * size * np.dtype(dtype).itemsize},
        kernels.Limits(cpu=10 ** 6, simulator=100), order=99,
        gpu_cases=(("cuda", 10 ** 8, "float32"),), parallel_cases=(("jit", 10 ** 7, "float64", "numpy"),)))

    def jit_target():
        kernel = numba.njit(lambda x: 2.0 * x)
        return lambda x: kernel(x)

    kernels.register(kernels.Target("toy", "numpy", lambda: (lambda x: 2.0 * x), "NumPy 2 * x"))
    kernels.register(kernels.Target("toy", "jit", jit_target, "@njit 2 * x", jit=True))
    kernels.register(kernels.Target("toy", "cuda", lambda: (lambda x, stream=None: 2.0 * x), "a GPU target",
                                    device="gpu", requires=("cupy",), runtime="cupy"))
    kernels.use_disk_cache(False)
    yield family
    kernels.use_disk_cache(False)  # the benchmarks switch Numba's disk cache on for later builds; not here


def test_a_new_family_reaches_the_catalogue_and_the_check(toy):
    from kbench import catalogue, check

    assert kernels.families()[-1] == "toy"
    assert [r["target"] for r in catalogue.rows() if r["family"] == "toy"] == ["numpy", "jit", "cuda"]
    rows = check.run_checks(families=["toy"], seed=0, device="cpu")
    assert len(rows) == 2 * 2 * 2 and all(r["status"] == "ok" for r in rows), rows  # 2 targets, layouts, dtypes
    assert {r["size"] for r in rows} == {10_007}
    if not kernels.have_cupy()[0]:
        assert [r["status"] for r in check.run_checks(families=["toy"], device="gpu")] == ["skipped"]


def test_a_new_family_needs_one_benchmark_class_and_reaches_the_cross_family_series(toy):
    from benchmarks import common, compile, gpu_efficiency, threading_layers

    class Toy(common.TimeKernel, common.TrackGBps, common.KernelBenchmark):
        family = "toy"
        params = [[1000, 10 ** 7], ["contiguous", "strided"], common.target_names("toy"), common.DTYPES]
        param_names = ["size", "layout", "target", "dtype"]

    assert Toy.params[2] == ["numpy", "jit", "cuda"]
    bench = Toy()
    bench.setup(1000, "strided", "jit", "float32")
    bench.time_kernel(1000, "strided", "jit", "float32")
    assert bench.track_gbps(1000, "strided", "jit", "float32") > 0
    with pytest.raises(NotImplementedError, match="CPU targets stop at 1000000"):
        Toy().setup(10 ** 7, "contiguous", "numpy", "float64")
    if not kernels.have_cupy()[0]:
        with pytest.raises(NotImplementedError, match="CuPy"):
            Toy().setup(1000, "contiguous", "cuda", "float64")
    assert gpu_efficiency.efficiency_cases()["toy.cuda vs device copy n=1e8 float32"] == (
        "toy", "cuda", 10 ** 8, "float32", gpu_efficiency.DEVICE_COPY)
    assert threading_layers.speedup_cases()["toy.jit n=1e7 float64"] == ("toy", "jit", 10 ** 7, "float64", "numpy")
    assert "toy.jit" in compile.jit_targets()


def test_the_old_private_verify_name_still_works():
    # importers on main not yet moved to kernels.verify / Family.tolerance
    from kernels import _verify

    x = np.ones(10 ** 6, np.float32)
    assert _verify.check is kernels.verify.check
    assert _verify.family_tolerance(kernels.family_module("sumsq"), np.float32, (x,)) == \
        kernels.family("sumsq").tolerance(np.float32, 10 ** 6) > 1e-4
