"""The two-input ufunc ``sin(x) * cos(y)``: NumPy and ``@vectorize`` cpu / parallel / cuda."""
from .common import (DTYPES, VECTOR_SIZES, HostArrays, KernelBenchmark, PeakMemKernel, TimeKernel,
                     TrackDeviceSeconds, TrackGBps, target_names)


class SinCos(TimeKernel, PeakMemKernel, TrackGBps, TrackDeviceSeconds, KernelBenchmark):
    """Time of one ``sin(x) * cos(y)``, result allocation included. cuda target: ``x`` and ``y`` on the
    device, the result left there, a synchronise of the ufunc's stream inside the timed call."""

    family = "sincos"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("sincos"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class SinCosHostArrays(TimeKernel, HostArrays):
    """Time of one ``sin(x) * cos(y)`` called with NumPy arrays: the cuda ufunc's copies in and out are inside
    the timed call, then a synchronise. CPU targets are skipped (timed in ``SinCos``)."""

    family = "sincos"
    params = [VECTOR_SIZES, ["contiguous"], target_names("sincos"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
