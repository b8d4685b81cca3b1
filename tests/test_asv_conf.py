"""asv.conf.json: only keys asv knows, a real Numba/llvmlite matrix, installs that cannot swap Numba.

The set of known keys is read from asv itself: the attributes its ``Config`` object starts with, the
``version`` stamp ``Config.load`` checks, and every attribute asv's own code reads off a config object
(``conf.<name>`` or ``getattr(conf, "<name>")``), found by parsing asv's installed sources.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

asv = pytest.importorskip("asv")
from asv import config as asv_config  # noqa: E402
from asv import environment as asv_environment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONF_PATH = ROOT / "asv.conf.json"

# Newest patch of each Numba minor series from 0.58 on (every one that installs on Python 3.11 from wheels),
# with the llvmlite each one is built against and the newest NumPy it accepts (pip's answer for numba==X).
EXPECTED_PAIRS = {"0.58.1": "0.41.1", "0.59.1": "0.42.0", "0.60.0": "0.43.0", "0.61.2": "0.44.0",
                  "0.62.1": "0.45.1", "0.63.1": "0.46.0", "0.64.0": "0.46.0", "0.65.1": "0.47.0",
                  "0.66.0": "0.48.0", "0.67.0": "0.49.0", "0.68.1": "0.50.0"}
EXPECTED_NUMPY = {"0.58.1": "1.26.4", "0.59.1": "1.26.4", "0.60.0": "2.0.2", "0.61.2": "2.2.6",
                  "0.62.1": "2.3.5", "0.63.1": "2.3.5", "0.64.0": "2.4.6", "0.65.1": "2.4.6",
                  "0.66.0": "2.4.6", "0.67.0": "2.4.6", "0.68.1": "2.4.6"}

# names asv's code uses for a config object
_CONF_NAMES = {"conf", "config", "_conf", "_config"}


def _is_conf_expr(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _CONF_NAMES
    if isinstance(node, ast.Attribute):  # self.conf, self._config, ...
        return node.attr in _CONF_NAMES
    return False


def _keys_read_by_asv_source() -> set:
    keys = set()
    package_dir = Path(asv.__file__).parent
    for path in package_dir.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}  # conf.method(...) is no key
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _is_conf_expr(node.value) and isinstance(node.ctx, ast.Load)
                    and id(node) not in called):
                keys.add(node.attr)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr")
                  and len(node.args) >= 2 and _is_conf_expr(node.args[0])
                  and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
                keys.add(node.args[1].value)
    # methods and class attributes of Config are not file keys
    # methods and class attributes of Config, and names of the asv.config module ("config.Config"), are no keys
    return {
        k for k in keys
        if not k.startswith("_") and not callable(getattr(asv_config.Config, k, None)) and not hasattr(asv_config, k)
    }


def known_keys() -> set:
    defaults = set(vars(asv_config.Config()))
    stamp = {"version"} if hasattr(asv_config.Config, "api_version") else set()
    return defaults | stamp | _keys_read_by_asv_source()


@pytest.fixture(scope="module")
def raw():
    # plain JSON (no comments), so tools other than asv can read it too
    with open(CONF_PATH, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def conf():
    return asv_config.Config.load(str(CONF_PATH))


def test_known_keys_derivation_sees_what_asv_reads():
    keys = known_keys()
    # sanity of the derivation itself: a default, a key only read through getattr, the file stamp
    assert {"matrix", "launch_method", "regressions_thresholds"} <= keys
    assert "build_cache_size" in keys
    assert "version" in keys
    assert "load" not in keys and "from_json" not in keys
    # easy misspellings asv would silently ignore are caught
    assert not {"regression_thresholds", "wheel_cache", "launch-method", "python"} & keys


def test_every_key_is_known_to_asv(raw):
    unknown = sorted(set(raw) - known_keys())
    assert not unknown, f"keys asv does not know: {unknown}"


def test_asv_loads_the_config(conf, raw):
    assert raw["version"] == asv_config.Config.api_version
    assert conf.repo == "."
    assert conf.branches == ["main"]
    assert conf.environment_type == "virtualenv"
    assert conf.dvcs in (None, "git")


def test_layout(raw):
    assert raw["results_dir"] == "results"
    assert raw["html_dir"] == "html"
    assert raw["env_dir"] == ".asv/env"
    assert raw["benchmark_dir"] == "benchmarks"
    assert "pythons" not in raw, "the Python is the one running asv unless a run asks for another"
    assert raw["show_commit_url"] == "https://github.com/numba-kernel-bench/numba-kernel-bench/commit/"
    assert isinstance(raw["build_cache_size"], int) and raw["build_cache_size"] >= 1


def _git_ignored(path: str) -> bool:
    out = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, capture_output=True)
    if out.returncode not in (0, 1):
        pytest.skip(f"git check-ignore failed: {out.stderr.decode(errors='replace')}")
    return out.returncode == 0


def test_html_and_env_dirs_are_git_ignored(raw):
    assert _git_ignored(raw["html_dir"] + "/index.html")
    assert _git_ignored(raw["env_dir"] + "/x/bin/python")


def test_results_are_not_git_ignored(raw):
    assert not _git_ignored(raw["results_dir"] + "/some-machine/machine.json")


def test_launch_method_is_cuda_safe(raw):
    # Forking a process that has initialised CUDA is unsafe. asv's forkserver forks each benchmark from a
    # server that has only *imported* the suite, and importing it initialises no GPU (checked by
    # tests/test_benchmarks_run.py::test_importing_the_suite_touches_no_gpu), so every child initialises CUDA
    # itself, after the fork. spawn would be safe too, but costs a fresh interpreter and a Numba import for
    # each of the suite's ~2000 parameter sets.
    assert raw["launch_method"] in ("forkserver", "spawn")


def _matrix_envs(conf):
    envs = []
    for entries in asv_environment.iter_matrix(conf.environment_type, conf.pythons, conf):
        _python, reqs, _env_vars = asv_environment._parse_matrix_entries(entries)
        envs.append(reqs)
    return envs


def test_matrix_pairs_each_numba_with_its_llvmlite(conf):
    envs = _matrix_envs(conf)
    pairs = {reqs["numba"]: reqs["llvmlite"] for reqs in envs}
    assert len(envs) == len(EXPECTED_PAIRS), envs
    assert pairs == EXPECTED_PAIRS


def test_matrix_is_ten_or_more_consecutive_minor_series(conf):
    minors = sorted(int(v.split(".")[1]) for v in {r["numba"] for r in _matrix_envs(conf)})
    assert len(minors) >= 10
    assert minors == list(range(minors[0], minors[0] + len(minors))), "consecutive minor series"


def test_matrix_pins_numpy_and_scipy(conf):
    envs = _matrix_envs(conf)
    assert {reqs["numba"]: reqs["numpy"] for reqs in envs} == EXPECTED_NUMPY
    for reqs in envs:
        assert reqs.get("scipy"), reqs


def test_the_first_numpy_of_the_matrix_is_the_newest(raw):
    """Release checks pin every side to the first NumPy of the matrix and let pip relax it only when that
    Numba refuses it, so the first must be the newest (an older one would be kept for new releases)."""
    from packaging.version import Version
    numpys = raw["matrix"]["req"]["numpy"]
    assert numpys[0] == str(max(Version(v) for v in numpys))


def test_env_names_say_which_numba(conf):
    for reqs in _matrix_envs(conf):
        name = asv_environment.get_env_name("virtualenv", "3.11", reqs, {})
        assert f"numba{reqs['numba']}" in name
        assert f"llvmlite{reqs['llvmlite']}" in name


def _commands(raw, key):
    value = raw[key]
    return value if isinstance(value, list) else [value]


def test_build_and_install_never_resolve_dependencies(raw):
    builds = _commands(raw, "build_command")
    installs = _commands(raw, "install_command")
    assert builds and installs
    for cmd in builds + installs:
        if "pip" in cmd and ("install" in cmd or "wheel" in cmd):
            assert "--no-deps" in cmd, cmd
    assert any("{build_cache_dir}" in c for c in builds), "the wheel goes to asv's build cache"
    assert any("{wheel_file}" in c for c in installs)
    # building without isolation uses the environment's setuptools and wheel, which asv installs from
    # pyproject.toml's [build-system] requires
    assert any("--no-build-isolation" in c for c in builds)


def test_build_requirements_reach_the_environment(conf, monkeypatch):
    """The no-isolation build needs setuptools and wheel in each environment: asv adds pyproject.toml's
    build-system requirements to every environment it creates."""
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as fh:
        requires = tomllib.load(fh)["build-system"]["requires"]
    assert any(r.startswith("setuptools") for r in requires)
    assert "wheel" in requires
    monkeypatch.chdir(ROOT)
    envs = list(asv_environment.get_environments(conf, None, verbose=False))
    assert envs
    for env in envs:
        base = env._base_requirements
        for req in requires:
            assert f"pip+{req}" in base, (env.name, sorted(base))


def test_regression_settings(raw):
    thresholds = raw["regressions_thresholds"]
    assert thresholds[".*"] == pytest.approx(0.05)
    for regex, value in thresholds.items():
        re.compile(regex)
        # hand-written classes stay below 100 %; measured entries (kbench power --update-config) can be far above
        # it for a set whose rounds spread widely: one run per commit cannot see a step there
        assert 0 < float(value) < (float("inf") if regex.startswith("^") else 1), (regex, value)
    first = raw["regressions_first_commits"]
    for regex, commit in first.items():
        re.compile(regex)
        if commit is None:
            continue
        out = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True)
        if out.returncode != 0 and os.path.exists(ROOT / ".git" / "shallow"):
            pytest.skip("shallow clone: older commits are not available")
        assert out.returncode == 0, f"regressions_first_commits names an unknown commit {commit}"
