"""``import kernels`` compiles nothing, touches no GPU and needs neither CUDA nor CuPy."""
import subprocess
import sys
import textwrap


def _run(code):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
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
            module = kernels.family_module(name)
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
