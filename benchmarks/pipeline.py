"""The CPU-preprocess-then-GPU pipeline: Numba normalise on the CPU, copy to the GPU, ``cupy.dot`` there."""
from .common import DTYPES, VECTOR_SIZES, KernelBenchmark, TimeKernel, target_names


class Pipeline(TimeKernel, KernelBenchmark):
    """Time of the whole pipeline from a NumPy vector to a Python float: normalise, host-to-device copy, dot.
    The GPU target's float() result waits for its stream, so the timed call ends with the device work done."""

    family = "pipeline"
    residency = "host"  # the pipeline starts from host data by definition
    params = [VECTOR_SIZES, ["contiguous"], target_names("pipeline"), DTYPES]
    param_names = ["size", "layout", "target", "dtype"]
