"""Sum of squares ``sum(x*x)`` on every target, contiguous and strided vectors."""
from .common import (
    DTYPES,
    RATE_VECTOR_SIZES,
    VECTOR_SIZES,
    GpuOnly,
    KernelBenchmark,
    TimeKernel,
    TrackDeviceMemory,
    TrackDeviceSeconds,
    TrackGBps,
    target_names,
)


class SumSquares(TimeKernel, KernelBenchmark):
    """Time of one ``sum(x*x)``. GPU targets: ``x`` already on the device, the result left there, and a
    synchronise of the reduction's stream inside the timed call. The result is a scalar, so no peakmem."""

    family = "sumsq"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sumsq"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
    # the course's bandwidth kernel: CPU targets run up to 10^8 too (one call well under a second), contiguous
    # only: a strided 10^8 vector is a 1.6 GB buffer whose page faults alone take seconds per parameter set on a
    # VM, for nothing the contiguous 10^8 and strided 10^7 series do not already show
    cpu_max_size = 100_000_000
    cpu_max_size_by_layout = {"strided": 10_000_000}


class SumSquaresRate(TrackGBps, KernelBenchmark):
    """Achieved GB/s of the kernel's minimum traffic (best of 5 calls; higher is better, never gates), at sizes
    past the caches. GPU targets: device-resident data, each call synchronised."""

    family = "sumsq"
    params = [RATE_VECTOR_SIZES, ["contiguous", "strided"], target_names("sumsq"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
    cpu_max_size = 100_000_000
    cpu_max_size_by_layout = {"strided": 10_000_000}  # as in SumSquares


class SumSquaresDevice(TrackDeviceSeconds, TrackDeviceMemory, GpuOnly):
    """GPU targets only, inputs on the device: ``track_device_seconds`` is the median CUDA-event time of one
    call on the target's stream (lower is better); ``track_device_bytes`` the device memory in use with inputs
    and result alive."""

    family = "sumsq"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sumsq", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
