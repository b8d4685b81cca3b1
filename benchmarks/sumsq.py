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
    # CPU targets run up to 10^8 too, contiguous only (the family's limits, kernels/sumsq.py)


class SumSquaresRate(TrackGBps, KernelBenchmark):
    """Achieved GB/s of the kernel's minimum traffic (best of 5 calls; higher is better, never gates), at sizes
    past the caches. GPU targets: device-resident data, each call synchronised."""

    family = "sumsq"
    params = [RATE_VECTOR_SIZES, ["contiguous", "strided"], target_names("sumsq"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SumSquaresDevice(TrackDeviceSeconds, TrackDeviceMemory, GpuOnly):
    """GPU targets only, inputs on the device: ``track_device_seconds`` is the median CUDA-event time of one
    call on the target's stream (lower is better); ``track_device_bytes`` the device memory in use with inputs
    and result alive."""

    family = "sumsq"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sumsq", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
