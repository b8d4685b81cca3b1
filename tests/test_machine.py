"""``kbench info`` / kbench.machine.collect(): shape of the record, CLI output, and no crash without a GPU,
without numba-cuda or CuPy, or under the CUDA simulator."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import types

import numba
import numpy
import pytest

from kbench import machine

TOP_KEYS = {
    "schema": int,
    "collected_at": str,
    "hostname": str,
    "os": str,
    "cpu": dict,
    "memory_bytes": (int, type(None)),
    "python": dict,
    "packages": dict,
    "numba": dict,
    "blas": dict,
    "env": dict,
    "gpus": list,
    "gpu_reason": (str, type(None)),
    "cuda": dict,
    "errors": dict,
}


def _run(args, **env):
    full_env = dict(os.environ)
    full_env.update(env)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, timeout=300)


def _gpu_present() -> bool:
    if machine._simulator_enabled():
        return False
    return bool(machine.gpu_info()["gpus"])


@pytest.fixture(scope="module")
def info():
    return machine.collect()


def test_collect_keys_and_types(info):
    for key, kind in TOP_KEYS.items():
        assert key in info, key
        assert isinstance(info[key], kind), (key, type(info[key]))
    assert info["schema"] == machine.SCHEMA_VERSION
    json.dumps(info)  # JSON-able as is


def test_cpu_and_python(info):
    cpu = info["cpu"]
    assert isinstance(cpu["model"], str) and cpu["model"]
    assert isinstance(cpu["logical_cores"], int) and cpu["logical_cores"] >= 1
    assert 1 <= cpu["usable_cores"] <= cpu["logical_cores"]
    assert info["python"]["version"] == platform.python_version()
    assert info["python"]["executable"] == sys.executable


def test_package_versions_are_the_imported_ones(info):
    pk = info["packages"]
    assert pk["numpy"] == numpy.__version__
    assert pk["numba"] == numba.__version__
    import llvmlite

    assert pk["llvmlite"] == llvmlite.__version__
    for name in ("scipy", "numba-cuda", "cupy"):
        assert name in pk and (pk[name] is None or isinstance(pk[name], str))


def test_numba_threads(info):
    nb = info["numba"]
    assert nb["NUMBA_NUM_THREADS"] == numba.config.NUMBA_NUM_THREADS
    assert nb["num_threads"] == numba.get_num_threads()
    if numba.config.DISABLE_JIT:
        assert nb["threading_layer"] is None and nb["threading_layer_note"]
    else:
        assert nb["threading_layer"] in ("tbb", "omp", "workqueue")


def test_blas(info):
    blas = info["blas"]
    assert blas["source"] in ("threadpoolctl", "numpy.show_config")
    assert isinstance(blas["libraries"], list)
    assert blas["num_threads"] is None or (isinstance(blas["num_threads"], int) and blas["num_threads"] >= 1)


def test_env_vars_are_selected(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("NUMBA_OPT", "2")
    monkeypatch.setenv("SOMETHING_ELSE", "x")
    env = machine.env_vars()
    assert env["OMP_NUM_THREADS"] == "3" and env["NUMBA_OPT"] == "2"
    assert "SOMETHING_ELSE" not in env


def test_blas_threads_from_env(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert machine._blas_env_threads("scipy-openblas") == (4, "env:OPENBLAS_NUM_THREADS")
    monkeypatch.setenv("MKL_NUM_THREADS", "6")
    assert machine._blas_env_threads("mkl") == (6, "env:MKL_NUM_THREADS")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.delenv("MKL_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("GOTO_NUM_THREADS", raising=False)
    assert machine._blas_env_threads("openblas")[0] is None


def test_blas_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    blas = machine.blas_info()
    assert blas["source"] == "numpy.show_config"
    assert blas["libraries"] and blas["libraries"][0]["user"] == "numpy"


def test_blas_with_threadpoolctl(monkeypatch):
    fake = types.ModuleType("threadpoolctl")
    fake.threadpool_info = lambda: [
        {"user_api": "openmp", "internal_api": "openmp", "num_threads": 8, "filepath": "/x/libgomp.so"},
        {"user_api": "blas", "internal_api": "openblas", "version": "0.3.30", "num_threads": 5,
         "threading_layer": "pthreads", "architecture": "Haswell", "filepath": "/x/numpy.libs/libscipy_openblas.so"},
    ]
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    blas = machine.blas_info()
    assert blas["source"] == "threadpoolctl"
    assert (blas["name"], blas["version"], blas["num_threads"]) == ("openblas", "0.3.30", 5)
    assert len(blas["libraries"]) == 2


@pytest.mark.parametrize(
    "cc, cores",
    [((6, 0), 64), ((6, 1), 128), ((7, 0), 64), ((7, 5), 64), ((8, 0), 64), ((8, 6), 128), ((8, 9), 128),
     ((9, 0), 128), ((10, 0), 128), ((12, 0), 128), ((99, 9), None), (None, None)],
)
def test_cores_per_sm(cc, cores):
    assert machine.cores_per_sm(cc) == cores


def test_no_numba_cuda_no_cupy(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)

    def missing():
        raise ImportError("not installed (test)")

    monkeypatch.setattr(machine, "_import_numba_cuda", missing)
    monkeypatch.setattr(machine, "_import_cupy", missing)
    gpu = machine.gpu_info()
    assert gpu["gpus"] == []
    assert "numba-cuda" in gpu["gpu_reason"]
    assert gpu["cuda"]["numba_cuda"] is False and gpu["cuda"]["cupy"] is False


def test_driver_failure_does_not_crash(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)

    class BrokenCuda:
        jit = object()

        @staticmethod
        def is_available():
            raise RuntimeError("driver exploded")

    def missing():
        raise ImportError("no cupy")

    monkeypatch.setattr(machine, "_import_numba_cuda", lambda: BrokenCuda)
    monkeypatch.setattr(machine, "_import_cupy", missing)
    gpu = machine.gpu_info()
    assert gpu["gpus"] == [] and "driver exploded" in gpu["gpu_reason"]


class _FakeDevice:
    """Looks like a numba-cuda device: lazy CU_DEVICE_ATTRIBUTE_* names as attributes."""

    id = 0
    name = b"NVIDIA H200"
    compute_capability = (9, 0)
    uuid = "GPU-1234"
    MULTIPROCESSOR_COUNT = 132
    CLOCK_RATE = 1_980_000
    MEMORY_CLOCK_RATE = 3_201_000
    GLOBAL_MEMORY_BUS_WIDTH = 6144
    WARP_SIZE = 32

    def __getattr__(self, attr):  # attributes this driver does not know
        raise AttributeError(attr)


def test_gpu_from_numba_cuda(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    fake_cuda = types.SimpleNamespace(jit=object(), is_available=lambda: True, gpus=[_FakeDevice()])

    def missing():
        raise ImportError("no cupy")

    monkeypatch.setattr(machine, "_import_numba_cuda", lambda: fake_cuda)
    monkeypatch.setattr(machine, "_import_cupy", missing)
    gpu = machine.gpu_info()
    assert gpu["gpu_reason"] is None
    (dev,) = gpu["gpus"]
    assert dev["name"] == "NVIDIA H200"
    assert dev["compute_capability"] == [9, 0]
    assert dev["architecture"] == "Hopper"
    assert dev["multiprocessor_count"] == 132
    assert dev["cores_per_multiprocessor"] == 128
    assert dev["cuda_cores"] == 132 * 128
    assert dev["clock_rate_khz"] == 1_980_000
    assert dev["l2_cache_bytes"] is None  # unknown attribute: None, not a crash
    assert dev["fp32_peak_tflops"] == pytest.approx(2 * 132 * 128 * 1.98e9 / 1e12, rel=1e-2)
    json.dumps(gpu)


def test_gpu_from_cupy_when_numba_cuda_is_missing(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)

    def missing():
        raise ImportError("no numba-cuda")

    runtime = types.SimpleNamespace(
        runtimeGetVersion=lambda: 12080,
        driverGetVersion=lambda: 12090,
        getDeviceCount=lambda: 1,
        getDeviceProperties=lambda i: {"name": b"NVIDIA A100-SXM4-80GB", "major": 8, "minor": 0,
                                       "multiProcessorCount": 108, "clockRate": 1_410_000,
                                       "totalGlobalMem": 80 * 2**30},
    )
    fake_cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setattr(machine, "_import_numba_cuda", missing)
    monkeypatch.setattr(machine, "_import_cupy", lambda: fake_cupy)
    gpu = machine.gpu_info()
    (dev,) = gpu["gpus"]
    assert dev["name"] == "NVIDIA A100-SXM4-80GB" and dev["source"] == "cupy"
    assert dev["cores_per_multiprocessor"] == 64 and dev["cuda_cores"] == 108 * 64
    assert dev["driver_version"] == "12.9" and gpu["cuda"]["runtime_version"] == "12.8"


def test_simulator_is_reported_not_a_gpu(monkeypatch):
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    gpu = machine.gpu_info()
    assert gpu["gpus"] == []
    assert gpu["cuda"]["simulator"] is True
    assert "simulator" in gpu["gpu_reason"]


@pytest.mark.skipif(_gpu_present(), reason="this machine has a GPU")
def test_no_gpu_here_gives_empty_list_and_reason(info):
    assert info["gpus"] == []
    assert isinstance(info["gpu_reason"], str) and info["gpu_reason"]


def test_kbench_info_json_parses():
    out = _run(["-m", "kbench.cli", "info", "--json"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(TOP_KEYS) <= set(data)
    assert data["packages"]["numba"] == numba.__version__


def test_python_m_kbench_machine_json():
    out = _run(["-m", "kbench.machine", "--json"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["python"]["executable"] == sys.executable


def test_kbench_info_human_readable():
    out = _run(["-m", "kbench.cli", "info"])
    assert out.returncode == 0, out.stderr
    for word in ("CPU", "numba", "llvmlite", "threading layer", "BLAS", "GPUs"):
        assert word in out.stdout


def test_kbench_info_under_cuda_simulator():
    out = _run(["-m", "kbench.cli", "info", "--json"], NUMBA_ENABLE_CUDASIM="1")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cuda"]["simulator"] is True
    assert data["gpus"] == [] and "simulator" in data["gpu_reason"]
    assert data["env"]["NUMBA_ENABLE_CUDASIM"] == "1"


def test_kbench_info_with_jit_disabled():
    out = _run(["-m", "kbench.cli", "info", "--json"], NUMBA_DISABLE_JIT="1")
    assert out.returncode == 0, out.stderr
    nb = json.loads(out.stdout)["numba"]
    assert nb["threading_layer"] is None and "DISABLE_JIT" in nb["threading_layer_note"]


def test_default_machine_name_is_stable_and_safe():
    from kbench import suite

    cpu = {"model": "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz", "usable_cores": 16, "logical_cores": 32}
    assert machine.default_machine_name(cpu, [], False) == "cpu-16core-intel-xeon-platinum-8480"
    gpus = [{"name": "NVIDIA H200"}]
    assert machine.default_machine_name(cpu, gpus, False) == "cpu-16core-intel-xeon-platinum-8480-gpu-nvidia-h200"
    assert machine.default_machine_name(cpu, gpus * 2, False).endswith("-gpu-2x-nvidia-h200")
    assert machine.default_machine_name(cpu, [], True).endswith("-cudasim")
    amd = {"model": "AMD EPYC 9654 96-Core Processor", "usable_cores": 8}
    assert machine.default_machine_name(amd, [], False) == "cpu-8core-amd-epyc-9654"
    suite.check_machine_name(machine.default_machine_name())


def test_a_cpu_without_a_model_number_is_named_with_its_microarchitecture(monkeypatch):
    """Cloud VMs here report "AMD EPYC" for a Zen 2 and a Zen 3 alike: their results must not share a history."""
    epyc = {"model": "AMD EPYC", "usable_cores": 2}
    zen2 = machine.default_machine_name(epyc, [], False, "znver2")
    zen3 = machine.default_machine_name(epyc, [], False, "znver3")
    assert (zen2, zen3) == ("cpu-2core-amd-epyc-znver2", "cpu-2core-amd-epyc-znver3")
    assert machine.default_machine_name({"model": "Intel Xeon", "usable_cores": 2}, [{"name": "NVIDIA H200"}],
                                        False, "icelake-server") == "cpu-2core-intel-xeon-icelake-server-gpu-nvidia-h200"
    # a model number already pins the CPU: the name stays as it was
    numbered = {"model": "AMD EPYC 9654 96-Core Processor", "usable_cores": 8}
    assert machine.default_machine_name(numbered, [], False, "znver4") == "cpu-8core-amd-epyc-9654"
    # this host: the microarchitecture comes from LLVM when the model has no number
    here = machine.default_machine_name(epyc, [], False)
    micro = machine.host_microarchitecture()
    assert here == ("cpu-2core-amd-epyc" + (f"-{micro}" if micro else ""))
    # from an environment record, as release-check and bisect name the machine
    from kbench import asvenv

    record = {"cpu": epyc, "gpus": [], "cuda": {}, "numba": {"host_cpu_name": "znver2"}}
    monkeypatch.delenv(asvenv.MACHINE_ENV_VAR, raising=False)
    assert asvenv.machine_name(None, record) == "cpu-2core-amd-epyc-znver2"
    monkeypatch.setenv(asvenv.MACHINE_ENV_VAR, "my-runner")  # a name the user set wins
    assert asvenv.machine_name(None, record) == "my-runner"


def test_environment_record_keeps_older_versions(tmp_path):
    """kbench run's record of an environment: unchanged -> file untouched; changed -> the old record moves
    to a .history.jsonl file (which asv does not read as results), nothing is lost."""
    from kbench import suite

    record = {"collected_at": "t0", "packages": {"numba": "0.67.0"}, "asv_env_name": "existing-py_x"}
    first = suite.write_record(str(tmp_path), "m", "existing-py_x", record)
    path = tmp_path / "m" / "environment-existing-py_x.json"
    assert "new" in first and json.loads(path.read_text()) == record
    mtime = path.stat().st_mtime_ns
    again = dict(record, collected_at="t1")  # only a volatile key differs
    assert "unchanged" in suite.write_record(str(tmp_path), "m", "existing-py_x", again)
    assert path.stat().st_mtime_ns == mtime and json.loads(path.read_text())["collected_at"] == "t0"
    newer = dict(record, packages={"numba": "0.68.1"})
    assert "updated" in suite.write_record(str(tmp_path), "m", "existing-py_x", newer)
    assert json.loads(path.read_text())["packages"]["numba"] == "0.68.1"
    history = (tmp_path / "m" / "environment-existing-py_x.history.jsonl").read_text().splitlines()
    assert [json.loads(line)["packages"]["numba"] for line in history] == ["0.67.0"]
    assert suite.record_filename("x" * 200).startswith("environment-env-")
