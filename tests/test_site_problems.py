"""The site names every results file it cannot read (instead of dropping it silently) and shows the history
notes that say how to read a series across a change of the harness."""
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("asv")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kbench import site  # noqa: E402
from test_site import make_fixture  # noqa: E402


def test_damaged_files_are_named_on_the_site_and_the_rest_is_shown(tmp_path, capsys):
    fx = make_fixture(tmp_path)
    results = fx["results"]
    machine_dir = next(p for p in results.iterdir() if (p / "machine.json").is_file())
    victim = next(p for p in sorted(machine_dir.glob("*.json"))
                  if p.name != "machine.json" and not p.name.startswith("environment-"))
    victim.write_text(victim.read_text()[:200])  # cut off, as by a full disk
    report = next((results / "release-checks").glob("*.json"))
    report.write_text("{not json")
    landing = site.build_views(tmp_path / "html", results)
    index = landing.read_text()
    assert victim.name in index and report.name in index and "could not be read" in index
    err = capsys.readouterr().err
    assert victim.name in err and report.name in err
    assert "scaling.html" in index  # everything else is still built


def test_history_notes_are_shown_newest_first(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    notes = [{"commit": "aaaaaaaa1", "date": "2026-11-01", "title": "older", "text": "first change"},
             {"commit": "bbbbbbbb2", "date": "2026-12-01", "title": "newer", "text": "second change"}]
    (results / "history-notes.json").write_text(json.dumps(notes))
    index = site.build_views(tmp_path / "html", results).read_text()
    assert "Reading the history" in index
    assert index.index("second change") < index.index("first change")
    (results / "history-notes.json").write_text('[{"commit": "x"}]')  # no text: refused, and said so
    index = site.build_views(tmp_path / "html", results).read_text()
    assert "Reading the history" not in index and "history-notes.json" in index


def test_the_committed_history_notes_are_valid():
    root = Path(__file__).resolve().parents[1]
    from kbench.site.model import records

    problems = []
    notes = records.load_history_notes(root / "results", problems)
    assert notes and not problems
    for note in notes:  # every note names a commit of this repository's history
        import subprocess

        out = subprocess.run(["git", "cat-file", "-t", note["commit"]], cwd=root, capture_output=True, text=True)
        assert out.stdout.strip() == "commit", note["commit"]


def test_release_check_environments_are_labelled_and_never_open_a_view():
    from kbench.site import model

    side = model.Env(machine="m", files=[], name="virtualenv-py3.11-llvmlite0.50.0-numba0.68.1-numpy2.4.6-"
                                                    "scipy1.17.1-KBENCH_CHECK20261202T052844Z-baseline")
    plain = model.Env(machine="m", files=[], name="existing-py3.11-llvmlite0.50.0-numba0.68.1-numpy2.4.6")
    assert side.release_check and not plain.release_check
    assert "release check 20261202T052844Z, baseline" in side.label and "release check" not in plain.label


def test_a_release_check_side_at_a_newer_commit_does_not_open_the_views():
    """A release check's side measured at a newer commit than the last full run still comes after every
    regular run (it holds a selection, often two sizes of a series); among regular runs the newest commit
    comes first, and the sides are still listed, newest first, after them."""
    from types import SimpleNamespace

    from kbench.site import model

    name = "matmul.Matmul.time_kernel"

    def env(env_name, numba, date, started):
        rf = SimpleNamespace(values={name: [object()]}, date=date, started=started, params={"numba": numba})
        return model.Env(machine="m", files=[rf], name=env_name)

    full_old = env("virtualenv-py3.11-numba0.68.1", "0.68.1", date=100, started=1)
    full_new = env("existing-py3.11-numba0.68.1", "0.68.1", date=200, started=2)
    side_new = env("virtualenv-py3.11-numba0.67.0-KBENCH_CHECK20261207T193604Z-baseline", "0.67.0", date=300,
                   started=3)
    side_newer = env("virtualenv-py3.11-numba0.68.1-KBENCH_CHECK20261207T212746Z-candidate", "0.68.1", date=400,
                     started=4)
    machine = model.Machine(name="m", info={}, path=None, records={},
                            envs={e.name: e for e in (side_newer, full_old, side_new, full_new)})
    order = model.envs_newest_commit_first(machine, [name])
    assert order == [full_new, full_old, side_newer, side_new]
    only_sides = model.Machine(name="m", info={}, path=None, records={},
                               envs={e.name: e for e in (side_new, side_newer)})
    assert model.envs_newest_commit_first(only_sides, [name]) == [side_newer, side_new]  # still shown
    assert model.envs_newest_commit_first(machine, ["sumsq.SumSquares.time_kernel"]) == []
