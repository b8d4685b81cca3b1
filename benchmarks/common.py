"""Shared machinery of the suite: seeded cached inputs, and the base class for the target axis.

Every kernel benchmark class derives from :class:`KernelBenchmark`, names its family and parameters, and gets:

- the kernel looked up in the package's registry, and everything about its family (inputs, reference, work,
  size limits) from the family's record, ``kernels.family(name)``: the suite keeps no list of its own and never
  asks which family it is;
- a skip (``NotImplementedError`` in ``setup``, shown as n/a) for what cannot run here: a missing GPU, CuPy or
  SciPy, a size the family's limits call too big for the target here (``Family.too_big``: a pure-Python or
  naive loop above its size limit, a CPU target above the CPU size limit), a GPU input that does not fit in
  device memory;
- the target built through Numba's on-disk cache (:func:`built`): each parameter set runs in a fresh process,
  and the cache spares it a recompilation before its warm-up;
- a warm-up call in ``setup`` with the exact dtype and memory order that will be timed (JIT compilation never
  lands in a ``time_`` benchmark), checked against the float64 NumPy reference before anything is timed;
- for GPU targets, inputs copied to the device in ``setup`` and synchronised, and a synchronise of the stream
  that ran the work inside every timed call.

asv re-runs ``setup`` before every timing sample, so the expensive part of ``setup`` (building inputs, the
warm-up, the check, the calibration below) runs once per process and parameter set and is memoised.

How a ``time_`` sample is taken, whatever asv_runner runs it. asv_runner 0.2 batched ``number`` calls per
sample, calibrated to asv's 10 ms ``sample_time``; since 0.3 a benchmark with a ``setup`` gets one call per
sample, or, with an explicit ``number``, every call timed on its own with ``setup`` in between (asv#966): a
microsecond kernel then reads about 2x slow with a 10-30x spread. So the suite batches itself: ``number = 1``
(one invocation of the timed method per sample, identical in every asv_runner version), ``setup`` calibrates
``calls`` back-to-back calls to last about :data:`SAMPLE_SECONDS`, the timed method makes exactly those calls,
and the timer asv reads for the class (``timer``, which asv reloads after ``setup``) is
:class:`PerCallClock`: ``perf_counter()`` divided by ``calls``. asv therefore stores seconds per call, not per
batch, in the results, the samples and the history. Compilation happened in ``setup``'s warm-up, before the
calibration, so it never lands in a sample.
"""
from __future__ import annotations

import abc
import functools
import itertools
import math
import os
import time

import numpy as np

try:  # the suite must import (and skip) even where the package is broken or absent
    import kernels
    from kernels import verify
except ImportError:  # pragma: no cover - exercised only in a broken environment
    kernels = None
    verify = None

try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # older asv: a NotImplementedError raised in a benchmark body is also shown as n/a
    class SkipNotImplemented(NotImplementedError):
        pass


def initialise_numba_cpu_target():
    """Set up Numba's CPU target now: its typing and target registries (the imports of its NumPy and CPython
    implementations), LLVM and the runtime. Numba does this lazily at the first compilation or cache load of a
    process, which cost every benchmark process 0.2-0.3 s of ``setup`` here (measured in forked children: a
    cached sumsq load 0.30 s -> 0.01 s). Done at import, asv's forkserver (``launch_method`` in asv.conf.json)
    pays it once and forks every parameter set's process from there. It compiles no kernel, launches no
    thread (each process still picks its threading layer at its first parallel call) and touches no GPU; a
    Numba without these entry points is left to do it lazily."""
    try:
        from numba.core.registry import cpu_target

        cpu_target.typing_context.refresh()
        cpu_target.target_context.refresh()
    except Exception:  # noqa: BLE001 - an optimisation only: never let it break the suite's import
        pass


if kernels is not None:
    initialise_numba_cpu_target()


SEED = 20_261_121
DTYPES = ["float32", "float64"]

# Geometric size series. Matrices: 16 fits in L1, 256 in L2, 1024 (8 MiB per float64 operand) spills past L2,
# 2048 and up live in DRAM on a CPU; 4096 and 8192 are there to fill a large GPU. Vectors: 10^3 in L1 up to
# 10^8 (800 MB in float64), far beyond any last-level cache.
MATRIX_SIZES = [16, 64, 256, 1024, 2048, 4096, 8192]
VECTOR_SIZES = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

# Rates (GFLOP/s, GB/s) and peak memory are tracked at the sizes where they mean something: past the caches.
RATE_MATRIX_SIZES = [256, 1024, 2048, 8192]
RATE_VECTOR_SIZES = [1_000_000, 10_000_000, 100_000_000]
MEMORY_VECTOR_SIZES = [10_000_000]

# One timing sample lasts about this long (asv's own sample_time): long enough that the clock's resolution
# and the interpreter's per-call overhead are below 1 % even for a microsecond kernel, short enough that 10
# samples cost 0.1 s. A call longer than half of it is timed alone.
SAMPLE_SECONDS = 0.01
MAX_CALLS_PER_SAMPLE = 1_000_000


def target_names(family, device=None):
    """The family's targets from the registry, optionally only those of one device ("cpu" or "gpu"); empty if
    the package could not be imported."""
    if kernels is None:
        return []
    return [t.name for t in kernels.targets(family) if device is None or t.device == device]


def case_size(size):
    """A size as the names of cross-family cases state it: ``1e8`` for powers of ten from a million up."""
    exponent = round(math.log10(size))
    return f"1e{exponent}" if size >= 10 ** 6 and size == 10 ** exponent else str(size)


@functools.lru_cache(maxsize=4)
def host_inputs(family, size, dtype, layout):
    """Deterministic inputs: the same seed, size, dtype and layout always give the same arrays."""
    rng = np.random.default_rng([SEED, size, np.dtype(dtype).itemsize, sum(map(ord, layout))])
    return kernels.family(family).make_inputs(size, np.dtype(dtype), layout, rng)


@functools.lru_cache(maxsize=2)
def reference_result(family, size, dtype, layout):
    return kernels.family(family).reference(*host_inputs(family, size, dtype, layout))


def built(target):
    """``target``'s callable, compiled through Numba's on-disk cache (asv runs each parameter set in a new
    process: the cache spares each a recompilation). The compilation, or the cache load, still happens in
    ``setup``'s warm-up call, never in a sample. Compile-time and code-generation series build fresh
    dispatchers instead (``build(fresh=True)``), which never use the cache."""
    kernels.use_disk_cache()
    return target.build()


# --- GPU plumbing ---------------------------------------------------------------------------------------------

def new_stream(runtime):
    """A dedicated stream of the runtime the target uses; ``synchronize()`` waits for that stream only."""
    if runtime == "cupy":
        import cupy

        return cupy.cuda.Stream(non_blocking=True)
    from numba import cuda

    return cuda.stream()


def device_copy(x, runtime, stream):
    """Copy a host input to the device, keeping its memory order; strided views stay strided views there."""
    base = x.base if (x.base is not None and not (x.flags.c_contiguous or x.flags.f_contiguous)) else None
    if base is not None and base.ndim == x.ndim and base.flags.c_contiguous and np.shares_memory(x, base):
        steps = [xs // bs for xs, bs in zip(x.strides, base.strides)]
        view = tuple(slice(0, n * s, s) for n, s in zip(x.shape, steps))
        return _to_device(base, runtime, stream)[view]
    return _to_device(x, runtime, stream)


def _to_device(x, runtime, stream):
    if runtime == "cupy":
        import cupy

        with stream:
            return cupy.asarray(x, order="K")
    from numba import cuda

    return cuda.to_device(x, stream=stream)


def free_device_bytes(runtime):
    if runtime == "cupy":
        import cupy

        return cupy.cuda.runtime.memGetInfo()[0]
    from numba import cuda

    return cuda.current_context().get_memory_info()[0]


def device_memory_shortfall(need_bytes, runtime):
    """Why ``need_bytes`` of device memory is too much here ('' if it fits): more than 80 % of what is free
    leaves too little for the runtime's own buffers and pools."""
    free = free_device_bytes(runtime)
    if need_bytes > 0.8 * free:
        return f"needs about {need_bytes / 2**30:.1f} GiB of device memory, {free / 2**30:.1f} GiB free"
    return ""


def tf32_reason():
    """Why a cuBLAS float32 figure would not be plain float32 here ('' if it is): CUPY_TF32=1 lets cuBLAS use
    TF32 tensor cores (off by default in CuPy)."""
    if os.environ.get("CUPY_TF32", "0") not in ("", "0"):
        return "CUPY_TF32 is set: cuBLAS float32 gemm would run on TF32 tensor cores"
    return ""


# --- timing: samples of about SAMPLE_SECONDS, stored per call ---------------------------------------------------

class PerCallClock:
    """A clock for asv's ``timer`` attribute: ``time.perf_counter()`` divided by the number of calls that one
    invocation of the timed method makes, so that the difference asv takes around that invocation is the time
    of one call. ``calls`` is fixed for the life of a prepared parameter set."""

    def __init__(self, calls):
        if int(calls) < 1:
            raise ValueError(f"calls must be a positive integer, got {calls!r}")
        self.calls = int(calls)

    def __call__(self):
        return time.perf_counter() / self.calls

    def __repr__(self):
        return f"PerCallClock(calls={self.calls})"


def calls_per_sample(call, sample_seconds=SAMPLE_SECONDS, max_calls=MAX_CALLS_PER_SAMPLE):
    """How many back-to-back calls of the (warmed-up) ``call`` last about ``sample_seconds``: one if a call takes
    half of that or more, else estimated from a short batch (about a tenth of a sample) rather than from one
    call, whose time still carries first-touch and timer effects. A first call that looks slow is timed again
    unless it is far beyond the sample (a slow kernel: one more call would only cost time)."""
    def once():
        t0 = time.perf_counter()
        call()
        return time.perf_counter() - t0

    one = once()
    if one < 10 * sample_seconds:
        one = min(one, once())
    if one >= sample_seconds / 2:
        return 1
    probe = max(1, min(max_calls, int(sample_seconds / 10 / max(one, 1e-9))))
    t0 = time.perf_counter()
    for _ in itertools.repeat(None, probe):
        call()
    per_call = (time.perf_counter() - t0) / probe
    return int(max(1, min(max_calls, round(sample_seconds / max(per_call, 1e-9)))))


def wait_for_idle_threads(timeout=0.5, poll=0.002):
    """Wait until no other thread of this process is running (at most ``timeout`` seconds); return the seconds
    waited. Linux only (it reads the threads' states in /proc/self/task); elsewhere it returns at once.

    Why: after a call returns, a library's worker threads keep spinning for a while before they sleep (OpenBLAS
    about 2^28 cycles, ~0.1 s). ``setup`` checks each kernel against a float64 reference, and where that uses BLAS
    (``A @ B`` for matrix multiply) the spinning workers took a core from the parallel kernel timed next: on the
    2-core Zen 2 VM ``matmul.jit_prange`` at n = 256 read 3.4 ms a call right after the reference against 1.16 ms
    without it, and ``sumsq.jit_parallel`` at 10^7 alternated 6.3 / 2.3 ms after an ``np.dot`` reference. The
    kernel's own worker threads spinning between its back-to-back calls are its steady state and are unaffected:
    the calibration that follows wakes them again."""
    tasks = "/proc/self/task"
    if not os.path.isdir(tasks):
        return 0.0
    import threading

    me = str(threading.get_native_id())
    t0 = time.perf_counter()
    while True:
        running = False
        for tid in os.listdir(tasks):
            if tid == me:
                continue
            try:
                with open(f"{tasks}/{tid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]  # the field after "(comm)"
            except (OSError, IndexError):
                continue  # the thread ended meanwhile
            if state == "R":
                running = True
                break
        waited = time.perf_counter() - t0
        if not running or waited >= timeout:
            return waited
        time.sleep(poll)


def repeated(call, calls):
    """A zero-argument function making ``calls`` calls of ``call`` (the body of one timing sample)."""
    if calls == 1:
        return call

    def sample():
        for _ in itertools.repeat(None, calls):
            call()

    return sample


# --- the base class -------------------------------------------------------------------------------------------

_PREPARED = {}  # (class, params) -> prepared state; lives for one benchmark process


class Measure(abc.ABC):
    """Root of the shared classes. asv collects every class it finds in a benchmark module, imported ones
    too, but skips abstract classes: ``family`` is abstract here and every concrete benchmark class sets it, so
    only the concrete classes are collected."""

    @property
    @abc.abstractmethod
    def family(self):
        """The kernel family, as named in the registry."""


class KernelBenchmark(Measure):
    """Base of every kernel benchmark: subclasses set ``family``, ``params`` and ``param_names``.

    Parameter names understood: ``size``, ``target``, and optionally ``layout`` and ``dtype`` (otherwise the
    class attributes ``layout``/``dtype`` fix them). ``residency`` says where GPU inputs live: ``"device"``
    (copied once in setup; the timed call is kernel work plus a synchronise) or ``"host"`` (NumPy inputs; the
    timed call includes the transfers each way).
    """

    layout = None
    dtype = "float64"
    residency = "device"

    # No warm-up loop inside asv: setup has already compiled and run the kernel once, and per-sample setup
    # re-runs would otherwise repeat the warm-up for every sample.
    warmup_time = 0.0
    # One invocation of the timed method per sample in every asv_runner version; the method itself makes
    # ``calls`` calls and ``timer`` (a PerCallClock set in setup) divides by them (see the module docstring).
    number = 1
    sample_seconds = SAMPLE_SECONDS
    # At least 3 samples (asv needs several for its confidence interval and the release check for its test), at
    # most 10, and stop after 1 s, so ~2000 parameter sets fit the 15-minute budget of a full run on 2 cores.
    # One round: a default run is one process per parameter set; `kbench release-check` asks for more rounds.
    repeat = (3, 10, 1.0)
    rounds = 1
    # Large GPU sizes, pure-Python loops and the CPU's biggest matrices need more than asv's 60 s default.
    timeout = 300

    # -- setup ------------------------------------------------------------------------------------------------
    def setup(self, *params):
        key = (type(self), params)
        if key not in _PREPARED:
            _PREPARED.clear()  # one parameter set per process in practice; never hold two sets of big inputs
            _PREPARED[key] = self._prepare(dict(zip(self.param_names, params)))
        self.__dict__.update(_PREPARED[key])

    def _prepare(self, p):
        if kernels is None:
            raise NotImplementedError("the kernels package could not be imported in this environment")
        size = p["size"]
        family = kernels.family(self.family)
        layout = p.get("layout", self.layout) or family.layouts[0]
        dtype = np.dtype(p.get("dtype", self.dtype))
        target = kernels.get_target(self.family, p["target"])
        reason = self.skip_reason(target, size, dtype, layout)
        if reason:
            raise NotImplementedError(reason)
        args = host_inputs(self.family, size, dtype.name, layout)
        fn = built(target)
        state = {"target": target, "size": size, "dtype": dtype, "layout": layout, "host_args": args}
        if target.device == "gpu":
            free_before = free_device_bytes(target.runtime)
            stream = new_stream(target.runtime)
            if self.residency == "host":
                call_args = args
            else:
                call_args = tuple(device_copy(a, target.runtime, stream) for a in args)
            stream.synchronize()  # inputs are on the device before anything is timed

            def launch():
                return fn(*call_args, stream=stream)

            def run():
                out = launch()
                stream.synchronize()  # inside the timed call, on the stream that ran the work
                return out

            state.update(stream=stream, launch=launch)
        else:
            def run():
                return fn(*args)

        result = run()  # warm-up with this exact dtype and layout: compiles every JIT target here
        if target.device == "gpu":
            # inputs, result and whatever the runtime still holds (CuPy's pool, numba-cuda's deferred frees)
            state["device_bytes_used"] = free_before - free_device_bytes(target.runtime)
        verify.check(result, reference_result(self.family, size, dtype.name, layout), dtype,
                     what=f"{target.key} size={size} {layout} {dtype.name}", tol=family.tolerance(dtype, size))
        state["run"] = run
        wait_for_idle_threads()  # no library thread left spinning from the reference check (see its docstring)
        # calibrated after the warm-up and the check, so no compilation is in it or in any sample
        calls = calls_per_sample(run, self.sample_seconds)
        state.update(calls=calls, timer=PerCallClock(calls), run_sample=repeated(run, calls))
        return state

    def skip_reason(self, target, size, dtype, layout=None):
        """Why ``target`` cannot run at these parameters here ('' if it can): what it needs is missing, the
        family's limits call the size too big for it (``Family.too_big``), or a GPU input would not fit."""
        ok, why = target.availability()
        if not ok:
            return why
        too_big = kernels.family(self.family).too_big(target, size, layout)
        if too_big or target.device == "cpu":
            return too_big
        return device_memory_shortfall(self.device_bytes(size, dtype), target.runtime)

    def device_bytes(self, size, dtype):
        """Device memory the inputs and result need, with room to spare: four times the first operand."""
        first = kernels.family(self.family).shapes(size)[0]
        return 4 * math.prod(first) * np.dtype(dtype).itemsize

    # -- helpers for subclasses --------------------------------------------------------------------------------
    def work(self):
        """``{"flops", "bytes"}`` of one call at the prepared parameters, from the family's record."""
        return kernels.family(self.family).work(self.size, self.dtype, self.layout)

    def best_seconds(self, calls=5):
        """Best of a few timed calls, for ``track_`` rates (asv's own timing serves ``time_`` only)."""
        import time

        best = float("inf")
        for _ in range(calls):
            t0 = time.perf_counter()
            self.run()
            best = min(best, time.perf_counter() - t0)
        return best


def event_seconds(launch, stream, runtime, launches=20, reduce=np.median):
    """Device time of one ``launch()`` from two CUDA events recorded on ``stream`` around it (no host
    synchronisation between them), ``reduce``d over ``launches`` launches: the median for a kernel's time, the
    minimum for a ceiling. ``runtime`` ("numba" or "cupy") says whose events and stream these are."""
    times = []
    for _ in range(launches):
        if runtime == "cupy":
            import cupy

            start, end = cupy.cuda.Event(), cupy.cuda.Event()
            start.record(stream)
            launch()
            end.record(stream)
            end.synchronize()
            times.append(cupy.cuda.get_elapsed_time(start, end) / 1e3)
        else:
            from numba import cuda

            start, end = cuda.event(), cuda.event()
            start.record(stream)
            launch()
            end.record(stream)
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3)  # Event.elapsed_time: numba-cuda and its simulator
    return float(reduce(times))


SIMULATOR_EVENTS = "numba-cuda's simulator runs no hardware: its CUDA events time nothing (elapsed time -1 ms)"
SIMULATOR_MEMORY = "numba-cuda's simulator has no device memory to measure (it reports infinite free memory)"


def simulated():
    """True when numba-cuda's simulator stands in for the GPU: device-side figures (CUDA-event times, device
    memory, ceilings, efficiencies) are then meaningless and are skipped, never recorded."""
    return kernels is not None and kernels.cuda_simulator_enabled()


def device_event_seconds(bench, launches=20):
    """Median device time of one call from CUDA events recorded on the target's stream (GPU targets only).
    Under the simulator the launches and events still run (the code path is exercised), then it skips."""
    if bench.target.device != "gpu":
        raise SkipNotImplemented("device time from CUDA events applies to GPU targets only")
    seconds = event_seconds(bench.launch, bench.stream, bench.target.runtime, launches=2 if simulated() else launches)
    if simulated():
        raise SkipNotImplemented(SIMULATOR_EVENTS)
    return seconds


# --- what a class measures: mix in the ones that apply ------------------------------------------------------
# asv calls each method with the parameter values; the prepared state set up in ``setup`` holds what they need.

class TimeKernel(Measure):
    def time_kernel(self, *params):
        """Seconds per call: ``calls`` back-to-back calls (about SAMPLE_SECONDS in all; GPU targets synchronise
        their stream inside each call), read through the per-call clock that setup installed."""
        self.run_sample()


class PeakMemKernel(Measure):
    def peakmem_kernel(self, *params):
        self.run()


class TrackGFlops(Measure):
    def track_gflops(self, *params):
        """Achieved GFLOP/s (higher is better; not used to gate regressions)."""
        return self.work()["flops"] / self.best_seconds() / 1e9

    track_gflops.unit = "GFLOP/s"


class TrackGBps(Measure):
    def track_gbps(self, *params):
        """Achieved GB/s of the kernel's minimum traffic (higher is better; not used to gate regressions)."""
        return self.work()["bytes"] / self.best_seconds() / 1e9

    track_gbps.unit = "GB/s"


class TrackDeviceSeconds(Measure):
    def track_device_seconds(self, *params):
        """Median CUDA-event time of one launch on the target's stream (GPU targets; n/a elsewhere)."""
        return device_event_seconds(self)

    track_device_seconds.unit = "seconds"


class TrackDeviceMemory(Measure):
    def track_device_bytes(self, *params):
        """Device memory in use after one call with its inputs and result alive, measured as the drop in the
        driver's free memory since before setup copied anything (GPU targets; n/a elsewhere). Both runtimes
        keep freed blocks (CuPy's pool, numba-cuda's deferred frees), so this is close to the peak."""
        if self.target.device != "gpu":
            raise SkipNotImplemented("device memory applies to GPU targets only")
        if simulated():
            raise SkipNotImplemented(SIMULATOR_MEMORY)
        return self.device_bytes_used

    track_device_bytes.unit = "bytes"


class GpuOnly(KernelBenchmark):
    """Base of the GPU-only classes (their ``params`` list only GPU targets, from the registry)."""

    def skip_reason(self, target, size, dtype, layout=None):
        if target.device != "gpu":
            return f"{target.key} is not a GPU target"
        return super().skip_reason(target, size, dtype, layout)


class HostArrays(GpuOnly):
    """GPU targets called with NumPy arrays, so host<->device transfers are part of each timed call (CPU
    targets always take host arrays and are timed by the family's main class)."""

    residency = "host"


class OneGpuTarget(GpuOnly):
    """One GPU target of any family, set up by :func:`prepared_gpu_target` for a series that measures it
    beside another. It has no benchmark methods, so asv collects nothing from it."""

    family = None  # set per instance
    param_names = ["size", "target", "dtype"]

    def __init__(self, family):
        self.family = family


def prepared_gpu_target(family, target, size, dtype):
    """``family``'s GPU ``target`` set up as its family's device classes are (device-resident inputs in the
    family's default layout, warmed up, checked against the reference): ``launch`` and ``stream`` are ready for
    :func:`device_event_seconds` and ``work()`` gives one call's traffic. NotImplementedError (asv's skip) where
    it cannot run here."""
    bench = OneGpuTarget(family)
    bench.setup(size, target, dtype)
    return bench


# --- ratios measured in one process -------------------------------------------------------------------------

def checked_cpu_call(family, target_name, size, dtype, layout=None):
    """A zero-argument call of a CPU target on the suite's cached inputs, warmed up (compiled) and checked
    against the reference; raises NotImplementedError where the target cannot run here."""
    if kernels is None:
        raise NotImplementedError("the kernels package could not be imported in this environment")
    record = kernels.family(family)
    layout = layout or record.layouts[0]
    target = kernels.get_target(family, target_name)
    ok, why = target.availability()
    if not ok:
        raise NotImplementedError(why)
    args = host_inputs(family, size, np.dtype(dtype).name, layout)
    fn = built(target)

    def call():
        return fn(*args)

    verify.check(call(), reference_result(family, size, np.dtype(dtype).name, layout), dtype,
                 what=f"{target.key} size={size} {layout} {dtype}", tol=record.tolerance(dtype, size))
    wait_for_idle_threads()
    return call


def interleaved_best(calls, rounds=5, min_round_seconds=0.05, settle_seconds=0.15):
    """Best seconds per call of each callable, timed in alternation (``rounds`` times each, every round long
    enough to be well above timer resolution), so that a slow spell of a shared machine hits all of them
    alike. Returns a list in the order given.

    Before each round the process sleeps ``settle_seconds``: OpenBLAS's and GNU OpenMP's worker threads
    busy-wait for a while after a parallel call returns, and on a small machine the next library's threads
    would otherwise share the cores with them (measured here: np.dot right before a Numba reduction made the
    latter up to 25 % slower)."""
    import time

    def seconds_per_call(fn, repeats):
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - t0) / repeats

    repeats = []
    for fn in calls:  # calibrate: enough calls per round to last min_round_seconds
        one = seconds_per_call(fn, 1)
        repeats.append(max(1, int(min_round_seconds / max(one, 1e-9))))
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for i, fn in enumerate(calls):
            time.sleep(settle_seconds)
            best[i] = min(best[i], seconds_per_call(fn, repeats[i]))
    return best
