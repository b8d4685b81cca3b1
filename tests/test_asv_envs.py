"""End to end with asv: a matrix environment really holds the Numba its name says, and ``kbench run`` files
results without overwriting them.

Slow: building an environment downloads Numba, llvmlite, NumPy and SciPy from PyPI (about a minute per
environment). One environment by default (the oldest Numba: the one pip would most like to replace);
``KBENCH_ALL_ENVS=1`` builds all of them. Everything happens in a temporary folder: a copy of asv.conf.json
pointing at this repository, a two-benchmark suite, its own env, results and html folders, and its own
HOME (asv keeps its machine list there).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("asv")
pytest.importorskip("virtualenv")

from asv import config as asv_config  # noqa: E402
from asv import environment as asv_environment  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ALL_ENVS = os.environ.get("KBENCH_ALL_ENVS", "0") not in ("", "0")
MACHINE = "kbench-asv-env-test"

SCRATCH_BENCHMARKS = '''
import numba
import llvmlite


def _code(version):
    major, minor, patch = (int(p) for p in version.split(".")[:3])
    return major * 10000 + minor * 100 + patch


def track_numba_version():
    return _code(numba.__version__)


def track_llvmlite_version():
    return _code(llvmlite.__version__)


class TimeKernels:
    def setup(self):
        import numpy as np
        import kernels  # the project, as asv installed it

        self.x = np.linspace(0.0, 1.0, 4096)
        target = next(t for t in kernels.targets("sumsq") if t.device == "cpu" and t.jit and t.available)
        self.f = target.build()
        self.f(self.x)

    def time_sumsq(self):
        self.f(self.x)
'''


def _code(version: str) -> int:
    major, minor, patch = (int(p) for p in version.split(".")[:3])
    return major * 10000 + minor * 100 + patch


def _matrix_requirements():
    conf = asv_config.Config.load(str(ROOT / "asv.conf.json"))
    reqs = []
    for entries in asv_environment.iter_matrix(conf.environment_type, conf.pythons, conf):
        reqs.append(asv_environment._parse_matrix_entries(entries)[1])
    return sorted(reqs, key=lambda r: _code(r["numba"]))


SELECTED = _matrix_requirements() if ALL_ENVS else _matrix_requirements()[:1]


def _write_scratch(folder: Path, repo: Path, benchmark_text: str = SCRATCH_BENCHMARKS) -> Path:
    """A copy of asv.conf.json in ``folder``, benchmarking ``repo`` with the scratch suite."""
    conf = json.loads((ROOT / "asv.conf.json").read_text(encoding="utf-8"))
    conf["repo"] = str(repo)
    bench = folder / "scratch_benchmarks"
    bench.mkdir(parents=True, exist_ok=True)
    (bench / "__init__.py").write_text("")
    (bench / "bench_versions.py").write_text(benchmark_text)
    conf["benchmark_dir"] = str(bench)
    path = folder / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=2))
    # asv adds pyproject.toml's build requirements (setuptools, wheel) to the environments it creates,
    # reading the file next to the configuration
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    return path


def _env(home: Path) -> dict:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env.pop("PYTHONPATH", None)
    return env


def _head(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                          check=True).stdout.strip()


def _package_index_reachable() -> bool:
    """Whether pip can see the Numba releases the matrix needs (an offline GPU box cannot build envs)."""
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "numba"], capture_output=True,
                             text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and all(r["numba"] in out.stdout for r in SELECTED)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the selected matrix environments with asv and run the scratch suite in them."""
    if not _package_index_reachable():
        pytest.skip("the package index is not reachable: matrix environments cannot be built here")
    folder = tmp_path_factory.mktemp("asv-matrix")
    home = folder / "home"
    home.mkdir()
    config_path = _write_scratch(folder, ROOT)
    env = _env(home)
    previous = os.getcwd()
    os.chdir(folder)
    try:
        conf = asv_config.Config.load(str(config_path))
        envs = {e.name: e for e in asv_environment.get_environments(conf, None, verbose=False)}
    finally:
        os.chdir(previous)
    selected = {}
    for reqs in SELECTED:
        (name,) = [n for n, e in envs.items() if e.requirements == reqs]
        selected[name] = (reqs, folder / conf.env_dir / envs[name].dir_name / "bin" / "python")

    subprocess.run([sys.executable, "-m", "asv", "machine", "--machine", MACHINE, "--yes"], cwd=folder, env=env,
                   check=True, capture_output=True)
    cmd = [sys.executable, "-m", "asv", "run", "--config", str(config_path), "--machine", MACHINE,
           "--show-stderr", f"{_head(ROOT)}^!"]
    for name in selected:
        cmd += ["--environment", name]
    out = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=3600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return folder, conf, selected


@pytest.mark.parametrize("reqs", SELECTED, ids=[f"numba{r['numba']}" for r in SELECTED])
def test_environment_holds_the_numba_its_name_says(built, reqs):
    folder, conf, selected = built
    (name,) = [n for n, (r, _) in selected.items() if r == reqs]
    python = selected[name][1]
    assert f"numba{reqs['numba']}" in name and f"llvmlite{reqs['llvmlite']}" in name
    probe = (
        "import json, numba, llvmlite, numpy, importlib.metadata as m, kernels;"
        "print(json.dumps({'numba': numba.__version__, 'llvmlite': llvmlite.__version__,"
        " 'numpy': numpy.__version__, 'project': m.version('numba-kernel-bench')}))"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, cwd=folder, check=True)
    got = json.loads(out.stdout)
    assert got["numba"] == reqs["numba"]
    assert got["llvmlite"] == reqs["llvmlite"]
    assert got["numpy"] == reqs["numpy"]
    assert got["project"]  # the project was installed (without dependencies) next to them

    # and the benchmarks asv ran there saw the same versions
    results = folder / conf.results_dir / MACHINE
    (result_file,) = results.glob(f"*-{name}.json")
    data = json.loads(result_file.read_text())
    assert data["results"]["bench_versions.track_numba_version"][0] == [_code(reqs["numba"])]
    assert data["results"]["bench_versions.track_llvmlite_version"][0] == [_code(reqs["llvmlite"])]


def _key_packages():
    from kbench import machine

    return machine.package_versions()


def test_kbench_run_existing_mode_never_overwrites(tmp_path):
    """``kbench run`` (existing-environment mode) in a scratch clone: a fixed machine name, results filed at
    HEAD under the interpreter-path environment, an environment record, and a second run that changes
    nothing already recorded."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    shutil.copy(ROOT / "asv.conf.json", repo / "asv.conf.json")  # the config under test, committed or not
    bench = repo / "benchmarks"
    if bench.exists():
        shutil.rmtree(bench)
    bench.mkdir()
    (bench / "__init__.py").write_text("")
    (bench / "bench_versions.py").write_text(SCRATCH_BENCHMARKS)
    git = ["git", "-c", "user.name=kbench-test", "-c", "user.email=kbench-test@example.invalid"]
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "scratch suite"], cwd=repo, check=True)
    head = _head(repo)
    home = tmp_path / "home"
    home.mkdir()
    env = _env(home)
    env["PYTHONPATH"] = str(ROOT / "src")  # this checkout's kbench, whatever is installed
    cmd = [sys.executable, "-m", "kbench.cli", "run", "--config", str(repo / "asv.conf.json"), "--machine", "e2e",
           "--bench", "track_", "--no-site"]

    out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]

    from kbench import suite

    folder = repo / "results" / "e2e"
    assert (folder / "machine.json").is_file()
    import numba

    py = f"{sys.version_info[0]}.{sys.version_info[1]}"
    env_name, reqs = suite.canonical_existing_env({"python": {"version": py},
                                                    "packages": json.loads(json.dumps(_key_packages()))})
    # filed under the Python and package versions, not the interpreter's path (the same in every clone folder)
    assert env_name.startswith(f"existing-py{py}-") and f"numba{numba.__version__}" in env_name
    assert str(tmp_path).replace("/", "_") not in env_name and "_" not in env_name.split("-")[1]
    result_file = folder / f"{head[:8]}-{env_name}.json"
    assert result_file.is_file(), sorted(p.name for p in folder.iterdir())
    stored = json.loads(result_file.read_text())
    assert stored["env_name"] == env_name and stored["python"] == py and stored["requirements"] == reqs
    assert not any(p.name.startswith(f"{head[:8]}-existing-py_") for p in folder.iterdir())
    record = json.loads((folder / suite.record_filename(env_name)).read_text())

    assert record["packages"]["numba"] == numba.__version__
    assert record["asv_env_name"] == env_name and record["machine"] == "e2e"

    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert "--skip-existing-successful" in out.stdout
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert before == after

    # a quick run is a smoke test: it goes to its own machine, never into e2e's results
    out = subprocess.run(cmd + ["--quick"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert (repo / "results" / "e2e-quick" / f"{head[:8]}-{env_name}.json").is_file()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    # other packages at the same commit under the same interpreter path: refused, results untouched
    record_path = folder / suite.record_filename(env_name)
    tampered = json.loads(record_path.read_text())
    tampered["packages"]["numba"] = "0.0.1"
    record_path.write_text(json.dumps(tampered))
    out = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 2 and "0.0.1" in out.stderr, out.stdout[-2000:] + out.stderr[-2000:]
    assert result_file.read_bytes() == before[result_file.name]
