"""The release watcher decides regression / no-regression / broken from the JSON report, not the exit status
alone, retries broken checks a bounded number of times (the bound is in its state file) and says so in the
issue; its entry point exits 2 on any crash."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kbench import watch

REPO = Path(__file__).resolve().parents[1]


def _report(tmp_path, exit_status=1, problems=(), gates=True, kind="kbench-release-check", name="r.json"):
    path = tmp_path / name
    rows = [{"benchmark": "a.B.time_c", "status": "regression" if gates else "unchanged", "gates": gates}]
    path.write_text(json.dumps({"kind": kind, "exit_status": exit_status, "problems": list(problems),
                                "rows": rows}))
    return path


def _outcome(capsys, *argv):
    rc = watch.main(["outcome", *map(str, argv)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out.strip(), err


def test_a_crash_with_exit_1_is_broken_not_a_regression(tmp_path, capsys):
    # Python's own exit status for an uncaught exception is 1: without a report that says so, broken
    assert _outcome(capsys, "--exit-code", 1)[0] == "broken"
    assert _outcome(capsys, "--exit-code", 1, "--report", "")[0] == "broken"
    assert _outcome(capsys, "--exit-code", 1, "--report", tmp_path / "missing.json")[0] == "broken"
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"kind": "kbench-release-check", "exit_st')
    outcome, err = _outcome(capsys, "--exit-code", 1, "--report", damaged)
    assert outcome == "broken" and "cannot be read" in err


@pytest.mark.parametrize("exit_code, report_kw, expected", [
    (1, {}, "regression"),
    (0, {"exit_status": 0, "gates": False}, "no-regression"),
    (2, {"exit_status": 2, "problems": ["a benchmark failed"]}, "broken"),
    (1, {"exit_status": 0, "gates": False}, "broken"),  # report and process disagree
    (0, {"exit_status": 1}, "broken"),
    (1, {"problems": ["environment imported the wrong numba"]}, "broken"),
    (1, {"gates": False}, "broken"),  # says 1 but holds no regression
    (1, {"kind": "kbench-bisect"}, "broken"),
    (137, {}, "broken"),
])
def test_outcome_comes_from_the_report_and_the_exit_status(tmp_path, capsys, exit_code, report_kw, expected):
    path = _report(tmp_path, **report_kw)
    assert _outcome(capsys, "--exit-code", exit_code, "--report", path)[0] == expected
    assert watch.report_outcome(exit_code, path)[0] == expected


def test_workflow_reads_the_outcome_from_the_json_report():
    text = (REPO / ".github" / "workflows" / "numba-release-watch.yml").read_text()
    assert "python -m kbench.watch outcome --exit-code \"$rc\" --report" in text
    assert "1) outcome=regression" not in text  # the exit status alone no longer decides
    assert 'issue-body "$VERSION" --state "$STATE"' in text


# ---------------------------------------------------------------------------------------------- retries
RELEASES = ["0.60.0", "0.61.0", "0.62.0"]


def _next(tmp_path, capsys, state):
    listing = tmp_path / "releases.json"
    listing.write_text(json.dumps(RELEASES))
    rc = watch.main(["next", "--state", str(state), "--releases-file", str(listing)])
    out, _ = capsys.readouterr()
    assert rc == 0
    return out.strip()


def _mark(capsys, state, version, outcome):
    rc = watch.main(["mark", version, "--state", str(state), "--outcome", outcome])
    err = capsys.readouterr().err
    assert rc == 0, err
    return err


def test_a_broken_check_is_retried_a_bounded_number_of_times(tmp_path, capsys):
    state = tmp_path / "checked.json"
    _mark(capsys, state, "0.61.0", "no-regression")
    _mark(capsys, state, "0.60.0", "regression")
    limit = watch.DEFAULT_MAX_BROKEN_ATTEMPTS
    for attempt in range(1, limit + 1):
        assert _next(tmp_path, capsys, state) == "0.62.0"  # offered again after each broken check
        err = _mark(capsys, state, "0.62.0", "broken")
        assert f"broken check {attempt} of at most {limit}" in err
    assert "no more automatic attempts" in err
    assert _next(tmp_path, capsys, state) == ""  # the bound is reached: no endless retries
    data = json.loads(state.read_text())
    assert data[watch.MAX_ATTEMPTS_KEY] == limit  # the bound is stored in the state
    assert [e["outcome"] for e in data["checked"]].count("broken") == limit  # every attempt kept


def test_the_retry_bound_is_read_from_the_state(tmp_path, capsys):
    state = tmp_path / "checked.json"
    state.write_text(json.dumps({watch.MAX_ATTEMPTS_KEY: 1, "checked": [
        {"version": "0.62.0", "outcome": "broken"}, {"version": "0.61.0", "outcome": "broken"},
        {"version": "0.61.0", "outcome": "no-regression"}]}))
    assert _next(tmp_path, capsys, state) == "0.60.0"
    state.write_text(json.dumps({watch.MAX_ATTEMPTS_KEY: 0, "checked": []}))
    rc = watch.main(["next", "--state", str(state), "--releases-file", str(tmp_path / "releases.json")])
    assert rc == 2 and watch.MAX_ATTEMPTS_KEY in capsys.readouterr().err


def test_issue_says_whether_a_broken_check_is_retried(tmp_path, capsys):
    state = tmp_path / "checked.json"
    _mark(capsys, state, "0.62.0", "broken")
    rc = watch.main(["issue-body", "0.62.0", "--state", str(state), "--outcome", "broken"])
    body = capsys.readouterr().out
    assert rc == 0
    assert "Broken check 1 of at most 3" in body and "will check Numba 0.62.0 again" in body
    assert "2 more automatic attempts left" in body
    _mark(capsys, state, "0.62.0", "broken")
    _mark(capsys, state, "0.62.0", "broken")
    watch.main(["issue-body", "0.62.0", "--state", str(state), "--outcome", "broken"])
    body = capsys.readouterr().out
    assert "Broken check 3 of at most 3" in body and "no more automatic attempts" in body
    _mark(capsys, state, "0.62.0", "no-regression")
    watch.main(["issue-body", "0.62.0", "--state", str(state), "--outcome", "no-regression"])
    assert "Checked after 3 broken attempts." in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------- crashes
def test_the_watch_entry_point_exits_2_on_a_crash(tmp_path):
    unreadable = tmp_path / "folder.json"
    unreadable.mkdir()  # reading it raises IsADirectoryError, which nothing handles specifically
    out = subprocess.run([sys.executable, "-m", "kbench.watch", "next", "--state", str(tmp_path / "s.json"),
                          "--releases-file", str(unreadable)], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2, out.stderr
    assert "kbench.watch next: error: IsADirectoryError" in out.stderr and "Traceback" not in out.stderr


def test_a_broken_recheck_of_a_completed_version_is_not_promised_a_retry(tmp_path, capsys):
    state = tmp_path / "checked.json"
    _mark(capsys, state, "0.62.0", "no-regression")
    err = _mark(capsys, state, "0.62.0", "broken")  # checked again by hand, and it broke
    assert "no more automatic attempts" in err
    assert _next(tmp_path, capsys, state) == "0.61.0"
    watch.main(["issue-body", "0.62.0", "--state", str(state), "--outcome", "broken"])
    body = capsys.readouterr().out
    assert "does not check it again automatically" in body and "will check" not in body
