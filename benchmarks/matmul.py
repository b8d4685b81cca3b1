"""Matrix multiply ``C = A @ B`` on every target: scaling with size, memory, and the effect of memory order.
The naive ``@jit`` loops stop at the sizes their targets declare (``max_size``, kernels/matmul.py)."""
from .common import (
    DTYPES,
    MATRIX_SIZES,
    RATE_MATRIX_SIZES,
    GpuOnly,
    KernelBenchmark,
    PeakMemKernel,
    TimeKernel,
    TrackDeviceMemory,
    TrackDeviceSeconds,
    TrackGFlops,
    target_names,
)

# Setup compiles the kernel once, outside every sample. The blocked kernel's generated micro-kernel (14 x 2
# accumulators on an AVX-512 host) took 363 s to compile under Numba 0.58.1 (52 s on 0.59.1, 21 s on 0.61.2 and
# 0.68.1; docs/zoo.md), beyond the suite's usual 300 s: the history runs of the matrix need the margin.
COMPILE_TIMEOUT = 900


class Matmul(TimeKernel, KernelBenchmark):
    """Time of one ``C = A @ B`` of C-ordered n x n operands, result allocation included (the course's first
    exercise). GPU targets: operands already on the device; the timed call is the kernel plus a synchronise of
    the stream that ran it."""

    family = "matmul"
    timeout = COMPILE_TIMEOUT
    layout = "CC"
    params = [MATRIX_SIZES, target_names("matmul"), DTYPES]
    param_names = ["size", "target", "dtype"]


class MatmulRate(TrackGFlops, KernelBenchmark):
    """Achieved GFLOP/s of ``C = A @ B`` (best of 5 calls; higher is better, never gates), at the sizes past the
    caches. GPU targets: device-resident operands, each call synchronised."""

    family = "matmul"
    timeout = COMPILE_TIMEOUT
    layout = "CC"
    params = [RATE_MATRIX_SIZES, target_names("matmul"), DTYPES]
    param_names = ["size", "target", "dtype"]


class MatmulDevice(TrackDeviceSeconds, TrackDeviceMemory, GpuOnly):
    """GPU targets only, operands on the device: ``track_device_seconds`` is the median CUDA-event time of one
    launch on the target's stream (lower is better); ``track_device_bytes`` the device memory in use with
    inputs and result alive."""

    family = "matmul"
    layout = "CC"
    params = [MATRIX_SIZES, target_names("matmul", "gpu"), DTYPES]
    param_names = ["size", "target", "dtype"]


class MatmulMemory(PeakMemKernel, KernelBenchmark):
    """Peak process memory of one ``C = A @ B``: inputs, result and any layout copies. No device sync needed
    for CPU targets; GPU targets synchronise, though host RSS says little about them."""

    family = "matmul"
    timeout = COMPILE_TIMEOUT
    layout = "CC"
    params = [[256, 2048], target_names("matmul"), DTYPES]
    param_names = ["size", "target", "dtype"]


class MatmulLayout(TimeKernel, KernelBenchmark):
    """Time of one float64 ``C = A @ B`` for each memory order of A and B (C or Fortran each), the course's
    second exercise. GPU targets: device-resident operands, a synchronise inside the timed call."""

    family = "matmul"
    timeout = COMPILE_TIMEOUT
    dtype = "float64"
    params = [[64, 256, 512], ["CC", "CF", "FC", "FF"], target_names("matmul")]
    param_names = ["size", "layout", "target"]
