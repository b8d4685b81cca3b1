"""GPU efficiency: each GPU kernel's speed as a fraction of what the device (copy bandwidth) or a library
(cuBLAS) reaches, both measured in the same process, so a number in results/ is a ratio free of the run-to-run
drift between processes. The absolute times are in the families' ``...Device`` classes; the ceilings in
``roofline``. The cases come from the families' records (``Family.gpu_cases`` and ``Family.gpu_baseline``):
a family states where its GPU kernels are judged, and nothing here names one."""
from . import roofline
from .common import (
    Measure,
    SkipNotImplemented,
    case_size,
    device_event_seconds,
    kernels,
    prepared_gpu_target,
    simulated,
    tf32_reason,
)

DEVICE_COPY = "device copy"  # the bandwidth baseline: roofline.device_copy_gbps in the same process


def efficiency_cases():
    """case name -> (family, target, size, dtype, baseline target or DEVICE_COPY), family by family in the
    registry's order, e.g. ``"matmul.cuda_tiled vs cuBLAS n=4096 float32"``, ``"sumsq.cuda vs device copy
    n=1e8 float32"``."""
    if kernels is None:
        return {}
    cases = {}
    for name in kernels.families():
        family = kernels.family(name)
        baseline, label = family.gpu_baseline or (DEVICE_COPY, DEVICE_COPY)
        for target, size, dtype in family.gpu_cases:
            cases[f"{name}.{target} vs {label} n={case_size(size)} {dtype}"] = (name, target, size, dtype, baseline)
    return cases


# Sizes are those the GPU targets are stated at (docs/gpu.md): n = 4096 for matrices, 10^8 and more for vectors.
CASES = efficiency_cases()


class GpuEfficiency(Measure):
    """Fraction of the baseline each GPU kernel reaches (higher is better; never gates; unit: fraction).

    - ``vs cuBLAS`` (a baseline target of the family): median CUDA-event time of the baseline (``cupy.matmul``)
      over that of the kernel, same size and dtype (TF32 off, CuPy's default; the case is skipped if
      ``CUPY_TF32=1``).
    - ``vs device copy``: the kernel's minimum traffic (bytes read + written) per median CUDA-event time, over
      the copy bandwidth measured by ``roofline.device_copy_gbps`` in the same process.

    All times are CUDA events recorded on the stream that ran the work around one launch (no host
    synchronisation inside the events), 20 launches each. GPU only: n/a elsewhere."""

    family = None  # the cases span several families
    params = [list(CASES)]
    param_names = ["case"]
    timeout = 600  # 10^9-element inputs are built and checked on the host first

    def setup(self, case):
        if simulated():  # before anything is built: the cases' sizes would take the simulator hours
            raise SkipNotImplemented("numba-cuda's simulator runs no hardware: it has no efficiency to measure")
        family, target, size, dtype, baseline = CASES[case]
        self.kernel = prepared_gpu_target(family, target, size, dtype)  # skips first where there is no GPU
        if baseline != DEVICE_COPY:
            tf32 = tf32_reason()
            if tf32:
                raise SkipNotImplemented(tf32)
            self.baseline = prepared_gpu_target(family, baseline, size, dtype)
        else:
            self.baseline = None

    def track_efficiency(self, case):
        kernel_seconds = device_event_seconds(self.kernel)
        if self.baseline is not None:
            return device_event_seconds(self.baseline) / kernel_seconds
        achieved_gbps = self.kernel.work()["bytes"] / kernel_seconds / 1e9
        return achieved_gbps / roofline.device_copy_gbps()

    track_efficiency.unit = "fraction"
