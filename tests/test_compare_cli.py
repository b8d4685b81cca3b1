"""``python -m kbench.compare``: the pull-request gate's comparison of two asv result files, with exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kbench import compare

SYN = Path(__file__).resolve().parent / "data" / "synthetic"
K = 2  # the fixture's 20 independent samples a side, read as 10 rounds of 2


def run(tmp_path, *extra):
    md, js = tmp_path / "gate.md", tmp_path / "gate.json"
    argv = ["--baseline", str(SYN / "baseline.json"), "--candidate", str(SYN / "candidate.json"),
            "--benchmarks", str(SYN / "benchmarks.json"), "--samples-per-round", str(K), "--rounds", "10",
            "--markdown", str(md), "--json", str(js), *extra]
    status = compare.main(argv)
    return status, md.read_text(), json.loads(js.read_text())


def test_gate_regression_exits_1(tmp_path, capsys):
    status, md, report = run(tmp_path, "--bench", r"time_(regressed|small_shift|bimodal)$")
    assert status == 1 and report["exit_status"] == 1
    assert "**Result: 1 regression(s).**" in md and "`cases.Cases.time_regressed`" in md
    assert report["summary"][compare.REGRESSION] == 1 and report["settings"]["samples_per_round"] == K


def test_gate_undecided_and_not_tested_do_not_fail(tmp_path):
    # time_few_samples has 3 samples: not whole rounds of K, so not tested; with a factor it passes easily
    status, md, report = run(tmp_path, "--bench", r"time_(small_shift|bimodal|few_samples)$")
    assert status == 0 and "**Result: no regression.**" in md
    assert report["summary"][compare.NOT_TESTED] == 1 and "### Not tested (1)" in md
    strict, md2, report2 = run(tmp_path, "--bench", r"time_regressed$", "--alpha", "1e-300")
    assert strict == 0 and report2["summary"][compare.UNDECIDED] == 1 and "### Undecided" in md2


def test_gate_broken_run_exits_2(tmp_path):
    status, md, report = run(tmp_path)  # the whole fixture: time_failed failed in the candidate
    assert status == 2 and "broken (not a regression)" in md
    assert any("time_failed" in p for p in report["problems"])
    missing = compare.main(["--baseline", str(tmp_path / "nope.json"), "--candidate", str(SYN / "candidate.json"),
                            "--samples-per-round", str(K)])
    assert missing == 2


def test_gate_runs_as_a_module(tmp_path):
    src = Path(__file__).resolve().parents[1] / "src"
    proc = subprocess.run([sys.executable, "-m", "kbench.compare", "--baseline", str(SYN / "baseline.json"),
                           "--candidate", str(SYN / "candidate.json"), "--benchmarks", str(SYN / "benchmarks.json"),
                           "--samples-per-round", str(K), "--bench", r"time_improved$"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "### Improvements (1)" in proc.stdout
