"""What a GPU user needs to trust a number, recorded the way nvbench does: the device (name, compute capability,
SM count, driver and CUDA versions, clock and power limits) once per run, and the device's state (SM and memory
clocks, temperature, power, NVML clock-event ("throttle") reasons) around every measurement, so that a
throttled sample can be told apart from a regression.

NVML comes from the ``nvidia-ml-py`` package (module ``pynvml``), carried as a wheel in ``wheels/`` for GPU
machines without internet (``scripts/gpu_check.sh`` puts it on ``sys.path``; a pure-Python wheel imports from
the zip). Nothing here touches a GPU at import time.

Under numba-cuda's simulator (``NUMBA_ENABLE_CUDASIM=1``) the record says so (``"simulator": true``, no device,
no NVML state) so that a simulated run can never be read as a GPU's.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time

# NVML clock-event reason bits (nvml.h ``nvmlClocksEventReason*``, the former ``ClocksThrottleReason*``).
REASONS = {
    0x001: "gpu_idle",
    0x002: "applications_clocks_setting",
    0x004: "sw_power_cap",
    0x008: "hw_slowdown",
    0x010: "sync_boost",
    0x020: "sw_thermal_slowdown",
    0x040: "hw_thermal_slowdown",
    0x080: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}
# The reasons that lower the clocks below what the device would otherwise run a kernel at: a sample taken with
# one of these active measures the cooling or the power supply, not the code. (Idle, an applications-clocks
# setting and sync boost describe a setting or an empty GPU, not a slowdown under load.)
THROTTLING = ("sw_power_cap", "hw_slowdown", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown")
# nvbench's default --throttle-threshold: a sample whose SM clock is below 75 % of the maximum counts as throttled.
CLOCK_THRESHOLD = 0.75


def decode_reasons(mask):
    """Names of the clock-event reason bits set in ``mask`` (unknown bits as ``bit_0x...``)."""
    names = [name for bit, name in REASONS.items() if mask & bit]
    unknown = mask & ~sum(REASONS)
    for shift in range(64):
        if unknown & (1 << shift):
            names.append(f"bit_{1 << shift:#x}")
    return names


def simulator_enabled():
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def load_nvml():
    """``(pynvml, "")`` initialised, or ``(None, why not)``."""
    try:
        import pynvml
    except ImportError as exc:
        return None, f"nvidia-ml-py is not importable ({exc}); put wheels/nvidia_ml_py-*.whl on sys.path"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        return None, f"NVML could not be initialised ({type(exc).__name__}: {exc})"
    return pynvml, ""


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _try(fn, *args):
    """``fn(*args)``, or None where it fails (a query the device or driver does not support)."""
    try:
        return fn(*args)
    except Exception:
        return None


def _q(nvml, name, *args):
    """NVML's answer to ``name(*args)``, or None where this pynvml lacks the call or the device refuses it."""
    fn = getattr(nvml, name, None)
    return _try(fn, *args) if fn is not None else None


class Nvml:
    """One device seen through NVML: its fixed description and samples of its state."""

    def __init__(self, nvml, handle):
        self.nvml = nvml
        self.handle = handle
        self.max_sm_clock = _q(nvml, "nvmlDeviceGetMaxClockInfo", handle, nvml.NVML_CLOCK_SM)

    @classmethod
    def open(cls, nvml, pci_bus_id=None, index=0):
        """The device with this PCI bus id (the one CUDA runs on: NVML and CUDA number devices differently),
        else NVML device ``index``."""
        handle = None
        if pci_bus_id:
            handle = _q(nvml, "nvmlDeviceGetHandleByPciBusId", pci_bus_id)
        if handle is None:
            handle = getattr(nvml, "nvmlDeviceGetHandleByIndex")(index)
        return cls(nvml, handle)

    def device(self):
        n, h = self.nvml, self.handle
        cc = _q(n, "nvmlDeviceGetCudaComputeCapability", h)
        cuda_driver = _q(n, "nvmlSystemGetCudaDriverVersion_v2") or _q(n, "nvmlSystemGetCudaDriverVersion")
        memory = _q(n, "nvmlDeviceGetMemoryInfo", h)
        power_limit = _q(n, "nvmlDeviceGetEnforcedPowerLimit", h)
        return {
            "name": _text(_q(n, "nvmlDeviceGetName", h)),
            "uuid": _text(_q(n, "nvmlDeviceGetUUID", h)),
            "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
            "driver_version": _text(_q(n, "nvmlSystemGetDriverVersion")),
            "cuda_driver_version": f"{cuda_driver // 1000}.{cuda_driver % 1000 // 10}" if cuda_driver else None,
            "nvml_version": _text(_q(n, "nvmlSystemGetNVMLVersion")),
            "memory_total_bytes": int(memory.total) if memory is not None else None,
            "max_sm_clock_mhz": self.max_sm_clock,
            "max_memory_clock_mhz": _q(n, "nvmlDeviceGetMaxClockInfo", h, n.NVML_CLOCK_MEM),
            "default_applications_sm_clock_mhz": _q(n, "nvmlDeviceGetDefaultApplicationsClock", h, n.NVML_CLOCK_SM),
            "applications_sm_clock_mhz": _q(n, "nvmlDeviceGetApplicationsClock", h, n.NVML_CLOCK_SM),
            "power_limit_w": power_limit / 1000 if power_limit is not None else None,
            "persistence_mode": _q(n, "nvmlDeviceGetPersistenceMode", h),
            "cuda_cores": _q(n, "nvmlDeviceGetNumGpuCores", h),
        }

    def sample(self):
        """The device's state now: clocks (MHz), temperature (C), power (W), clock-event reasons."""
        n, h = self.nvml, self.handle
        reasons = _q(n, "nvmlDeviceGetCurrentClocksEventReasons", h)
        if reasons is None:
            reasons = _q(n, "nvmlDeviceGetCurrentClocksThrottleReasons", h)
        power = _q(n, "nvmlDeviceGetPowerUsage", h)
        util = _q(n, "nvmlDeviceGetUtilizationRates", h)
        return {
            "t": time.time(),
            "sm_clock_mhz": _q(n, "nvmlDeviceGetClockInfo", h, n.NVML_CLOCK_SM),
            "memory_clock_mhz": _q(n, "nvmlDeviceGetClockInfo", h, n.NVML_CLOCK_MEM),
            "temperature_c": _q(n, "nvmlDeviceGetTemperature", h, n.NVML_TEMPERATURE_GPU),
            "power_w": power / 1000 if power is not None else None,
            "pstate": _q(n, "nvmlDeviceGetPerformanceState", h),
            "gpu_utilization_pct": getattr(util, "gpu", None),
            "reasons_mask": reasons,
            "reasons": decode_reasons(reasons) if reasons is not None else None,
        }


def summarise(samples, max_sm_clock=None, threshold=CLOCK_THRESHOLD):
    """One measurement's window of samples in a few numbers, and whether it ran throttled: a throttling reason
    was active in some sample, or the SM clock fell below ``threshold`` of the maximum under load."""
    if not samples:
        return {"samples": 0, "throttled": None, "why": "no NVML samples in this window"}

    def values(key):
        return [s[key] for s in samples if s.get(key) is not None]

    def span(key):
        v = values(key)
        return [min(v), max(v)] if v else None

    reasons = sorted({r for s in samples for r in (s.get("reasons") or [])})
    active = [r for r in reasons if r in THROTTLING]
    why = [f"clock-event reason {r}" for r in active]
    sm = values("sm_clock_mhz")
    busy = [s["sm_clock_mhz"] for s in samples
            if s.get("sm_clock_mhz") is not None and "gpu_idle" not in (s.get("reasons") or [])]
    if max_sm_clock and busy and min(busy) < threshold * max_sm_clock:
        why.append(f"SM clock {min(busy)} MHz below {threshold:.0%} of the maximum {max_sm_clock} MHz")
    return {
        "samples": len(samples),
        "sm_clock_mhz": span("sm_clock_mhz"),
        "memory_clock_mhz": span("memory_clock_mhz"),
        "temperature_c": span("temperature_c"),
        "power_w": span("power_w"),
        "sm_clock_fraction_min": (min(sm) / max_sm_clock) if (sm and max_sm_clock) else None,
        "reasons": reasons,
        "throttled": bool(why),
        "why": "; ".join(why),
    }


class Sampler:
    """Samples a device's state every ``interval`` seconds on a background thread, and summarises the samples
    that fall inside each measurement's window (plus one taken at each end, so short windows have two)."""

    def __init__(self, nvml_device, interval=0.1):
        self.device = nvml_device
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="nvml-sampler", daemon=True)

    def _take(self):
        s = self.device.sample()
        with self._lock:
            self.samples.append(s)
        return s

    def _loop(self):
        while not self._stop.wait(self.interval):
            self._take()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def begin(self):
        return self._take()["t"]

    def end(self, started):
        finished = self._take()["t"]
        with self._lock:
            window = [s for s in self.samples if started <= s["t"] <= finished]
        return summarise(window, self.device.max_sm_clock)


class NoSampler:
    """Stands in for :class:`Sampler` where there is no NVML (the simulator, a CPU machine): every window says
    why it has no device state."""

    def __init__(self, why):
        self.why = why
        self.samples = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def begin(self):
        return time.time()

    def end(self, started):
        return {"samples": 0, "throttled": None, "why": self.why}


def _versions():
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name, module in (("numpy", "numpy"), ("numba", "numba"), ("numba_cuda", "numba_cuda"), ("cupy", "cupy"),
                         ("pynvml", "pynvml")):
        try:
            mod = __import__(module)
            out[name] = getattr(mod, "__version__", None) or _dist_version(name)
        except Exception as exc:  # absent, or broken: say which
            out[name] = None
            out[f"{name}_error"] = f"{type(exc).__name__}: {exc}"[:200]
    return out


def _dist_version(name):
    from importlib import metadata

    for dist in (name, name.replace("_", "-"), "nvidia-ml-py"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def cuda_device():
    """The CUDA device numba-cuda runs on: name, compute capability, SM count, PCI bus id, runtime version
    (``{"error": ...}`` where there is none)."""
    if simulator_enabled():
        return {"simulator": True, "name": "numba-cuda simulator (no GPU)"}
    try:
        from numba import cuda

        if not cuda.is_available():
            return {"error": "numba.cuda.is_available() is False"}
        dev = cuda.get_current_device()
        cc = dev.compute_capability
        info = {
            "name": _text(dev.name),
            "compute_capability": f"{cc[0]}.{cc[1]}",
            "sm_count": dev.MULTIPROCESSOR_COUNT,
            "pci_bus_id": _try(lambda: f"{dev.PCI_DOMAIN_ID:08x}:{dev.PCI_BUS_ID:02x}:{dev.PCI_DEVICE_ID:02x}.0"),
            "sm_clock_khz_max": _try(getattr, dev, "CLOCK_RATE"),
            "memory_clock_khz_max": _try(getattr, dev, "MEMORY_CLOCK_RATE"),
        }
        runtime = _try(cuda.runtime.get_version)
        info["cuda_runtime_version"] = ".".join(map(str, runtime)) if runtime else None
        driver = _try(cuda.cudadrv.driver.driver.get_version)
        info["cuda_driver_version"] = ".".join(map(str, driver)) if driver else None
        return info
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def environment():
    """The run's environment record: versions, the CUDA device and its NVML description, the simulator flag."""
    record = {"simulator": simulator_enabled(), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "host": platform.node(), "versions": _versions(),
              "env": {k: os.environ[k] for k in ("NUMBA_ENABLE_CUDASIM", "CUDA_VISIBLE_DEVICES", "CUPY_TF32",
                                                  "NUMBA_CUDA_DRIVER") if k in os.environ}}
    record["cuda_device"] = cuda_device()
    if record["simulator"]:
        record["nvml"] = {"error": "numba-cuda's simulator: no GPU, no NVML state recorded"}
        return record
    nvml, why = load_nvml()
    if nvml is None:
        record["nvml"] = {"error": why}
        return record
    dev = Nvml.open(nvml, record["cuda_device"].get("pci_bus_id"))
    record["nvml"] = {"device": dev.device(), "state": dev.sample()}
    return record


def sampler(pci_bus_id=None, interval=0.1):
    """A :class:`Sampler` of the CUDA device, or a :class:`NoSampler` saying why there is none."""
    if simulator_enabled():
        return NoSampler("numba-cuda's simulator: no GPU state to sample")
    nvml, why = load_nvml()
    if nvml is None:
        return NoSampler(why)
    return Sampler(Nvml.open(nvml, pci_bus_id), interval)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kbench.gpurecord", description="GPU environment record (JSON)")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    args = parser.parse_args(argv)
    text = json.dumps(environment(), indent=2, default=str)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
