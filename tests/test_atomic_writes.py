"""Files the tooling writes are replaced atomically: a write that fails midway (disk full, Ctrl-C) leaves the
previous content, valid, and no temporary file behind; an interrupted ``kbench run`` lets asv finish saving."""
from __future__ import annotations

import json
import subprocess

import pytest
from _diskfull import disk_full

from kbench import _io, asvenv, suite, watch


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_write_cut_off_by_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "report.json"
    _io.atomic_write_json(path, {"old": True})
    with disk_full(monkeypatch, tmp_path, budget=10), pytest.raises(OSError):
        _io.atomic_write_json(path, {"new": "x" * 1000})
    assert json.loads(path.read_text()) == {"old": True}
    assert _leftovers(tmp_path) == []
    _io.atomic_write_text(path, "fine again\n")
    assert path.read_text() == "fine again\n"


def test_ctrl_c_during_a_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    _io.atomic_write_text(path, "before\n")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _io.atomic_write_text(path, "after\n")
    assert path.read_text() == "before\n" and _leftovers(tmp_path) == []


def test_environment_history_is_never_half_written(tmp_path, monkeypatch):
    """A changed record moves the old one to the .history.jsonl file; a full disk during that move leaves the
    history and the record as they were (today's code appended half a line and kept going)."""
    for numba in ("0.66.0", "0.67.0"):
        suite.write_record(str(tmp_path), "m", "env", {"packages": {"numba": numba}})
    folder = tmp_path / "m"
    history = folder / "environment-env.history.jsonl"
    record = folder / "environment-env.json"
    before = (history.read_text(), record.read_text())
    with disk_full(monkeypatch, tmp_path, budget=20), pytest.raises(OSError):
        suite.write_record(str(tmp_path), "m", "env", {"packages": {"numba": "0.68.1"}, "pad": "x" * 500})
    assert (history.read_text(), record.read_text()) == before
    assert [json.loads(line)["packages"]["numba"] for line in history.read_text().splitlines()] == ["0.66.0"]
    assert _leftovers(folder) == []


def test_watch_state_survives_a_full_disk(tmp_path, monkeypatch):
    state_path = tmp_path / "checked.json"
    state = {"checked": []}
    watch.mark(state, "0.61.0", "no-regression")
    watch.save_state(state_path, state)
    before = state_path.read_text()
    watch.mark(state, "0.62.0", "broken", ["x" * 400])
    with disk_full(monkeypatch, tmp_path, budget=30), pytest.raises(OSError):
        watch.save_state(state_path, state)
    assert state_path.read_text() == before and _leftovers(tmp_path) == []


class _FakeAsv:
    """A child process whose first wait() is cut by Ctrl-C; it then finishes on its own (asv saving)."""

    instances = []

    def __init__(self, cmd, **kwargs):
        self.waits, self.killed = 0, False
        _FakeAsv.instances.append(self)

    def wait(self, timeout=None):
        self.waits += 1
        if self.waits == 1:
            raise KeyboardInterrupt
        return -2

    def kill(self):
        self.killed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_ctrl_c_lets_asv_finish_saving_instead_of_killing_it(monkeypatch, capsys):
    _FakeAsv.instances.clear()
    monkeypatch.setattr(subprocess, "Popen", _FakeAsv)
    assert asvenv.call(["asv", "run"], cwd=".") == asvenv.INTERRUPTED
    (proc,) = _FakeAsv.instances
    assert not proc.killed and proc.waits == 2
    assert "interrupted" in capsys.readouterr().err


def test_kbench_run_names_a_damaged_result_file_and_leaves_it(tmp_path):
    commit = "0123456789abcdef"
    folder = tmp_path / "m"
    folder.mkdir()
    good = folder / f"{commit[:8]}-good.json"
    good.write_text(json.dumps({"version": 2, "result_columns": ["result"], "results": {}}))
    cut = folder / f"{commit[:8]}-cut.json"
    cut.write_text('{"version": 2, "result_columns": ["res')
    problems = suite.damaged_results(str(tmp_path), "m", commit, ["good", "cut", "absent"])
    assert len(problems) == 1 and str(cut) in problems[0] and "not valid JSON" in problems[0]
    assert cut.read_text() == '{"version": 2, "result_columns": ["res'


class _InterruptedOutput:
    """asv's output as release-check reads it: Ctrl-C arrives after the first line; asv then says it stops."""

    def __init__(self):
        self.items = ["round 1 done\n", KeyboardInterrupt, "saving results\n", "stopped\n"]

    def __iter__(self):
        return self

    def __next__(self):
        if not self.items:
            raise StopIteration
        item = self.items.pop(0)
        if item is KeyboardInterrupt:
            raise KeyboardInterrupt
        return item


class _FakeAsvPiped(_FakeAsv):
    def __init__(self, cmd, **kwargs):
        super().__init__(cmd, **kwargs)
        self.stdout = _InterruptedOutput()

    def wait(self, timeout=None):
        self.waits += 1
        return -2


def test_release_check_lets_asv_stop_and_reads_its_last_output(monkeypatch, tmp_path, capsys):
    """Ctrl-C during release-check's asv run: asv is not killed and its output is still read (a closed pipe
    would kill it while saving); the run returns INTERRUPTED, so the check still writes a report (exit 2)."""
    _FakeAsv.instances.clear()
    monkeypatch.setattr(subprocess, "Popen", _FakeAsvPiped)
    rc, tail = asvenv.run_asv(["run", "HEAD^!"], cwd=tmp_path)
    (proc,) = _FakeAsv.instances
    assert rc == asvenv.INTERRUPTED and not proc.killed
    assert tail[:3] == ["round 1 done", "saving results", "stopped"] and "interrupted" in tail[-1]
