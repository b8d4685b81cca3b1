"""The asv suite itself: ``asv check`` passes, importing it touches no GPU, and every benchmark runs once
(``--quick``) in the existing environment without an error, with at least one real measurement each family.

The run goes to a temporary results folder, so the repository's results/ is never touched.
"""
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
asv = pytest.importorskip("asv")


@pytest.fixture(scope="module")
def asv_config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("asv")
    conf = json.loads((ROOT / "asv.conf.json").read_text())
    conf.update(repo=str(ROOT), benchmark_dir=str(ROOT / "benchmarks"), results_dir=str(tmp / "results"),
                html_dir=str(tmp / "html"), env_dir=str(tmp / "env"),
                # a pull-request or feature-branch checkout has no local "main"; asv only needs a branch name
                branches=["HEAD"])
    path = tmp / "asv.conf.json"
    path.write_text(json.dumps(conf))
    return path


def _asv(config, *args, timeout=3600):
    cmd = [sys.executable, "-m", "asv", *args, "--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=config.parent)


def test_importing_the_suite_touches_no_gpu():
    code = textwrap.dedent("""
        import sys, importlib, pkgutil
        sys.path.insert(0, %r)
        import benchmarks
        for m in pkgutil.iter_modules(benchmarks.__path__):
            importlib.import_module("benchmarks." + m.name)
        bad = [m for m in ("numba.cuda", "numba_cuda", "cupy") if m in sys.modules]
        assert not bad, bad
        from kernels import _registry
        assert _registry._cached_build.cache_info().currsize == 0, "a kernel was built at import"
    """) % str(ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_asv_check(asv_config):
    proc = _asv(asv_config, "check", "-E", f"existing:{sys.executable}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout, proc.stdout


def test_every_benchmark_runs_once(asv_config):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert head, "needs a git checkout with a commit"
    machine = "ci-smoke"
    proc = _asv(asv_config, "machine", "--yes", "--machine", machine)
    assert proc.returncode == 0, proc.stderr
    proc = _asv(asv_config, "run", "--quick", "--show-stderr", "-E", f"existing:{sys.executable}",
                "--machine", machine, "--set-commit-hash", head)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    files = [p for p in (asv_config.parent / "results" / machine).glob("*.json") if p.name != "machine.json"]
    assert len(files) == 1, files
    data = json.loads(files[0].read_text())
    column = data["result_columns"].index("result")
    failed, measured, benchmarks = [], {}, 0
    for name, row in data["results"].items():
        benchmarks += 1
        values = row[column] if isinstance(row[column], list) else [row[column]]
        failed += [name for v in values if v is None]
        family = name.split(".")[0]
        measured[family] = measured.get(family, 0) + sum(1 for v in values if v is not None and not math.isnan(v))
    assert benchmarks > 0, "no benchmark ran"
    assert not failed, f"benchmarks failed: {sorted(set(failed))}\n{proc.stdout[-3000:]}"
    # every benchmark module (helpers such as common.py and _callgrind.py hold no benchmark)
    modules = {p.stem for p in (ROOT / "benchmarks").glob("*.py") if p.stem != "common" and not p.stem.startswith("_")}
    gpu_only = {"gpu_efficiency"}  # every case needs a GPU: n/a (skipped, never failed) elsewhere
    measured_modules = {f for f, n in measured.items() if n > 0}
    assert measured_modules >= modules - gpu_only, measured
    if not _has_gpu():
        assert not measured_modules & gpu_only, "a GPU-only benchmark produced a number without a GPU"


def _has_gpu():
    sys.path.insert(0, str(ROOT / "src"))
    import kernels

    return kernels.have_cuda()[0] or kernels.have_cupy()[0]


def test_a_layout_limit_skips_only_that_layout():
    sys.path.insert(0, str(ROOT))
    import kernels
    from benchmarks import sumsq

    bench, target = sumsq.SumSquares(), kernels.get_target("sumsq", "jit")
    assert "strided inputs on CPU targets stop at size 10000000" in bench.skip_reason(target, 10**8, "float64", "strided")
    assert bench.skip_reason(target, 10**8, "float64", "contiguous") == ""
    assert bench.skip_reason(target, 10**7, "float64", "strided") == ""
    assert "CPU targets stop at 100000000" in bench.skip_reason(target, 10**9, "float64", "contiguous")
