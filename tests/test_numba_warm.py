"""The suite sets up Numba's CPU target at import (so asv's forkserver pays it once) without compiling a kernel,
starting a thread pool or touching a GPU."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_suite_initialises_numba_but_compiles_and_launches_nothing():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        from numba.core import event
        with event.install_recorder("numba:compile") as compiles:
            import benchmarks.common, benchmarks.sumsq, benchmarks.compile
        from numba.core.registry import cpu_target
        from numba.np.ufunc import parallel
        from kernels import _registry
        assert not compiles.buffer, "a kernel was compiled at import"
        assert _registry._cached_build.cache_info().currsize == 0, "a target was built at import"
        assert not parallel._is_initialized, "a threading layer was started at import"
        assert cpu_target.target_context._registries, "the CPU target was not set up"
        assert "numba.np.arraymath" in sys.modules
        assert "numba.cuda" not in sys.modules and "cupy" not in sys.modules
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]


def test_the_compile_series_warms_up_once_per_process(monkeypatch):
    sys.path.insert(0, str(ROOT))
    from benchmarks import compile as compile_series

    bench = compile_series.CompileTime()
    calls = []
    monkeypatch.setattr(compile_series.CompileTime, "first_call", lambda self: calls.append(1))
    monkeypatch.setattr(compile_series, "_WARMED", set())
    key = compile_series.jit_targets()[0]
    bench.setup(key, "float64")
    bench.setup(key, "float64")  # asv's setup before the second sample
    assert len(calls) == 1
    bench.setup(key, "float32")
    assert len(calls) == 2
