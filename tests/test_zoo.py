"""The regression zoo: every record is complete and names a real release pair; every CPU reproducer matches
its reference and runs through its benchmark class; the CUDA ones run under the simulator."""
import dataclasses
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
    if rep.issue is None:  # a finding of this suite, with no public report yet: it says which run found it
        assert rep.found_by and "kbench" in rep.found_by
        assert rep.package == "numba"
    else:
        assert re.fullmatch(r"(numba/numba|NVIDIA/numba-cuda)#\d+", rep.issue), rep.issue
        assert rep.package == ("numba-cuda" if rep.issue.startswith("NVIDIA/") else "numba")
    assert Version(rep.good) < Version(rep.bad)
    if rep.fixed:
        assert Version(rep.bad) < Version(rep.fixed)
    assert rep.reported and rep.direction in ("regression", "improvement")


def test_a_record_without_an_issue_must_say_what_found_it():
    rep = zoo.reproducer("strided_fastmath_sum")
    with pytest.raises(ValueError, match="needs a public issue or, for a finding of this suite, found_by"):
        zoo._register(dataclasses.replace(rep, name="orphan", found_by=None))
    assert "orphan" not in [r.name for r in zoo.reproducers()]


@pytest.mark.parametrize("view", [
    lambda a: a[::2], lambda a: a.reshape(40, 50)[:, ::3], lambda a: a.reshape(40, 50).T, lambda a: a[:7]])
def test_benchmark_copies_keep_the_argument_layout(view):
    from benchmarks.zoo import copy_keeping_layout
    a = view(np.arange(2000.0))
    c = copy_keeping_layout(a)
    assert c.strides == a.strides and c.shape == a.shape
    np.testing.assert_array_equal(c, a)
    assert not np.shares_memory(c, a)
    c[...] = -1.0  # a copy the kernel may write to without touching the reference's input
    assert (a >= 0).all()


def test_benchmark_copy_refuses_a_layout_it_cannot_keep():
    from benchmarks.zoo import copy_keeping_layout
    with pytest.raises(ValueError, match="positive strides"):
        copy_keeping_layout(np.arange(10.0)[::-1])


@pytest.mark.skipif(SIMULATED, reason="CPU reproducers run in the main test process")
def test_strided_reproducer_is_timed_on_a_strided_array():
    from benchmarks import zoo as bench
    b = bench.Zoo()
    b.setup("strided_fastmath_sum")
    fn = zoo.reproducer("strided_fastmath_sum").build(False)
    # the dispatcher was compiled for the non-contiguous ('A') layout only: the timed call is the strided one
    assert [sig[0].layout for sig in fn.signatures] == ["A"]


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
