"""The fastmath pair: ``(a + b) + c`` strict, under fastmath, and re-associated by hand."""
from .common import DTYPES, KernelBenchmark, TimeKernel, target_names


class FastMath(TimeKernel, KernelBenchmark):
    """Time of one element-wise three-way sum into a new array. CPU only: no device sync."""

    family = "fastmath"
    params = [[1_000, 100_000, 10_000_000], target_names("fastmath"), DTYPES]
    param_names = ["size", "target", "dtype"]
    layout = "contiguous"

    def track_max_error(self, size, target, dtype):
        """Largest error relative to the exact answer on cancelling data (lower is better): shows when a Numba
        release starts or stops re-associating under fastmath."""
        from kernels import fastmath

        return fastmath.measure_difference(1000, dtype).get(target, float("nan"))

    track_max_error.unit = "relative error"
