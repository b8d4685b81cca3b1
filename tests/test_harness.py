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
