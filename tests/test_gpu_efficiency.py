"""The GPU efficiency series and the GPU ceilings on a machine without a GPU: every case names real GPU targets,
everything skips cleanly (NotImplementedError in setup, shown as n/a), and the ratios point the right way."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kernels  # noqa: E402
from benchmarks import gpu_efficiency, roofline  # noqa: E402

no_gpu = pytest.mark.skipif(kernels.have_cuda()[0] or kernels.have_cupy()[0],
                            reason="this machine has a GPU: the cases run instead of skipping")


@pytest.mark.parametrize("case", list(gpu_efficiency.CASES))
def test_each_case_names_gpu_targets_of_the_registry(case):
    family, target, size, dtype, baseline = gpu_efficiency.CASES[case]
    assert kernels.get_target(family, target).device == "gpu"
    if baseline != gpu_efficiency.DEVICE_COPY:
        assert kernels.get_target(family, baseline).device == "gpu"
    assert f"n={size:.0e}".replace("e+0", "e") in case or f"n={size}" in case, "the case's name states its size"
    assert dtype in case and target in case


@no_gpu
@pytest.mark.parametrize("case", list(gpu_efficiency.CASES))
def test_cases_skip_without_a_gpu(case):
    with pytest.raises(NotImplementedError):
        gpu_efficiency.GpuEfficiency().setup(case)


@no_gpu
def test_gpu_ceilings_skip_without_a_gpu():
    with pytest.raises(NotImplementedError):
        roofline.DeviceBandwidth().setup()
    for dtype in roofline.DevicePeakFlops.params[0]:
        with pytest.raises(NotImplementedError):
            roofline.DevicePeakFlops().setup(dtype)


class _FakeKernel:
    def __init__(self, seconds, nbytes):
        self.seconds, self.nbytes = seconds, nbytes

    def work(self):
        return {"bytes": self.nbytes}


def test_efficiency_is_the_fraction_of_the_baseline(monkeypatch):
    monkeypatch.setattr(gpu_efficiency, "device_event_seconds", lambda bench: bench.seconds)
    monkeypatch.setattr(roofline, "device_copy_gbps", lambda: 4000.0)
    bench = gpu_efficiency.GpuEfficiency()
    # a kernel twice as slow as cuBLAS is at 0.5 of it
    bench.kernel, bench.baseline = _FakeKernel(2e-3, 0), _FakeKernel(1e-3, 0)
    assert bench.track_efficiency("any") == pytest.approx(0.5)
    # 2 GB moved in 1 ms is 2000 GB/s: half of a 4000 GB/s copy
    bench.kernel, bench.baseline = _FakeKernel(1e-3, 2e9), None
    assert bench.track_efficiency("any") == pytest.approx(0.5)
