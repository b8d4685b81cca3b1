"""The threading-layer series' own machinery: a layer is really selected per process, a second one is refused,
TBB is found in a virtualenv, and the interleaved timing ranks a slow call below a fast one."""
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _in_fresh_process(code):
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("layer", ["omp", "workqueue"])
def test_the_requested_layer_runs_and_a_second_is_refused(layer):
    other = "workqueue" if layer == "omp" else "omp"
    proc = _in_fresh_process(f"""
        import numba
        from benchmarks.threading_layers import select_threading_layer
        select_threading_layer({layer!r})
        assert numba.threading_layer() == {layer!r}, numba.threading_layer()
        select_threading_layer({layer!r})  # the same layer again is fine
        try:
            select_threading_layer({other!r})
        except NotImplementedError as exc:
            print("refused:", exc)
        else:
            raise SystemExit("a second layer was accepted in the same process")
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already runs the " + layer in proc.stdout


def test_tbb_layer_loads_when_the_tbb_wheel_is_installed():
    pytest.importorskip("importlib.metadata")
    from importlib import metadata

    try:
        metadata.version("tbb")
    except metadata.PackageNotFoundError:
        pytest.skip("the tbb wheel is not installed here")
    proc = _in_fresh_process("""
        import numba
        from benchmarks.threading_layers import select_threading_layer
        select_threading_layer("tbb")
        print(numba.threading_layer())
    """)
    if "cannot be loaded" in proc.stderr:
        pytest.skip(proc.stderr.strip().splitlines()[-1])  # a tbb release this Numba does not accept
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "tbb"


def test_interleaved_best_ranks_calls_by_their_time():
    from benchmarks.common import interleaved_best

    fast, slow = interleaved_best([lambda: None, lambda: time.sleep(0.002)], rounds=3, min_round_seconds=0.01,
                                  settle_seconds=0.0)
    assert slow >= 0.002 and fast < slow / 10, (fast, slow)
