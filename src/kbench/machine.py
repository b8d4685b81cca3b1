"""``kbench info``: what a benchmark reader needs to know about the machine and the Python environment.

:func:`collect` returns a JSON-able dict (the environment record that ``kbench run`` stores next to the asv
results); the command prints it for people, or as JSON with ``--json``. ``python -m kbench.machine --json``
does the same without the ``kbench`` entry point, which is how ``kbench run`` asks each asv environment
for its own record.

Every probe is optional and guarded: a missing CuPy, numba-cuda or GPU, a CUDA driver that fails to
initialise, or Numba's JIT being switched off each give ``None`` plus a reason instead of an exception.
Probes that fail unexpectedly are listed under ``"errors"``.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

SCHEMA_VERSION = 1

# Environment variables that change what a benchmark measures. NUMBA_* and CUPY_* are taken by prefix.
ENV_VARS = (
    "OMP_NUM_THREADS",
    "OMP_PROC_BIND",
    "OMP_PLACES",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_DEVICE_ORDER",
    "KBENCH_MACHINE",
)
ENV_PREFIXES = ("NUMBA_", "CUPY_")

# FP32 CUDA cores per streaming multiprocessor, by compute capability. The driver does not report this;
# the figures follow NVIDIA's architecture whitepapers and the table in the CUDA samples (helper_cuda.h).
CORES_PER_SM: Dict[Tuple[int, int], int] = {
    (3, 0): 192, (3, 2): 192, (3, 5): 192, (3, 7): 192,  # Kepler
    (5, 0): 128, (5, 2): 128, (5, 3): 128,  # Maxwell
    (6, 0): 64, (6, 1): 128, (6, 2): 128,  # Pascal (GP100 has 64, the rest 128)
    (7, 0): 64, (7, 2): 64, (7, 5): 64,  # Volta, Xavier, Turing
    (8, 0): 64, (8, 6): 128, (8, 7): 128, (8, 9): 128,  # Ampere A100, Ampere GA10x / Orin, Ada
    (9, 0): 128,  # Hopper
    (10, 0): 128, (10, 1): 128, (10, 3): 128, (11, 0): 128,  # Blackwell data-centre, Thor
    (12, 0): 128, (12, 1): 128,  # Blackwell GeForce / workstation, GB10
}

ARCHITECTURES = {
    3: "Kepler", 5: "Maxwell", 6: "Pascal", 7: "Volta", 8: "Ampere", 9: "Hopper",
    10: "Blackwell", 11: "Blackwell", 12: "Blackwell",
}

# numba-cuda device attributes worth recording (names without the CU_DEVICE_ATTRIBUTE_ prefix).
_DEVICE_ATTRIBUTES = {
    "multiprocessor_count": "MULTIPROCESSOR_COUNT",
    "clock_rate_khz": "CLOCK_RATE",
    "memory_clock_rate_khz": "MEMORY_CLOCK_RATE",
    "memory_bus_width_bits": "GLOBAL_MEMORY_BUS_WIDTH",
    "l2_cache_bytes": "L2_CACHE_SIZE",
    "max_threads_per_block": "MAX_THREADS_PER_BLOCK",
    "max_threads_per_multiprocessor": "MAX_THREADS_PER_MULTIPROCESSOR",
    "max_shared_memory_per_block": "MAX_SHARED_MEMORY_PER_BLOCK",
    "warp_size": "WARP_SIZE",
    "pci_bus_id": "PCI_BUS_ID",
    "ecc_enabled": "ECC_ENABLED",
}


def cores_per_sm(compute_capability) -> Optional[int]:
    """FP32 cores per multiprocessor for a (major, minor) compute capability; None when not known."""
    try:
        major, minor = (int(v) for v in compute_capability)
    except (TypeError, ValueError):
        return None
    return CORES_PER_SM.get((major, minor))


# ---------------------------------------------------------------------------------------------- helpers

def _run(cmd: List[str], timeout: float = 10.0) -> Optional[str]:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _dist_version(name: str) -> Optional[str]:
    """Installed version of a distribution (pip name), without importing it."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # broken metadata must not stop the report
        return None


def _module_version(module: str, dist: Optional[str] = None) -> Optional[str]:
    """``module.__version__`` of what this interpreter actually imports; falls back to the dist metadata."""
    try:
        mod = __import__(module)
        version = getattr(mod, "__version__", None)
        if version:
            return str(version)
    except Exception:
        pass
    return _dist_version(dist or module)


def _cupy_distribution() -> Optional[Tuple[str, str]]:
    """(distribution name, version) of whichever CuPy wheel provides ``import cupy`` (cupy-cuda12x, ...)."""
    from importlib import metadata

    try:
        names = metadata.packages_distributions().get("cupy") or []
    except Exception:
        names = []
    for name in names:
        version = _dist_version(name)
        if version:
            return name, version
    for name in ("cupy", "cupy-cuda13x", "cupy-cuda12x", "cupy-cuda11x", "cupy-rocm-6-0"):
        version = _dist_version(name)
        if version:
            return name, version
    return None


def _int_or_none(value) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _simulator_enabled() -> bool:
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0").strip() not in ("", "0")


def _slug(text: str, limit: int = 40) -> str:
    text = re.sub(r"\((r|tm|c)\)", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"@.*$", " ", text)  # "... CPU @ 2.40GHz"
    text = re.sub(r"\b(cpu|processor|\d+-core)\b", " ", text, flags=re.IGNORECASE)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-") or "unknown"


# ---------------------------------------------------------------------------------------------- probes

def cpu_info() -> Dict[str, Any]:
    """CPU model, architecture and core counts (logical, usable by this process, physical when known)."""
    model = None
    physical = None
    sockets = None
    cpuinfo = _read("/proc/cpuinfo") if sys.platform.startswith("linux") else None
    if cpuinfo:
        for key in ("model name", "Model Name", "cpu model", "Hardware"):
            m = re.search(rf"^{key}\s*:\s*(.+)$", cpuinfo, flags=re.MULTILINE)
            if m:
                model = m.group(1).strip()
                break
        cores = set()
        phys_ids = set()
        for block in cpuinfo.split("\n\n"):
            pid = re.search(r"^physical id\s*:\s*(\d+)", block, flags=re.MULTILINE)
            cid = re.search(r"^core id\s*:\s*(\d+)", block, flags=re.MULTILINE)
            if pid and cid:
                cores.add((pid.group(1), cid.group(1)))
                phys_ids.add(pid.group(1))
        if cores:
            physical, sockets = len(cores), len(phys_ids)
    if not model and sys.platform.startswith("linux"):
        out = _run(["lscpu"])  # ARM servers name the core here, not in /proc/cpuinfo
        if out:
            m = re.search(r"^Model name:\s*(.+)$", out, flags=re.MULTILINE)
            if m:
                model = m.group(1).strip()
    if not model and sys.platform == "darwin":
        out = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        model = out.strip() if out else None
    if physical is None and sys.platform == "darwin":
        out = _run(["sysctl", "-n", "hw.physicalcpu"])
        physical = int(out) if out and out.strip().isdigit() else None
    if not model:
        model = platform.processor() or platform.machine() or "unknown"
    logical = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = logical
    return {
        "model": model,
        "arch": platform.machine(),
        "logical_cores": logical,
        "usable_cores": usable,
        "physical_cores": physical,
        "sockets": sockets,
    }


def _memory_bytes() -> Optional[int]:
    meminfo = _read("/proc/meminfo")
    if meminfo:
        m = re.search(r"^MemTotal:\s*(\d+)\s*kB", meminfo, flags=re.MULTILINE)
        if m:
            return int(m.group(1)) * 1024
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _python_info() -> Dict[str, Any]:
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "compiler": platform.python_compiler(),
    }


def package_versions() -> Dict[str, Optional[str]]:
    """Versions of the libraries the benchmarks depend on; None for what is not installed."""
    cupy = _cupy_distribution()
    return {
        "numpy": _module_version("numpy"),
        "scipy": _module_version("scipy"),
        "numba": _module_version("numba"),
        "llvmlite": _module_version("llvmlite"),
        "numba-cuda": _dist_version("numba-cuda") or _dist_version("numba_cuda"),
        "cupy": cupy[1] if cupy else None,
        "cupy_distribution": cupy[0] if cupy else None,
        "threadpoolctl": _dist_version("threadpoolctl"),
        "asv": _dist_version("asv"),
        "asv_runner": _dist_version("asv_runner") or _dist_version("asv-runner"),
        "numba-kernel-bench": _dist_version("numba-kernel-bench"),
    }


def _threading_probe() -> None:
    """Compile and run a tiny parallel function so that Numba picks (and reports) its threading layer."""
    from numba import njit, prange

    @njit(parallel=True, cache=False)
    def _probe(n):
        acc = 0
        for i in prange(n):
            acc += i
        return acc

    _probe(64)


def numba_info() -> Dict[str, Any]:
    """Numba's thread count and threading layer (running a parallel function to learn the latter)."""
    import numba
    from numba import config

    info: Dict[str, Any] = {
        "NUMBA_NUM_THREADS": getattr(config, "NUMBA_NUM_THREADS", None),
        "default_num_threads": getattr(config, "NUMBA_DEFAULT_NUM_THREADS", None),
        "num_threads": None,
        "threading_layer": None,
        "threading_layer_requested": getattr(config, "THREADING_LAYER", None),
        "threading_layer_note": None,
        "disable_jit": bool(getattr(config, "DISABLE_JIT", False)),
        "opt": _int_or_none(getattr(config, "OPT", None)),
        "host_cpu_name": None,
    }
    try:
        info["num_threads"] = int(numba.get_num_threads())
    except Exception as exc:
        info["threading_layer_note"] = f"numba.get_num_threads() failed: {exc}"
    try:
        import llvmlite.binding as llvm

        info["host_cpu_name"] = llvm.get_host_cpu_name()
    except Exception:
        pass
    if info["disable_jit"]:
        info["threading_layer_note"] = "NUMBA_DISABLE_JIT is set: no parallel code runs, so no threading layer"
        return info
    try:
        _threading_probe()
        info["threading_layer"] = numba.threading_layer()
    except Exception as exc:
        info["threading_layer_note"] = f"the parallel probe failed: {type(exc).__name__}: {exc}"
    return info


def _blas_env_threads(name: str) -> Tuple[Optional[int], str]:
    """Thread count the environment asks a BLAS for, and where it comes from."""
    name = (name or "").lower()
    if "mkl" in name:
        order = ("MKL_NUM_THREADS", "OMP_NUM_THREADS")
    elif "blis" in name:
        order = ("BLIS_NUM_THREADS", "OMP_NUM_THREADS")
    elif "accelerate" in name or "veclib" in name:
        order = ("VECLIB_MAXIMUM_THREADS",)
    else:  # OpenBLAS and the rest
        order = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
    for var in order:
        value = os.environ.get(var, "").strip()
        if value:
            try:
                return int(value.split(",")[0]), f"env:{var}"
            except ValueError:
                continue
    return None, "not set in the environment: the library default (one thread per core, up to its build maximum)"


def library_sort_key(lib: Dict[str, Any]) -> Tuple[str, ...]:
    """A fixed order for the BLAS/OpenMP libraries of a record, whatever order they were loaded in."""
    return tuple(str(lib.get(k) or "") for k in ("user_api", "internal_api", "filepath", "user", "name",
                                                 "version"))


def blas_info() -> Dict[str, Any]:
    """Which BLAS NumPy (and SciPy) use, and how many threads it runs. threadpoolctl when installed
    (it asks the loaded libraries themselves), else NumPy's build configuration and the env variables."""
    import numpy

    try:
        import scipy.linalg  # noqa: F401  loads SciPy's BLAS too, so threadpoolctl sees it
    except Exception:
        pass
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        try:
            pools = threadpoolctl.threadpool_info()
            keep = ("user_api", "internal_api", "version", "num_threads", "threading_layer", "architecture", "filepath")
            # threadpoolctl lists libraries in load order, which differs between runs of the same environment
            # (SciPy's OpenBLAS and libgomp can come either way round): sort them so the record does not
            libs = sorted(({k: p.get(k) for k in keep} for p in pools), key=library_sort_key)
            blas = [p for p in libs if p.get("user_api") == "blas"]
            # NumPy's own copy (its path holds "numpy"), else the first BLAS in the sorted list
            main = next((p for p in blas if "numpy" in (p.get("filepath") or "").lower()), None) or (
                blas[0] if blas else None
            )
            return {
                "source": "threadpoolctl",
                "name": main.get("internal_api") if main else None,
                "version": main.get("version") if main else None,
                "num_threads": main.get("num_threads") if main else None,
                "num_threads_source": "threadpoolctl" if main else None,
                "libraries": libs,
            }
        except Exception as exc:  # fall through to the static description
            fallback_note = f"threadpoolctl failed ({exc})"
    else:
        fallback_note = "threadpoolctl is not installed; thread count read from the environment"

    result: Dict[str, Any] = {
        "source": "numpy.show_config",
        "name": None,
        "version": None,
        "num_threads": None,
        "num_threads_source": None,
        "libraries": [],
        "note": fallback_note,
    }
    for label, module in (("numpy", numpy), ("scipy", sys.modules.get("scipy"))):
        if module is None:
            continue
        try:
            config = module.show_config(mode="dicts")
            dep = (config.get("Build Dependencies") or {}).get("blas") or {}
        except Exception:
            continue
        entry = {
            "user": label,
            "name": dep.get("name"),
            "version": dep.get("version"),
            "configuration": dep.get("openblas configuration"),
        }
        result["libraries"].append(entry)
    if result["libraries"]:
        first = result["libraries"][0]
        result["name"], result["version"] = first["name"], first["version"]
    threads, source = _blas_env_threads(result["name"] or "")
    result["num_threads"], result["num_threads_source"] = threads, source
    if threads is None:
        # what the library will most likely use: one thread per usable core, capped by its build maximum
        try:
            usable = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            usable = os.cpu_count()
        m = re.search(r"MAX_THREADS=(\d+)", str(result["libraries"][0].get("configuration") or "")) if result["libraries"] else None
        if usable:
            result["num_threads_estimate"] = min(usable, int(m.group(1))) if m else usable
    return result


def env_vars() -> Dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k in ENV_VARS or k.startswith(ENV_PREFIXES)}
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------- GPUs

def _import_numba_cuda():
    from numba import cuda

    return cuda


def _import_cupy():
    import cupy

    return cupy


def _as_str(value) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    return str(value)


def _version_tuple_str(version) -> Optional[str]:
    if version is None:
        return None
    if isinstance(version, (tuple, list)):
        return ".".join(str(v) for v in version)
    if isinstance(version, int) and version >= 1000:  # CUDA encodes 12.4 as 12040
        return f"{version // 1000}.{(version % 1000) // 10}"
    return str(version)


def _finish_gpu(gpu: Dict[str, Any]) -> Dict[str, Any]:
    cc = gpu.get("compute_capability")
    per_sm = cores_per_sm(cc) if cc else None
    gpu["architecture"] = ARCHITECTURES.get(int(cc[0])) if cc else None
    gpu["cores_per_multiprocessor"] = per_sm
    sms = gpu.get("multiprocessor_count")
    gpu["cuda_cores"] = per_sm * sms if per_sm and sms else None
    clock = gpu.get("clock_rate_khz")
    # two FLOPs per fused multiply-add per core per cycle, at the reported (boost) clock
    gpu["fp32_peak_tflops"] = round(2 * gpu["cuda_cores"] * clock * 1e3 / 1e12, 2) if gpu["cuda_cores"] and clock else None
    return gpu


def _gpus_from_numba(cuda, errors: Dict[str, str]) -> Tuple[List[Dict[str, Any]], Optional[str], Optional[str]]:
    """(gpus, driver version, reason when none) through numba-cuda."""
    try:
        available = bool(cuda.is_available())
    except Exception as exc:
        return [], None, f"the CUDA driver could not be initialised ({exc})"
    if not available:
        reason = None
        try:
            from numba.cuda.cudadrv.driver import driver

            if getattr(driver, "initialization_error", None):
                reason = f"the CUDA driver could not be initialised: {_one_line(driver.initialization_error)}"
        except Exception:
            pass
        return [], None, reason or "no CUDA GPU found (numba.cuda.is_available() is False)"
    driver_version = None
    drv = None
    try:
        from numba.cuda.cudadrv.driver import driver as drv

        driver_version = _version_tuple_str(drv.get_version())
    except Exception as exc:
        errors["cuda.driver_version"] = f"{type(exc).__name__}: {exc}"
    gpus = []
    for index, dev in enumerate(list(cuda.gpus)):
        gpu: Dict[str, Any] = {"index": index, "source": "numba-cuda"}
        try:
            gpu["name"] = _as_str(dev.name)
        except Exception:
            gpu["name"] = None
        try:
            gpu["compute_capability"] = [int(v) for v in dev.compute_capability]
        except Exception:
            gpu["compute_capability"] = None
        try:
            gpu["uuid"] = _as_str(getattr(dev, "uuid", None))
        except Exception:
            gpu["uuid"] = None
        for key, attr in _DEVICE_ATTRIBUTES.items():
            try:
                gpu[key] = int(getattr(dev, attr))
            except Exception:
                gpu[key] = None
        gpu["total_memory_bytes"] = None
        if drv is not None:
            try:
                gpu["total_memory_bytes"] = int(drv.cuDeviceTotalMem(dev.id))
            except Exception:
                pass
        gpu["driver_version"] = driver_version
        gpus.append(gpu)
    return gpus, driver_version, None if gpus else "numba-cuda reports CUDA available but lists no device"


def _cupy_properties(cupy) -> Tuple[List[Dict[str, Any]], Dict[str, Optional[str]]]:
    rt = cupy.cuda.runtime
    versions = {"runtime_version": None, "driver_version": None}
    try:
        versions["runtime_version"] = _version_tuple_str(rt.runtimeGetVersion())
    except Exception:
        pass
    try:
        versions["driver_version"] = _version_tuple_str(rt.driverGetVersion())
    except Exception:
        pass
    props = []
    for i in range(int(rt.getDeviceCount())):
        p = rt.getDeviceProperties(i)
        props.append({
            "name": _as_str(p.get("name")),
            "compute_capability": [int(p["major"]), int(p["minor"])] if "major" in p else None,
            "multiprocessor_count": p.get("multiProcessorCount"),
            "clock_rate_khz": p.get("clockRate"),
            "memory_clock_rate_khz": p.get("memoryClockRate"),
            "memory_bus_width_bits": p.get("memoryBusWidth"),
            "l2_cache_bytes": p.get("l2CacheSize"),
            "total_memory_bytes": p.get("totalGlobalMem"),
            "max_threads_per_block": p.get("maxThreadsPerBlock"),
            "max_threads_per_multiprocessor": p.get("maxThreadsPerMultiProcessor"),
            "warp_size": p.get("warpSize"),
            "pci_bus_id": p.get("pciBusID"),
        })
    return props, versions


def gpu_info(errors: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """``{"gpus": [...], "gpu_reason": str | None, "cuda": {...}}``; never raises."""
    errors = {} if errors is None else errors
    cuda_section: Dict[str, Any] = {
        "simulator": _simulator_enabled(),
        "numba_cuda": False,
        "driver_version": None,
        "runtime_version": None,
        "cupy": False,
    }
    if cuda_section["simulator"]:
        return {
            "gpus": [],
            "gpu_reason": "NUMBA_ENABLE_CUDASIM=1: numba-cuda's CUDA simulator runs the CUDA kernels on the CPU; "
            "no GPU is used and GPU timings are not GPU performance",
            "cuda": cuda_section,
        }
    gpus: List[Dict[str, Any]] = []
    reasons = []
    try:
        cuda = _import_numba_cuda()
        if not hasattr(cuda, "jit"):
            raise ImportError("numba.cuda has no jit")
    except Exception as exc:
        cuda = None
        reasons.append(f"numba-cuda is not usable ({type(exc).__name__}: {exc})")
    if cuda is not None:
        cuda_section["numba_cuda"] = True
        try:
            gpus, driver_version, reason = _gpus_from_numba(cuda, errors)
            cuda_section["driver_version"] = driver_version
            if reason:
                reasons.append(reason)
        except Exception as exc:
            errors["gpu.numba_cuda"] = f"{type(exc).__name__}: {exc}"
            reasons.append(f"numba-cuda failed while listing devices ({exc})")
            gpus = []
    try:
        cupy = _import_cupy()
    except Exception:
        cupy = None
    if cupy is not None:
        cuda_section["cupy"] = True
        try:
            props, versions = _cupy_properties(cupy)
            cuda_section["runtime_version"] = versions["runtime_version"]
            cuda_section["driver_version"] = cuda_section["driver_version"] or versions["driver_version"]
            if gpus:
                for gpu, p in zip(gpus, props):  # same enumeration order (CUDA_DEVICE_ORDER) in both
                    for key, value in p.items():
                        if gpu.get(key) is None and value is not None:
                            gpu[key] = value
            elif props:
                for index, p in enumerate(props):
                    gpus.append(dict(p, index=index, source="cupy", driver_version=cuda_section["driver_version"]))
        except Exception as exc:
            if not gpus:
                reasons.append(f"CuPy found no usable CUDA device ({type(exc).__name__}: {exc})")
    gpus = [_finish_gpu(g) for g in gpus]
    reason = None if gpus else _one_line("; ".join(reasons) or "no CUDA GPU found")
    return {"gpus": gpus, "gpu_reason": reason, "cuda": cuda_section}


# ---------------------------------------------------------------------------------------------- collect

def _guard(errors: Dict[str, str], name: str, fn: Callable[[], Any], default: Any) -> Any:
    try:
        return fn()
    except Exception as exc:
        errors[name] = f"{type(exc).__name__}: {exc}"
        return default


def collect() -> Dict[str, Any]:
    """Everything ``kbench info`` reports, as a JSON-able dict. Never raises for a missing library or GPU.

    Keys: ``schema``, ``collected_at``, ``hostname``, ``os``, ``cpu``, ``memory_bytes``, ``python``,
    ``packages``, ``numba``, ``blas``, ``env``, ``gpus`` (list; empty without a GPU), ``gpu_reason``
    (why ``gpus`` is empty, else None), ``cuda`` and ``errors`` (probe name -> message).
    """
    errors: Dict[str, str] = {}
    info: Dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "collected_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "os": _guard(errors, "os", lambda: f"{platform.system()} {platform.release()}", None),
        "cpu": _guard(errors, "cpu", cpu_info, {}),
        "memory_bytes": _guard(errors, "memory", _memory_bytes, None),
        "python": _python_info(),
        "packages": _guard(errors, "packages", package_versions, {}),
        "numba": _guard(errors, "numba", numba_info, None),
        "blas": _guard(errors, "blas", blas_info, None),
        "env": env_vars(),
    }
    gpu = _guard(errors, "gpu", lambda: gpu_info(errors), None)
    if gpu is None:
        gpu = {"gpus": [], "gpu_reason": f"the GPU probe failed ({errors.get('gpu')})", "cuda": None}
    info.update(gpu)
    info["errors"] = errors
    # one round trip through json makes sure the caller really gets plain JSON types
    return json.loads(json.dumps(info, default=str))


# ---------------------------------------------------------------------------------------------- naming

def host_microarchitecture() -> Optional[str]:
    """The CPU's microarchitecture as LLVM names it for this host (``znver2``, ``icelake-server``...), or None
    where llvmlite cannot say."""
    try:
        import llvmlite.binding as llvm

        name = llvm.get_host_cpu_name()
    except Exception:  # noqa: BLE001 - naming must work without llvmlite
        return None
    return name if name and name != "generic" else None


def default_machine_name(cpu: Optional[Dict[str, Any]] = None, gpus: Optional[List[Dict[str, Any]]] = None,
                         simulator: Optional[bool] = None, microarchitecture: Optional[str] = None) -> str:
    """A stable name for the *kind* of host: ``cpu-<N>core-<cpu model>``, plus ``-gpu-<model>`` (with a
    count when there are several) on a GPU host, or ``-cudasim`` under the CUDA simulator.

    The name, not the hostname, identifies results, so two identical cloud instances share a history. Where the
    CPU reports a family but no model number (cloud VMs that show "AMD EPYC" or "Intel Xeon" only), the
    family alone would put different CPUs in one history (a Zen 2 and a Zen 3 EPYC; a Rocket Lake and an
    Emerald Rapids Xeon have been seen here under the same string), so the microarchitecture LLVM detects is
    appended: ``cpu-2core-amd-epyc-znver2``. ``microarchitecture`` defaults to this host's.
    """
    if cpu is None:
        cpu = cpu_info()
    if gpus is None or simulator is None:
        g = gpu_info()
        gpus = g["gpus"] if gpus is None else gpus
        simulator = bool((g.get("cuda") or {}).get("simulator")) if simulator is None else simulator
    cores = cpu.get("usable_cores") or cpu.get("logical_cores") or 0
    model = _slug(cpu.get("model") or "unknown")
    if not re.search(r"\d", model):
        micro = microarchitecture or host_microarchitecture()
        if micro:
            model += "-" + _slug(micro, limit=24)
    name = f"cpu-{cores}core-{model}"
    if gpus:
        count = f"{len(gpus)}x-" if len(gpus) > 1 else ""
        name += f"-gpu-{count}{_slug(gpus[0].get('name') or 'unknown', limit=30)}"
    elif simulator:
        name += "-cudasim"
    return name


# ---------------------------------------------------------------------------------------------- output

def _fmt_bytes(n: Optional[int]) -> str:
    if not n:
        return "unknown"
    return f"{n / 2**30:.1f} GiB"


def format_report(info: Dict[str, Any]) -> str:
    lines = []
    cpu = info.get("cpu") or {}
    py = info.get("python") or {}
    pk = info.get("packages") or {}
    nb = info.get("numba") or {}
    blas = info.get("blas") or {}

    def row(label, value):
        lines.append(f"  {label:<22} {value if value not in (None, '') else '-'}")

    lines.append(f"Machine  {info.get('hostname')}  ({info.get('os')})")
    row("CPU", cpu.get("model"))
    row("cores", f"{cpu.get('usable_cores')} usable / {cpu.get('logical_cores')} logical"
        + (f" / {cpu.get('physical_cores')} physical" if cpu.get("physical_cores") else ""))
    row("memory", _fmt_bytes(info.get("memory_bytes")))
    lines.append("Python")
    row("version", f"{py.get('version')} ({py.get('implementation')})  {py.get('executable')}")
    for name in ("numpy", "scipy", "numba", "llvmlite", "numba-cuda", "cupy", "threadpoolctl"):
        value = pk.get(name)
        if name == "cupy" and value:
            value = f"{value} ({pk.get('cupy_distribution')})"
        row(name, value if value else "not installed")
    lines.append("Numba threading")
    row("threading layer", nb.get("threading_layer") or f"unknown ({nb.get('threading_layer_note')})")
    row("NUMBA_NUM_THREADS", nb.get("NUMBA_NUM_THREADS"))
    row("get_num_threads()", nb.get("num_threads"))
    row("LLVM host CPU", nb.get("host_cpu_name"))
    lines.append("BLAS")
    row("library", " ".join(str(v) for v in (blas.get("name"), blas.get("version")) if v))
    if blas.get("num_threads") is not None:
        row("threads", f"{blas.get('num_threads')}  [{blas.get('num_threads_source')}]")
    else:
        row("threads", f"library default, probably {blas.get('num_threads_estimate', '?')} (no *_NUM_THREADS set)")
    row("source", blas.get("source"))
    lines.append("Environment")
    env = info.get("env") or {}
    if env:
        for key, value in env.items():
            row(key, value)
    else:
        row("(none set)", "")
    cuda = info.get("cuda") or {}
    lines.append("GPUs" + ("  [CUDA simulator]" if cuda.get("simulator") else ""))
    if not info.get("gpus"):
        row("none", info.get("gpu_reason"))
    for gpu in info.get("gpus") or []:
        cc = gpu.get("compute_capability")
        lines.append(f"  [{gpu.get('index')}] {gpu.get('name')}")
        row("compute capability", ".".join(map(str, cc)) if cc else None)
        row("architecture", gpu.get("architecture"))
        row("multiprocessors", gpu.get("multiprocessor_count"))
        row("cores / SM", gpu.get("cores_per_multiprocessor"))
        row("CUDA cores", gpu.get("cuda_cores"))
        clock = gpu.get("clock_rate_khz")
        mclock = gpu.get("memory_clock_rate_khz")
        row("SM clock", f"{clock / 1e3:.0f} MHz" if clock else None)
        row("memory clock", f"{mclock / 1e3:.0f} MHz" if mclock else None)
        row("memory", _fmt_bytes(gpu.get("total_memory_bytes")))
        row("FP32 peak (est.)", f"{gpu['fp32_peak_tflops']} TFLOP/s" if gpu.get("fp32_peak_tflops") else None)
        row("driver", gpu.get("driver_version"))
    if cuda.get("runtime_version"):
        row("CUDA runtime (CuPy)", cuda.get("runtime_version"))
    if info.get("errors"):
        lines.append("Probe errors")
        for key, value in info["errors"].items():
            row(key, value)
    return "\n".join(lines)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the record as JSON instead of a report")


def main(args: argparse.Namespace) -> int:
    info = collect()
    if getattr(args, "json", False):
        print(json.dumps(info, indent=2, sort_keys=True))
    else:
        print(format_report(info))
    return 0


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m kbench.machine", description="describe this machine")
    configure(_parser)
    sys.exit(main(_parser.parse_args()))
