"""The Gauss ufunc ``exp(-x*x)``: NumPy and ``@vectorize`` cpu / parallel / cuda."""
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


class Gauss(TimeKernel, KernelBenchmark):
    """Time of one ``exp(-x*x)`` over a vector, result allocation included. cuda target: ``x`` on the device,
    the result left there, a synchronise of the ufunc's stream inside the timed call."""

    family = "gauss"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("gauss"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class GaussRate(TrackGBps, KernelBenchmark):
    """Achieved GB/s of the kernel's minimum traffic (best of 5 calls; higher is better, never gates), at sizes
    past the caches. GPU targets: device-resident data, each call synchronised."""

    family = "gauss"
    params = [RATE_VECTOR_SIZES, ["contiguous", "strided"], target_names("gauss"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class GaussMemory(PeakMemKernel, KernelBenchmark):
    """Peak process memory of one call, result allocation included (inputs count too: they live in the same
    process). GPU targets synchronise; their device memory is in ``GaussDevice``."""

    family = "gauss"
    params = [MEMORY_VECTOR_SIZES, ["contiguous"], target_names("gauss"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class GaussHostArrays(TimeKernel, HostArrays):
    """Time of one ``exp(-x*x)`` called with NumPy arrays: the cuda ufunc copies ``x`` in and the result out
    inside the timed call, then a synchronise. GPU targets only (CPU targets are timed in ``Gauss``)."""

    family = "gauss"
    params = [VECTOR_SIZES, ["contiguous"], target_names("gauss", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class GaussDevice(TrackDeviceSeconds, TrackDeviceMemory, GpuOnly):
    """GPU targets only, inputs on the device: ``track_device_seconds`` is the median CUDA-event time of one
    call on the target's stream (lower is better); ``track_device_bytes`` the device memory in use with inputs
    and result alive."""

    family = "gauss"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("gauss", "gpu"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
