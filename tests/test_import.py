"""``import kernels`` compiles nothing, touches no GPU and needs neither CUDA nor CuPy."""
import os
import subprocess
import sys
import textwrap


def _run(code, env=None):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_compiles_nothing_and_loads_no_gpu_library():
    out = _run("""
        import sys
        import kernels
        from kernels import _registry
        assert _registry._cached_build.cache_info().currsize == 0, "a target was built at import"
        for mod in ("numba.cuda", "numba_cuda", "cupy"):
            assert mod not in sys.modules, mod + " imported by 'import kernels'"
        # no Numba dispatcher anywhere in the package has compiled a signature
        import numba
        from numba.core.registry import CPUDispatcher
        for name in kernels.families():
            module = kernels.family(name).module
            for value in vars(module).values():
                if isinstance(value, CPUDispatcher):
                    assert not value.signatures, value
        print(len(list(kernels.targets())))
    """)
    assert int(out) > 30


def test_gpu_target_without_gpu_raises_a_clear_error():
    out = _run("""
        import kernels
        t = kernels.get_target("matmul", "cupy")
        ok, why = t.availability()
        if ok:
            print("has-gpu")
        else:
            try:
                t.build()
            except kernels.TargetUnavailable as exc:
                assert "matmul.cupy" in str(exc) and why in str(exc), exc
                print("clear")
    """)
    assert out.strip() in ("clear", "has-gpu")


def test_on_disk_cache_keeps_one_entry_per_target(tmp_path):
    # serial and parallel targets compile the same Python function; Numba's cache must not hand one the other's
    code = """
        import numpy as np, kernels
        kernels.use_disk_cache()
        x = np.arange(1000.0)
        jit, par = kernels.get("sumsq", "jit"), kernels.get("sumsq", "jit_parallel")
        assert jit(x) == par(x) == float(x @ x)
        print(sum(jit.kernel.stats.cache_hits.values()), sum(par.kernel.stats.cache_hits.values()),
              jit.kernel.targetoptions.get("parallel", False), par.kernel.targetoptions.get("parallel"))
        fresh = kernels.get_target("sumsq", "jit").build(fresh=True)
        fresh(x)
        assert sum(fresh.kernel.stats.cache_hits.values()) == 0, "a fresh build used the cache"
    """
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    first = _run(code, env)
    second = _run(code, env)
    assert first.split() == ["0", "0", "False", "True"]
    assert second.split() == ["1", "1", "False", "True"], "the second process should load both from the cache"
    names = sorted(p.name for p in tmp_path.rglob("*.nbi"))
    assert any("loop__jit-" in n or "loop__jit." in n for n in names) and any("loop__jit_parallel" in n for n in names), names


def test_a_machine_without_a_cuda_driver_is_answered_without_importing_numba_cuda():
    # the suite asks in every one of its hundreds of processes: the answer must not cost a numba.cuda import
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_ENABLE_CUDASIM", "NUMBA_CUDA_DRIVER")}
    out = _run("""
        import sys
        from kernels import _platform
        if _platform.cuda_driver_library():
            print("driver present")
        else:
            ok, why = _platform.have_cuda()
            assert not ok and "no CUDA driver library" in why, why
            assert "numba.cuda" not in sys.modules, "numba.cuda was imported to find out"
            print("answered early")
    """, env=env)
    assert out.strip() in ("driver present", "answered early")
    if out.strip() == "answered early":
        simulated = _run("""
            import kernels
            print(kernels.have_cuda()[0])
        """, env=dict(env, NUMBA_ENABLE_CUDASIM="1"))
        assert simulated.strip() == "True", "the simulator needs no driver"
