"""GPU efficiency: each GPU kernel's speed as a fraction of what the device (copy bandwidth) or cuBLAS reaches,
both measured in the same process, so a number in results/ is a ratio free of the run-to-run drift between
processes. The absolute times are in the families' ``...Device`` classes; the ceilings in ``roofline``."""
from . import gauss as gauss_bench
from . import matmul as matmul_bench
from . import roofline
from . import sincos as sincos_bench
from . import sumsq as sumsq_bench
from .common import Measure, SkipNotImplemented, device_event_seconds, simulated, tf32_reason

# The class that prepares each family's GPU targets on device-resident inputs (checked against the reference
# in its setup). Held through the modules, not imported by name, so asv does not collect them here again.
DEVICE_CLASSES = {
    "matmul": lambda: matmul_bench.MatmulDevice(),
    "sumsq": lambda: sumsq_bench.SumSquaresDevice(),
    "gauss": lambda: gauss_bench.GaussDevice(),
    "sincos": lambda: sincos_bench.SinCosDevice(),
}

CUBLAS = "cupy"  # the matmul baseline: cupy.matmul, i.e. cuBLAS gemm
DEVICE_COPY = "device copy"  # the bandwidth baseline: roofline.device_copy_gbps in the same process

# case -> (family, target, size, dtype, baseline). Sizes are those the GPU targets are stated at (docs/gpu.md):
# n = 4096 for matrices, 10^8 and more for vectors.
CASES = {
    "matmul.cuda_tiled vs cuBLAS n=4096 float32": ("matmul", "cuda_tiled", 4096, "float32", CUBLAS),
    "matmul.cuda_tiled vs cuBLAS n=4096 float64": ("matmul", "cuda_tiled", 4096, "float64", CUBLAS),
    "matmul.cuda_naive vs cuBLAS n=4096 float32": ("matmul", "cuda_naive", 4096, "float32", CUBLAS),
    "sumsq.cuda vs device copy n=1e8 float32": ("sumsq", "cuda", 100_000_000, "float32", DEVICE_COPY),
    "sumsq.cuda vs device copy n=1e8 float64": ("sumsq", "cuda", 100_000_000, "float64", DEVICE_COPY),
    "sumsq.cuda vs device copy n=1e9 float32": ("sumsq", "cuda", 1_000_000_000, "float32", DEVICE_COPY),
    "sumsq.cupy vs device copy n=1e8 float32": ("sumsq", "cupy", 100_000_000, "float32", DEVICE_COPY),
    "gauss.vectorize_cuda vs device copy n=1e8 float32": ("gauss", "vectorize_cuda", 100_000_000, "float32", DEVICE_COPY),
    "gauss.vectorize_cuda vs device copy n=1e8 float64": ("gauss", "vectorize_cuda", 100_000_000, "float64", DEVICE_COPY),
    "sincos.vectorize_cuda vs device copy n=1e8 float32": ("sincos", "vectorize_cuda", 100_000_000, "float32", DEVICE_COPY),
}


def prepared_gpu_target(family, target, size, dtype):
    """A family's device benchmark set up for one GPU target on device-resident, checked inputs (its
    ``launch``/``stream`` are ready for ``device_event_seconds``); NotImplementedError where it cannot run."""
    bench = DEVICE_CLASSES[family]()
    bench.__dict__.update(bench._prepare({"size": size, "target": target, "dtype": dtype}))
    return bench


class GpuEfficiency(Measure):
    """Fraction of the baseline each GPU kernel reaches (higher is better; never gates; unit: fraction).

    - ``vs cuBLAS``: median CUDA-event time of ``cupy.matmul`` over that of the kernel, same size and dtype
      (TF32 off, CuPy's default; the case is skipped if ``CUPY_TF32=1``).
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
        if baseline == CUBLAS:
            tf32 = tf32_reason()
            if tf32:
                raise SkipNotImplemented(tf32)
            self.baseline = prepared_gpu_target(family, CUBLAS, size, dtype)
        else:
            self.baseline = None

    def track_efficiency(self, case):
        kernel_seconds = device_event_seconds(self.kernel)
        if self.baseline is not None:
            return device_event_seconds(self.baseline) / kernel_seconds
        achieved_gbps = self.kernel.work()["bytes"] / kernel_seconds / 1e9
        return achieved_gbps / roofline.device_copy_gbps()

    track_efficiency.unit = "fraction"
