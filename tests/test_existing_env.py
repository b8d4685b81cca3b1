"""Existing-environment results are filed under the Python and package versions, not the interpreter path."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kbench import suite  # noqa: E402

pytest.importorskip("asv")

RECORD = {"python": {"version": "3.11.9"},
          "packages": {"numba": "0.68.1", "llvmlite": "0.50.0", "numpy": "2.4.6", "scipy": "1.17.1",
                       "numba-cuda": None, "cupy": None, "asv": "0.6.6"}}


def test_the_name_depends_on_versions_only():
    name, reqs = suite.canonical_existing_env(RECORD)
    assert name == "existing-py3.11-llvmlite0.50.0-numba0.68.1-numpy2.4.6-scipy1.17.1"
    assert reqs == {"numba": "0.68.1", "llvmlite": "0.50.0", "numpy": "2.4.6", "scipy": "1.17.1"}
    other = json.loads(json.dumps(RECORD))
    other["packages"]["numba"] = "0.67.0"
    assert suite.canonical_existing_env(other)[0] != name


def _asv_file(folder, commit, env_name, python, results):
    data = {"commit_hash": commit, "env_name": env_name, "date": 1, "python": python, "requirements": {},
            "env_vars": {}, "version": 2, "result_columns": ["result"], "results": results,
            "params": {"machine": "m", "python": python}, "durations": {}}
    path = folder / f"{commit[:8]}-{env_name}.json"
    path.write_text(json.dumps(data))
    return path


def test_asvs_file_is_adopted_and_staged_back_without_loss(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    commit = "0123456789abcdef"
    python = "/some/clone/.venv/bin/python"
    asv_name = "existing-py_some_clone_.venv_bin_python"
    canon, reqs = suite.canonical_existing_env(RECORD)
    _asv_file(folder, commit, asv_name, python, {"a.time_x": [1.0]})

    path = suite.adopt_existing_results(str(tmp_path), "m", commit, asv_name, canon, reqs, "3.11")
    assert path == str(folder / f"{commit[:8]}-{canon}.json")
    data = json.loads(Path(path).read_text())
    assert data["env_name"] == canon and data["python"] == "3.11" and data["requirements"] == reqs
    assert data["params"]["numba"] == "0.68.1" and data["results"] == {"a.time_x": [1.0]}
    assert sorted(p.name for p in folder.iterdir()) == [Path(path).name]

    # the next run (from another clone folder): asv gets the filed results under its own name, adds to them
    other_python, other_asv = "/elsewhere/.venv/bin/python", "existing-py_elsewhere_.venv_bin_python"
    suite.stage_existing_results(str(tmp_path), "m", commit, canon, other_asv, other_python)
    staged = json.loads((folder / f"{commit[:8]}-{other_asv}.json").read_text())
    assert staged["env_name"] == other_asv and staged["results"] == {"a.time_x": [1.0]}
    staged["results"]["a.time_y"] = [2.0]  # what asv would add
    (folder / f"{commit[:8]}-{other_asv}.json").write_text(json.dumps(staged))
    suite.adopt_existing_results(str(tmp_path), "m", commit, other_asv, canon, reqs, "3.11")
    data = json.loads(Path(path).read_text())
    assert data["results"] == {"a.time_x": [1.0], "a.time_y": [2.0]} and data["env_name"] == canon
    assert sorted(p.name for p in folder.iterdir()) == [Path(path).name]


def test_an_unchanged_file_is_not_rewritten_and_two_copies_are_refused(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    commit, asv_name, python = "fedcba9876543210", "existing-py_x_python", "/x/python"
    canon, reqs = suite.canonical_existing_env(RECORD)
    _asv_file(folder, commit, asv_name, python, {"a.time_x": [1.0]})
    path = Path(suite.adopt_existing_results(str(tmp_path), "m", commit, asv_name, canon, reqs, "3.11"))
    stamp = path.stat().st_mtime_ns
    suite.stage_existing_results(str(tmp_path), "m", commit, canon, asv_name, python)
    suite.adopt_existing_results(str(tmp_path), "m", commit, asv_name, canon, reqs, "3.11")
    assert path.stat().st_mtime_ns == stamp
    _asv_file(folder, commit, asv_name, python, {"a.time_z": [3.0]})
    with pytest.raises(ValueError, match="both"):
        suite.stage_existing_results(str(tmp_path), "m", commit, canon, asv_name, python)
    assert json.loads(path.read_text())["results"] == {"a.time_x": [1.0]}
