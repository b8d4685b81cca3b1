"""The two-input ufunc ``sin(x) * cos(y)``: NumPy and ``@vectorize`` cpu / parallel / cuda."""
from .common import (
    DTYPES,
    MEMORY_VECTOR_SIZES,
    RATE_VECTOR_SIZES,
    VECTOR_SIZES,
    GpuOnly,
    HostArrays,
    KernelBenchmark,
    PeakMemKernel,
    TimeKernel,
    TrackDeviceMemory,
    TrackDeviceSeconds,
    TrackGBps,
    target_names,
)


class SinCos(TimeKernel, KernelBenchmark):
    """Time of one ``sin(x) * cos(y)``, result allocation included. cuda target: ``x`` and ``y`` on the
    device, the result left there, a synchronise of the ufunc's stream inside the timed call."""

    family = "sincos"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sincos"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SinCosRate(TrackGBps, KernelBenchmark):
    """Achieved GB/s of the kernel's minimum traffic (best of 5 calls; higher is better, never gates), at sizes
    past the caches. GPU targets: device-resident data, each call synchronised."""

    family = "sincos"
    params = [RATE_VECTOR_SIZES, ["contiguous", "strided"], target_names("sincos"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SinCosMemory(PeakMemKernel, KernelBenchmark):
    """Peak process memory of one call, result allocation included (inputs count too: they live in the same
    process). GPU targets synchronise; their device memory is in ``SinCosDevice``."""

    family = "sincos"
    params = [MEMORY_VECTOR_SIZES, ["contiguous"], target_names("sincos"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SinCosHostArrays(TimeKernel, HostArrays):
    """Time of one ``sin(x) * cos(y)`` called with NumPy arrays: the cuda ufunc's copies in and out are inside
    the timed call, then a synchronise. GPU targets only (CPU targets are timed in ``SinCos``)."""

    family = "sincos"
    params = [VECTOR_SIZES, ["contiguous"], target_names("sincos", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SinCosDevice(TrackDeviceSeconds, TrackDeviceMemory, GpuOnly):
    """GPU targets only, inputs on the device: ``track_device_seconds`` is the median CUDA-event time of one
    call on the target's stream (lower is better); ``track_device_bytes`` the device memory in use with inputs
    and result alive."""

    family = "sincos"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sincos", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
