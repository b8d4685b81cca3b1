"""Normalisation ``(x - mean) / std`` with prange reductions, against NumPy."""
from .common import DTYPES, VECTOR_SIZES, KernelBenchmark, PeakMemKernel, TimeKernel, TrackGBps, target_names


class Normalise(TimeKernel, PeakMemKernel, TrackGBps, KernelBenchmark):
    """Time of one normalisation into a new array (allocation included). CPU only: no device sync."""

    family = "normalise"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("normalise"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
