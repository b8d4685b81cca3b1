"""The GPU record (kbench.gpurecord) against a fake NVML, and against the real pynvml of the carried wheel."""
import re
import sys
import time
import types
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kbench import gpurecord  # noqa: E402

WHEELS = sorted((ROOT / "wheels").glob("nvidia_ml_py-*.whl"))


class FakeNvml(types.SimpleNamespace):
    """The part of pynvml that gpurecord calls, for one device whose state the test sets."""

    NVML_CLOCK_SM, NVML_CLOCK_MEM, NVML_TEMPERATURE_GPU = 1, 2, 0

    def __init__(self, **state):
        super().__init__(**{"sm": 1980, "mem": 3201, "temp": 40, "power_mw": 120_000, "reasons": 0, **state})

    def nvmlDeviceGetHandleByPciBusId(self, bus):
        if bus != "00000000:19:00.0":
            raise RuntimeError("NVML_ERROR_NOT_FOUND")
        return "by-bus"

    def nvmlDeviceGetHandleByIndex(self, i):
        return f"index-{i}"

    def nvmlDeviceGetName(self, h):
        return b"NVIDIA H200"

    def nvmlDeviceGetUUID(self, h):
        return "GPU-1234"

    def nvmlDeviceGetCudaComputeCapability(self, h):
        return (9, 0)

    def nvmlSystemGetCudaDriverVersion_v2(self):
        return 12080

    def nvmlSystemGetDriverVersion(self):
        return "570.124.06"

    def nvmlSystemGetNVMLVersion(self):
        return "12.570.124.06"

    def nvmlDeviceGetMemoryInfo(self, h):
        return types.SimpleNamespace(total=141 * 2**30)

    def nvmlDeviceGetEnforcedPowerLimit(self, h):
        return 700_000

    def nvmlDeviceGetMaxClockInfo(self, h, kind):
        return {1: 1980, 2: 3201}[kind]

    def nvmlDeviceGetDefaultApplicationsClock(self, h, kind):
        raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")  # unsupported queries are recorded as None

    def nvmlDeviceGetClockInfo(self, h, kind):
        return {1: self.sm, 2: self.mem}[kind]

    def nvmlDeviceGetTemperature(self, h, kind):
        return self.temp

    def nvmlDeviceGetPowerUsage(self, h):
        return self.power_mw

    def nvmlDeviceGetCurrentClocksEventReasons(self, h):
        return self.reasons


def test_device_record_has_what_a_gpu_user_needs():
    dev = gpurecord.Nvml.open(FakeNvml(), "00000000:19:00.0")
    assert dev.handle == "by-bus", "the device CUDA runs on is found by its PCI bus id"
    assert gpurecord.Nvml.open(FakeNvml(), "00000000:99:00.0").handle == "index-0"
    d = dev.device()
    assert d["name"] == "NVIDIA H200" and d["compute_capability"] == "9.0"
    assert d["driver_version"] == "570.124.06" and d["cuda_driver_version"] == "12.8"
    assert d["max_sm_clock_mhz"] == 1980 and d["power_limit_w"] == 700
    assert d["default_applications_sm_clock_mhz"] is None


def test_sample_and_reason_decoding():
    nvml = FakeNvml(sm=1500, temp=83, power_mw=699_500, reasons=0x004 | 0x040 | 0x1000)
    s = gpurecord.Nvml(nvml, "h").sample()
    assert (s["sm_clock_mhz"], s["memory_clock_mhz"], s["temperature_c"], s["power_w"]) == (1500, 3201, 83, 699.5)
    assert s["reasons"] == ["sw_power_cap", "hw_thermal_slowdown", "bit_0x1000"]
    assert gpurecord.decode_reasons(0) == []


def _sample(sm, reasons=(), t=0.0):
    return {"t": t, "sm_clock_mhz": sm, "memory_clock_mhz": 3201, "temperature_c": 50, "power_w": 300.0,
            "reasons": list(reasons)}


def test_throttled_window_is_flagged_with_why():
    by_reason = gpurecord.summarise([_sample(1980), _sample(1980, ["sw_power_cap"])], max_sm_clock=1980)
    assert by_reason["throttled"] and "sw_power_cap" in by_reason["why"]
    by_clock = gpurecord.summarise([_sample(1980), _sample(1200)], max_sm_clock=1980)
    assert by_clock["throttled"] and "1200 MHz below 75%" in by_clock["why"]
    assert by_clock["sm_clock_mhz"] == [1200, 1980] and by_clock["sm_clock_fraction_min"] == pytest.approx(1200 / 1980)


def test_full_clocks_and_an_idle_gpu_are_not_throttling():
    calm = gpurecord.summarise([_sample(1980), _sample(345, ["gpu_idle"])], max_sm_clock=1980)
    assert calm["throttled"] is False and calm["why"] == ""
    assert gpurecord.summarise([], 1980)["throttled"] is None


def test_sampler_summarises_only_its_window():
    nvml = FakeNvml()
    with gpurecord.Sampler(gpurecord.Nvml(nvml, "h"), interval=0.01) as smp:
        first = smp.end(smp.begin())
        assert first["throttled"] is False and first["samples"] >= 2
        nvml.reasons = 0x008  # hw_slowdown from now on
        time.sleep(0.03)
        second = smp.end(smp.begin())
    assert second["throttled"] and second["reasons"] == ["hw_slowdown"]


def test_the_simulator_is_recorded_as_the_simulator(monkeypatch):
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    record = gpurecord.environment()
    assert record["simulator"] is True and record["cuda_device"]["simulator"] is True
    assert "simulator" in record["nvml"]["error"] and "device" not in record["nvml"]
    assert isinstance(gpurecord.sampler(), gpurecord.NoSampler)


def test_no_nvml_is_said_not_guessed(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    nvml, why = gpurecord.load_nvml()
    assert nvml is None and "nvidia-ml-py" in why
    assert gpurecord.sampler().end(0.0) == {"samples": 0, "throttled": None, "why": why}


def test_the_wheel_is_carried_and_has_every_call_gpurecord_makes(monkeypatch):
    assert len(WHEELS) == 1, "exactly one nvidia-ml-py wheel in wheels/ (scripts/gpu_check.sh takes the first)"
    assert WHEELS[0].stat().st_size < 200_000
    with zipfile.ZipFile(WHEELS[0]) as zf:
        assert "pynvml.py" in zf.namelist()
    monkeypatch.syspath_prepend(str(WHEELS[0]))
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    import pynvml

    assert Path(pynvml.__file__).parent == WHEELS[0], "imported from the zip, as the script does"
    source = Path(gpurecord.__file__).read_text()
    used = set(re.findall(r'"(nvml[A-Z]\w+)"', source)) | set(re.findall(r"\.(NVML_\w+)", source))
    assert len(used) > 15
    missing = sorted(name for name in used if not hasattr(pynvml, name))
    assert not missing, missing
    fake_missing = sorted(name for name in used if name.startswith(("nvmlDeviceGetHandle", "nvmlDeviceGetClock",
                                                                    "NVML_")) and not hasattr(FakeNvml, name))
    assert not fake_missing, fake_missing
    for bit, name in gpurecord.REASONS.items():
        const = "nvmlClocksEventReason" + "".join(w.capitalize() for w in name.split("_"))
        assert getattr(pynvml, const) == bit, const
    assert hasattr(pynvml, "nvmlInit")
