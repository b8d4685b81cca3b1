"""The Gauss ufunc ``exp(-x*x)``: NumPy and ``@vectorize`` cpu / parallel / cuda."""
from .common import (DTYPES, VECTOR_SIZES, HostArrays, KernelBenchmark, PeakMemKernel, TimeKernel,
                     TrackDeviceSeconds, TrackGBps, target_names)


class Gauss(TimeKernel, PeakMemKernel, TrackGBps, TrackDeviceSeconds, KernelBenchmark):
    """Time of one ``exp(-x*x)`` over a vector, result allocation included. cuda target: ``x`` on the device,
    the result left there, a synchronise of the ufunc's stream inside the timed call."""

    family = "gauss"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("gauss"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class GaussHostArrays(TimeKernel, HostArrays):
    """Time of one ``exp(-x*x)`` called with NumPy arrays: the cuda ufunc copies ``x`` in and the result out
    inside the timed call, then a synchronise. CPU targets are skipped (timed in ``Gauss``)."""

    family = "gauss"
    params = [VECTOR_SIZES, ["contiguous"], target_names("gauss"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
