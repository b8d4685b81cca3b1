"""Environment records are compared by content: the order threadpoolctl lists the loaded libraries in (load
order, which can flip between two runs of one environment) never makes a record count as changed."""
import json
import sys
import types

from kbench import machine, suite

GOMP = {"user_api": "openmp", "internal_api": "openmp", "version": None, "num_threads": 2,
        "threading_layer": None, "architecture": None, "filepath": "/x/scipy.libs/libgomp.so.1"}
SCIPY_BLAS = {"user_api": "blas", "internal_api": "openblas", "version": "0.3.29", "num_threads": 2,
              "threading_layer": "pthreads", "architecture": "SkylakeX",
              "filepath": "/x/scipy_openblas32.libs/libscipy_openblas.so"}
OTHER_BLAS = {"user_api": "blas", "internal_api": "mkl", "version": "2024.1", "num_threads": 2,
              "threading_layer": "intel", "architecture": None, "filepath": "/opt/intel/libmkl_rt.so"}


def _record(libraries):
    return {"collected_at": "t0", "packages": {"numba": "0.68.1"}, "asv_env_name": "existing-py_x",
            "blas": {"source": "threadpoolctl", "name": "openblas", "libraries": list(libraries)}}


def test_record_with_libraries_in_another_load_order_is_unchanged(tmp_path):
    first = _record([SCIPY_BLAS, GOMP])
    assert "new" in suite.write_record(str(tmp_path), "m", "existing-py_x", first)
    path = tmp_path / "m" / "environment-existing-py_x.json"
    before = path.read_bytes()
    swapped = dict(_record([GOMP, SCIPY_BLAS]), collected_at="t1")
    assert "unchanged" in suite.write_record(str(tmp_path), "m", "existing-py_x", swapped)
    assert path.read_bytes() == before
    assert not (tmp_path / "m" / "environment-existing-py_x.history.jsonl").exists()
    # a real change still counts
    changed = _record([SCIPY_BLAS, dict(GOMP, num_threads=8)])
    assert "updated" in suite.write_record(str(tmp_path), "m", "existing-py_x", changed)
    history = (tmp_path / "m" / "environment-existing-py_x.history.jsonl").read_text().splitlines()
    assert len(history) == 1 and json.loads(history[0])["blas"]["libraries"] == [SCIPY_BLAS, GOMP]


def _blas_info_with(monkeypatch, pools):
    fake = types.ModuleType("threadpoolctl")
    fake.threadpool_info = lambda: [dict(p) for p in pools]
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    return machine.blas_info()


def test_blas_info_does_not_depend_on_load_order(monkeypatch):
    pools = [GOMP, SCIPY_BLAS, OTHER_BLAS]
    one = _blas_info_with(monkeypatch, pools)
    other = _blas_info_with(monkeypatch, pools[::-1])
    assert one == other
    # no BLAS under numpy's folder here: the main one is chosen by the fixed order, not whichever loaded first
    assert (one["name"], one["version"]) == ("mkl", "2024.1")
    assert [(lib["user_api"], lib["internal_api"]) for lib in one["libraries"]] == [
        ("blas", "mkl"), ("blas", "openblas"), ("openmp", "openmp")]
