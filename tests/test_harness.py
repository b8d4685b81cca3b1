"""The harness pins: asv and asv_runner ranges, the constraint asv's environments get, the versions recorded."""
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kbench import harness, machine, suite  # noqa: E402


def _bench_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {Requirement(r).name.replace("-", "_"): Requirement(r) for r in data["project"]["optional-dependencies"]["bench"]}


def test_asv_and_asv_runner_are_pinned_to_ranges_with_an_upper_bound():
    reqs = _bench_requirements()
    for name in ("asv", "asv_runner"):
        spec = reqs[name].specifier
        assert any(s.operator == "<" for s in spec), f"{name} has no upper bound: {spec}"
        assert any(s.operator == ">=" for s in spec), f"{name} has no lower bound: {spec}"
    assert reqs["asv_runner"].specifier.contains("0.2.5") and reqs["asv_runner"].specifier.contains("0.3.2")


def test_the_environments_asv_builds_get_the_same_asv_runner_range():
    constraints = [Requirement(line) for line in (ROOT / harness.CONSTRAINTS_NAME).read_text().splitlines()
                   if line.strip() and not line.startswith("#")]
    runner = {r.name.replace("-", "_"): r for r in constraints}["asv_runner"]
    assert runner.specifier == _bench_requirements()["asv_runner"].specifier
    env = harness.asv_subprocess_env(str(ROOT), {"PATH": "/bin"})
    assert env["PIP_CONSTRAINT"] == str(ROOT / harness.CONSTRAINTS_NAME)
    kept = harness.asv_subprocess_env(str(ROOT), {"PIP_CONSTRAINT": "/tmp/mine.txt"})
    assert kept["PIP_CONSTRAINT"].split() == ["/tmp/mine.txt", str(ROOT / harness.CONSTRAINTS_NAME)]


def test_the_environment_record_names_the_harness_versions():
    record = {"packages": machine.package_versions()}
    versions = suite.harness_versions(record)
    assert re.fullmatch(r"0\.6\.\d+", versions["asv"]), versions
    assert re.fullmatch(r"0\.[23]\.\d+", versions["asv_runner"]), versions


def test_the_asv_machine_entry_is_complete(monkeypatch, tmp_path):
    """asv 0.6's `asv machine --machine NEW --yes` saves the name alone; kbench's entry has asv's defaults."""
    import json

    from asv import machine as asv_machine

    path = tmp_path / "asv-machine.json"
    monkeypatch.setattr(asv_machine.MachineCollection, "get_machine_file_path", staticmethod(lambda: str(path)))
    defaults = asv_machine.Machine.get_defaults()
    assert harness.ensure_asv_machine("new-box") == "new-box"
    entry = json.loads(path.read_text())["new-box"]
    assert entry["machine"] == "new-box" and all(entry[k] == defaults[k] for k in ("cpu", "os", "ram", "arch"))
    path.write_text(json.dumps({"version": 1, "thin": {"machine": "thin"},
                                "kept": dict(defaults, machine="kept", cpu="my own words")}))
    harness.ensure_asv_machine("thin")
    harness.ensure_asv_machine("kept")
    data = json.loads(path.read_text())
    assert data["thin"]["cpu"] == defaults["cpu"] and data["thin"]["num_cpu"] == defaults["num_cpu"]
    assert data["kept"]["cpu"] == "my own words"  # what is there is never replaced
