"""The regression zoo: every record is complete and names a real release pair; every CPU reproducer matches
its reference and runs through its benchmark class; the CUDA ones run under the simulator."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _simulator import SIMULATED, REAL_GPU, inside, rerun_in_simulator  # noqa: E402

from kernels import zoo  # noqa: E402

CPU = [r.name for r in zoo.reproducers("cpu")]
GPU = [r.name for r in zoo.reproducers("gpu")]


def test_the_zoo_has_eight_kinds_and_a_compile_time_case():
    reps = zoo.reproducers()
    assert len({r.kind.split("/")[0] for r in reps}) >= 8
    assert any(r.measures == "compile" and r.device == "cpu" for r in reps)
    assert any(r.device == "gpu" for r in reps)


@pytest.mark.parametrize("name", CPU + GPU)
def test_record_names_an_issue_and_an_ordered_release_pair(name):
    rep = zoo.reproducer(name)
    assert re.fullmatch(r"(numba/numba|NVIDIA/numba-cuda)#\d+", rep.issue), rep.issue
    assert rep.package == ("numba-cuda" if rep.issue.startswith("NVIDIA/") else "numba")
    assert Version(rep.good) < Version(rep.bad)
    if rep.fixed:
        assert Version(rep.bad) < Version(rep.fixed)
    assert rep.reported and rep.direction in ("regression", "improvement")


def test_unknown_reproducer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown reproducer 'nope'"):
        zoo.reproducer("nope")


def test_import_compiles_nothing():
    rep = zoo.reproducer("fancy_gather")
    # the build is lazy: a fresh build is a new dispatcher with no compiled signature yet
    assert not rep.build(True).signatures


@pytest.mark.skipif(SIMULATED, reason="CPU reproducers run in the main test process")
@pytest.mark.parametrize("name", CPU)
def test_cpu_reproducer_matches_reference_and_its_benchmark_runs(name):
    from benchmarks import zoo as bench
    rep = zoo.reproducer(name)
    cls = bench.Zoo if rep.measures == "call" else bench.ZooCompile
    b = cls()
    b.setup(name)  # builds, checks against the reference, calibrates
    if rep.measures == "call":
        assert b.calls >= 1
        b.time_reproducer(name)
    else:
        b.time_first_call(name)


def test_a_wrong_result_is_caught_before_timing():
    from benchmarks import zoo as bench
    rep = zoo.reproducer("float_sum_2d")
    args = rep.make_args(np.random.default_rng(0))
    with pytest.raises(AssertionError):
        bench.check(rep, float(rep.reference(*args)) * (1 + 1e-6), args)


def test_long_block_source_is_one_block_of_temporaries():
    src = zoo.long_block_source(5)
    assert src.count("\n    t") == 5 and "return t4" in src


def test_in_simulator():
    rerun_in_simulator(__file__, "zoo CUDA reproducers", timeout=900)


@inside
@pytest.mark.parametrize("name", GPU)
def test_gpu_reproducer_matches_reference(name):
    from numba import cuda
    rep = zoo.reproducer(name)
    host = rep.make_args(np.random.default_rng(0))
    args = tuple(cuda.to_device(a) for a in host)
    out = rep.build(True)(*args)
    np.testing.assert_allclose(out.copy_to_host(), rep.reference(*host))
    if not REAL_GPU:
        from benchmarks import zoo as bench
        with pytest.raises(NotImplementedError, match="simulator"):
            (bench.Zoo if rep.measures == "call" else bench.ZooCompile)().setup(name)
