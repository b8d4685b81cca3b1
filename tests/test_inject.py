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
    assert bench.spin == 0.0


def test_a_time_injection_waits_its_share_of_the_call_after_the_unchanged_call(tmp_path):
    import time

    folder = inject.write_module(str(tmp_path), kernels=("sumsq.jit",), sizes=(20_000,),
                                 extras=("aa1", "t50"))
    spec = importlib.util.spec_from_file_location("injected_t", os.path.join(folder, "injected.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    plain, slow = mod.Injected(), mod.Injected()
    plain.setup("sumsq.jit", 20_000, "aa1")
    slow.setup("sumsq.jit", 20_000, "t50")
    assert len(slow.args[0]) == 20_000 and plain.spin == 0.0  # the same work; only the wait differs
    one = mod._per_call(plain.fn, plain.args)
    assert 0.2 * one < slow.spin < 1.0 * one  # half the call, measured in each setup: a loose bound, CPU noise
    t0 = time.perf_counter()
    slow.time_injected("sumsq.jit", 20_000, "t50")
    assert time.perf_counter() - t0 >= slow.calls * slow.spin  # the waits happened


def test_bad_extras_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="t30"):
        inject.measure(2, extras=("aa1", "t30"))
    with pytest.raises(ValueError, match="aa1 is missing"):
        inject.measure(2, extras=("aa2", "t20"))


def test_the_goal_line_counts_time_injections_on_calls_of_10_us_and_longer():
    def row(kind, pct, seconds, flagged):
        return {"kernel": "k", "size": 1, "injected_percent": pct, "injected_kind": kind, "seconds": seconds,
                "ratio": 1.0 + pct / 100, "status": "regression" if flagged else "unchanged", "q_value": 0.5,
                "flagged": flagged, "false_alarm": False}

    rows = [row("none", 0, 2e-5, False), row("time", 20, 2e-5, True), row("time", 50, 2e-5, False),
            row("time", 20, 5e-6, False), row("time", 10, 2e-5, False), row("work", 20, 2e-5, False)]
    md = inject.render(rows, 6, 1.0)
    assert "calls of 10 µs or longer): 1 of 2 flagged" in md and "+20 % time" in md and "+20 % work" in md
    assert "Goal" not in inject.render(rows[:1] + rows[-1:], 6, 1.0)


@pytest.mark.slow
def test_a_real_run_is_judged_against_its_unchanged_twin():
    path = inject.measure(2, kernels=("sumsq.jit",), sizes=(20_000,))
    rows = inject.judge(path)
    assert sorted(r["injected_percent"] for r in rows) == [0, 5, 10, 20, 50]
    assert {r["injected_kind"] for r in rows} == {"none", "work"}
    # two rounds are too few for a verdict: every row is compared (a ratio) but not tested
    assert all(r["ratio"] is not None and r["status"] == "not tested" for r in rows)
    by = {r["injected_percent"]: r for r in rows}
    assert by[50]["ratio"] > by[0]["ratio"]
    md = inject.render(rows, 2, 1.0)
    assert "A/A pairs: 1, false alarms: 0" in md and "+50 %" in md
