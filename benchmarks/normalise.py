"""Normalisation ``(x - mean) / std`` with prange reductions, against NumPy. Every target runs on the CPU."""
from .common import (
    DTYPES,
    MEMORY_VECTOR_SIZES,
    RATE_VECTOR_SIZES,
    VECTOR_SIZES,
    KernelBenchmark,
    PeakMemKernel,
    TimeKernel,
    TrackGBps,
    target_names,
)


class Normalise(TimeKernel, KernelBenchmark):
    """Time of one normalisation into a new array (allocation included). CPU only: no device sync."""

    family = "normalise"
    params = [VECTOR_SIZES, ["contiguous", "strided"], target_names("normalise"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class NormaliseRate(TrackGBps, KernelBenchmark):
    """Achieved GB/s of the kernel's minimum traffic (best of 5 calls; higher is better, never gates), at sizes
    past the caches."""

    family = "normalise"
    params = [RATE_VECTOR_SIZES, ["contiguous", "strided"], target_names("normalise"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]


class NormaliseMemory(PeakMemKernel, KernelBenchmark):
    """Peak process memory of one call, result allocation included (inputs count too: they live in the same
    process)."""

    family = "normalise"
    params = [MEMORY_VECTOR_SIZES, ["contiguous"], target_names("normalise"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
