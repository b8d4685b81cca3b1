"""kbench inject: the throw-away module, and one real asv run of it judged by the release check's rule."""
import importlib.util
import os

import pytest

from kbench import inject


def test_the_module_is_written_outside_the_suite_with_every_injection(tmp_path):
    folder = inject.write_module(str(tmp_path), kernels=("sumsq.jit",), sizes=(1000,))
    assert not folder.startswith(str(inject.repo.repo_root() / "benchmarks"))
    spec = importlib.util.spec_from_file_location("injected", os.path.join(folder, "injected.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.Injected.params == [("sumsq.jit",), (1000,), inject.EXTRAS]
    bench = mod.Injected()
    bench.setup("sumsq.jit", 1000, "50")
    assert len(bench.args[0]) == 1500 and bench.calls >= 1  # 50 % more elements, compiled and checked
    bench.time_injected("sumsq.jit", 1000, "50")


@pytest.mark.slow
def test_a_real_run_is_judged_against_its_unchanged_twin():
    path = inject.measure(2, kernels=("sumsq.jit",), sizes=(20_000,))
    rows = inject.judge(path)
    assert sorted(r["injected_percent"] for r in rows) == [0, 5, 10, 20, 50]
    # two rounds are too few for a verdict: every row is compared (a ratio) but not tested
    assert all(r["ratio"] is not None and r["status"] == "not tested" for r in rows)
    by = {r["injected_percent"]: r for r in rows}
    assert by[50]["ratio"] > by[0]["ratio"]
    md = inject.render(rows, 2, 1.0)
    assert "A/A pairs: 1, false alarms: 0" in md and "+50 %" in md
