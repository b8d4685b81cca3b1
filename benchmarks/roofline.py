"""Machine ceilings: peak floating-point rate and memory bandwidth, measured by the suite itself, so that
every machine in results/ carries its own roof and each kernel can be read as a fraction of it."""
import functools
import time

import numpy as np

from .common import SkipNotImplemented, device_memory_shortfall, event_seconds, kernels, tf32_reason  # noqa: F401  (kernels: importable check)

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


# --- GPU ceilings --------------------------------------------------------------------------------------------

DEVICE_STREAM_SIZE = 2**28  # float64 elements: 2 GiB per array, far beyond any GPU's L2 cache (H200: 50 MB)
DEVICE_GEMM_SIZE = 8192  # large enough for cuBLAS to reach its plateau on an H200


def _gpu_ceiling_skip(runtime, need_bytes):
    """Raise NotImplementedError unless a real GPU with ``need_bytes`` free is usable through ``runtime``."""
    import kernels

    if kernels.cuda_simulator_enabled():
        raise SkipNotImplemented("the CUDA simulator runs no hardware: it has no ceilings to measure")
    ok, why = kernels.have_cupy() if runtime == "cupy" else kernels.have_cuda()
    if not ok:
        raise SkipNotImplemented(why)
    shortfall = device_memory_shortfall(need_bytes, runtime)
    if shortfall:
        raise SkipNotImplemented(shortfall)


class _DeviceCopy:
    """Two device arrays and the copy kernel, set up and checked once per process (the skip is the caller's:
    tests build a small one under the simulator to run this code there)."""

    def __init__(self, n=DEVICE_STREAM_SIZE):
        from numba import cuda

        from kernels import ceilings

        self.n = n
        self.stream = cuda.stream()
        self.src = cuda.to_device(np.arange(n, dtype=np.float64), stream=self.stream)
        self.dst = cuda.device_array(n, dtype=np.float64, stream=self.stream)
        kernel, blocks, threads = ceilings.device_copy_kernel(), ceilings.device_copy_blocks(n), ceilings.DEVICE_COPY_THREADS
        self.launch = lambda: kernel[blocks, threads, self.stream](self.src, self.dst)
        self.launch()  # compile outside the measurement
        self.stream.synchronize()
        ends = np.concatenate([self.dst[:1000].copy_to_host(), self.dst[n - 1000:].copy_to_host()])
        if not np.array_equal(ends, np.concatenate([np.arange(1000.0), np.arange(n - 1000.0, n)])):
            raise AssertionError("the device copy kernel copied the wrong values")

    def best_gbps(self, launches=20):
        """Best of ``launches`` CUDA-event timings of one copy (events on the kernel's stream; no host sync
        between them): bytes read + written per second, in GB/s."""
        seconds = event_seconds(self.launch, self.stream, "numba", launches, reduce=min)
        return 2 * self.n * 8 / seconds / 1e9


@functools.lru_cache(maxsize=1)
def _device_copy():
    _gpu_ceiling_skip("numba", 2 * DEVICE_STREAM_SIZE * 8)  # a skip (NotImplementedError) is not cached
    return _DeviceCopy()


def device_copy_gbps():
    """The device's copy bandwidth in GB/s, measured now in this process (the arrays are kept for reuse)."""
    return _device_copy().best_gbps()


class DeviceBandwidth:
    """GPU copy bandwidth in GB/s (bytes read + written; higher is better; never gates): a numba-cuda kernel
    copies 2^28 float64 (2 GiB) between two device arrays, one element per thread. Each launch is timed by
    CUDA events on the kernel's stream (no host synchronisation inside); best of 20. GPU only: n/a elsewhere."""

    timeout = 300

    def setup(self):
        device_copy_gbps()  # builds, compiles and checks, or skips where there is no GPU

    def track_copy(self):
        return device_copy_gbps()

    track_copy.unit = "GB/s"


class DevicePeakFlops:
    """cuBLAS gemm rate in GFLOP/s through ``cupy.matmul`` at n = 8192 (higher is better; never gates), the
    compute ceiling of the GPU matmul targets. TF32 off (CuPy's default; skipped if ``CUPY_TF32=1``). Each
    call timed by CUDA events on CuPy's stream (no host synchronisation inside); best of 20. GPU only."""

    params = [["float32", "float64"]]
    param_names = ["dtype"]
    timeout = 300

    def setup(self, dtype):
        _gpu_ceiling_skip("cupy", 3 * DEVICE_GEMM_SIZE**2 * np.dtype(dtype).itemsize)
        tf32 = tf32_reason()
        if tf32:
            raise SkipNotImplemented(tf32)
        import cupy

        rng = np.random.default_rng(0)
        A = rng.random((DEVICE_GEMM_SIZE, DEVICE_GEMM_SIZE)).astype(dtype)
        B = rng.random((DEVICE_GEMM_SIZE, DEVICE_GEMM_SIZE)).astype(dtype)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        with self.stream:
            self.A, self.B = cupy.asarray(A), cupy.asarray(B)
            C = cupy.matmul(self.A, self.B)  # cuBLAS handle and workspace set up outside the measurement
            rows = cupy.asnumpy(C[:4], stream=self.stream)
        self.stream.synchronize()
        tol = 1e-4 if dtype == "float32" else 1e-10
        if not np.allclose(rows, A[:4].astype(np.float64) @ B.astype(np.float64), rtol=tol):
            raise AssertionError(f"cupy.matmul {dtype} disagrees with NumPy")

    def launch(self):
        import cupy

        with self.stream:
            cupy.matmul(self.A, self.B)

    def track_cublas(self, dtype):
        seconds = event_seconds(self.launch, self.stream, "cupy", launches=20, reduce=min)
        return 2.0 * DEVICE_GEMM_SIZE**3 / seconds / 1e9

    track_cublas.unit = "GFLOP/s"
