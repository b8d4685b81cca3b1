"""Machine ceilings: peak floating-point rate and memory bandwidth, measured by the suite itself, so that
every machine in results/ carries its own roof and each kernel can be read as a fraction of it."""
import time

import numpy as np

from .common import SkipNotImplemented, kernels  # noqa: F401  (kernels: importable check)

STREAM_SIZE = 50_000_000  # 400 MB per float64 array: far beyond any last-level cache
BLAS_SIZE = 2048


def best_of(fn, calls=5):
    best = float("inf")
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


class PeakFlops:
    """Peak floating-point rate in GFLOP/s (higher is better; never gates). ``track_fma`` is an FMA-bound Numba
    loop on all of Numba's threads; ``track_blas`` is NumPy's BLAS gemm at n = 2048 per dtype. No device sync:
    CPU only."""

    params = [["float32", "float64"]]
    param_names = ["dtype"]
    timeout = 300

    def setup(self, dtype):
        from kernels import ceilings

        self.ceilings = ceilings
        ceilings.fma_peak_flops(10)  # compile outside the measurement
        rng = np.random.default_rng(0)
        self.A = rng.random((BLAS_SIZE, BLAS_SIZE)).astype(dtype)
        self.B = rng.random((BLAS_SIZE, BLAS_SIZE)).astype(dtype)
        self.A @ self.B  # BLAS thread pool start-up outside the measurement

    def track_fma(self, dtype):
        if dtype != "float64":
            raise SkipNotImplemented("the FMA probe runs in float64 (float32 doubles it on SIMD hardware)")
        flops = self.ceilings.fma_peak_flops(10)[0] / 10 * 200_000
        return flops / best_of(lambda: self.ceilings.fma_peak_flops(200_000), 3) / 1e9

    track_fma.unit = "GFLOP/s"

    def track_blas(self, dtype):
        return 2.0 * BLAS_SIZE**3 / best_of(lambda: self.A @ self.B) / 1e9

    track_blas.unit = "GFLOP/s"


class MemoryBandwidth:
    """STREAM-like bandwidth in GB/s on float64 vectors of 5e7 elements (higher is better; never gates): a
    parallel Numba copy ``c = a`` and triad ``a = b + s*c``, counting reads and writes as STREAM does. CPU
    only, no device sync."""

    timeout = 300

    def setup(self):
        from kernels import ceilings

        self.ceilings = ceilings
        self.copy, self.triad = ceilings.stream_kernels()
        self.a = np.full(STREAM_SIZE, 1.0)
        self.b = np.full(STREAM_SIZE, 2.0)
        self.c = np.zeros(STREAM_SIZE)
        self.copy(self.a, self.c)  # compile, and fault every page in, outside the measurement
        self.triad(self.a, self.b, self.c, 3.0)
        if not (self.c[0] == 1.0 and self.a[-1] == 5.0):
            raise AssertionError("STREAM kernels computed the wrong values")

    def track_copy(self):
        return self.ceilings.stream_bytes("copy", STREAM_SIZE) / best_of(lambda: self.copy(self.a, self.c)) / 1e9

    track_copy.unit = "GB/s"

    def track_triad(self):
        seconds = best_of(lambda: self.triad(self.a, self.b, self.c, 3.0))
        return self.ceilings.stream_bytes("triad", STREAM_SIZE) / seconds / 1e9

    track_triad.unit = "GB/s"
