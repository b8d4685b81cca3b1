"""``kbench noise`` on recorded asv results."""
from pathlib import Path

from kbench import noise, report

DATA = Path(__file__).parent / "data" / "real"
A = DATA / "llvmlite0.49.0-numba0.67.0.json"
B = DATA / "llvmlite0.50.0-numba0.68.1.json"


def test_a_run_against_itself_has_no_deviation():
    table = noise.measure_noise(str(A), str(A))
    assert table and all(r["max_deviation"] == 0 and r["false_alarms"] == 0 for r in table)


def test_two_runs_report_each_timing_class():
    table = noise.measure_noise(str(A), str(B))
    row = next(r for r in table if r["benchmark"] == "sumsq.SumSquares")
    assert row["parameter_sets"] >= 1
    assert 0 <= row["median_deviation"] <= row["p90_deviation"] <= row["max_deviation"]
    assert "| `sumsq.SumSquares` |" in report.render_noise(table, 1.1)
