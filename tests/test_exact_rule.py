"""Deterministic counts (instructions, codegen) are compared with the exact rule, not the t-test."""
import pytest

from kbench import compare, stats
from kbench.results import BenchmarkInfo, Measurement


def _m(values):
    return Measurement(value=values[0], samples=list(values), ci_99=None, q_25=None, q_75=None, number=1,
                       repeat=len(values))


def _row(name, base, cand):
    info = BenchmarkInfo(name=name, type="track", unit="instructions", param_names=["target"],
                         params=[["'sumsq.jit'"]], number=1, repeat=1)
    return compare.compare_measurement(name, {"target": "'sumsq.jit'"}, info, _m(base), _m(cand))


@pytest.mark.parametrize("name", ["instructions.Instructions.track_instructions", "codegen.CodeGen.track_vector_fma"])
def test_exact_series_are_recognised(name):
    assert stats.is_exact(name)


def test_timing_series_are_not_exact():
    assert not stats.is_exact("sumsq.SumSquares.time_kernel")


def test_two_percent_more_instructions_is_an_increase_without_any_test():
    row = _row("instructions.Instructions.track_instructions", [1000.0] * 3, [1020.0] * 3)
    assert row.status == stats.INCREASE and row.test == stats.EXACT_TEST
    assert row.p_value is None and not row.gates and row.ratio == pytest.approx(1.02)


def test_within_tolerance_is_unchanged_and_fewer_is_a_decrease():
    assert _row("instructions.Instructions.track_instructions", [1000.0], [1005.0]).status == stats.UNCHANGED
    assert _row("instructions.Instructions.track_instructions", [1000.0], [900.0]).status == stats.DECREASE


def test_counts_that_vary_within_a_side_are_not_judged():
    row = _row("instructions.Instructions.track_instructions", [1000.0, 1100.0], [1300.0, 1300.0])
    assert row.status == stats.UNDECIDED and "not deterministic" in row.detail


def test_a_loop_that_stops_vectorising_reads_as_a_decrease_from_nonzero_to_zero():
    row = _row("codegen.CodeGen.track_simd_width", [256.0, 256.0], [0.0, 0.0])
    assert row.status == stats.DECREASE
    row = _row("codegen.CodeGen.track_vector_fma", [0.0], [4.0])
    assert row.status == stats.INCREASE and "from 0" in row.detail


def test_exact_rows_stay_out_of_the_holm_family():
    from kbench.results import Side
    name = "instructions.Instructions.track_instructions"
    info = BenchmarkInfo(name=name, type="track", unit="instructions", param_names=["target"],
                         params=[["'a'", "'b'"]], number=1, repeat=1)
    base = Side(label="b", benchmarks={name: info}, measurements={(name, ("'a'",)): _m([10.0]),
                                                                   (name, ("'b'",)): _m([10.0])})
    cand = Side(label="c", benchmarks={name: info}, measurements={(name, ("'a'",)): _m([20.0]),
                                                                   (name, ("'b'",)): _m([10.0])})
    rows = compare.compare_sides(base, cand)
    assert [r.status for r in rows] == [stats.INCREASE, stats.UNCHANGED]
    assert all(r.q_value is None for r in rows)


def test_bad_tolerance_is_a_clear_error():
    with pytest.raises(ValueError, match="tolerance"):
        stats.exact_verdict([1.0], [1.0], tolerance=0)
