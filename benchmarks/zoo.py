"""The regression zoo: reproducers of real Numba and numba-cuda slowdowns (``kernels.zoo``), timed like the
course kernels: inputs built and the result checked against the reference in ``setup``, compilation kept out
of every ``time_`` sample, GPU work synchronised inside the timed call, what cannot run here skipped in
``setup``."""
import numpy as np

from .common import PerCallClock, calls_per_sample, kernels, repeated, simulated

try:
    from kernels import zoo as _zoo
except ImportError:  # an environment where the package is broken: the suite still imports, every set skips
    _zoo = None


def names(measures):
    return [r.name for r in _zoo.reproducers() if r.measures == measures] if _zoo is not None else []


def _skip_reason(rep):
    if rep.device != "gpu":
        return ""
    if simulated():
        return "a GPU reproducer: the CUDA simulator's timings mean nothing"
    try:
        from numba import cuda
        if cuda.is_available():
            return ""
    except Exception as exc:  # noqa: BLE001 - any failure to reach a GPU is a skip
        return f"no usable GPU ({type(exc).__name__}: {exc})"
    return "no CUDA GPU on this machine"


def _device_args(rep, args):
    if rep.device != "gpu":
        return args
    from numba import cuda
    out = tuple(cuda.to_device(a) if isinstance(a, np.ndarray) else a for a in args)
    cuda.synchronize()
    return out


def copy_keeping_layout(a):
    """A fresh copy of ``a`` with the same strides. ``ndarray.copy`` would make a strided view contiguous, and
    some reproducers are about how a non-contiguous array is compiled for."""
    if a.flags.c_contiguous or a.ndim == 0:
        return a.copy()
    if any(s <= 0 or s % a.itemsize for s in a.strides):
        raise ValueError(f"zoo arguments need positive strides in whole elements, not {a.strides}")
    span = 1 + sum((n - 1) * s // a.itemsize for n, s in zip(a.shape, a.strides))
    out = np.lib.stride_tricks.as_strided(np.empty(span, a.dtype), a.shape, a.strides)
    out[...] = a
    return out


def check(rep, result, args):
    """Raise AssertionError unless ``result`` matches the reference (exactly for integers)."""
    expected = rep.reference(*args)
    got = result.copy_to_host() if hasattr(result, "copy_to_host") else result
    if np.asarray(expected).dtype.kind in "iub":
        np.testing.assert_array_equal(got, expected, err_msg=f"zoo.{rep.name}")
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0, err_msg=f"zoo.{rep.name}")


class Zoo:
    """Seconds per call of each reproducer that measures a call: ``calls`` back-to-back calls per sample
    (about 10 ms), read through the per-call clock, as in the course-kernel classes. GPU reproducers
    synchronise the device inside each call."""

    params = [names("call")]
    param_names = ["reproducer"]
    number = 1
    warmup_time = 0.0
    repeat = (3, 10, 1.0)
    rounds = 1
    timeout = 300

    def setup(self, name):
        if _zoo is None:
            raise NotImplementedError("the kernels package could not be imported in this environment")
        rep = _zoo.reproducer(name)
        reason = _skip_reason(rep)
        if reason:
            raise NotImplementedError(reason)
        host_args = rep.make_args(np.random.default_rng(0))
        fn = rep.build(False)
        args = _device_args(rep, tuple(copy_keeping_layout(a) if isinstance(a, np.ndarray) else a for a in host_args))
        check(rep, fn(*args), host_args)  # also the warm-up: the kernel is compiled before anything is timed

        def run():
            return fn(*args)

        self.calls = calls_per_sample(run)
        self.timer = PerCallClock(self.calls)
        self.run_sample = repeated(run, self.calls)

    def time_reproducer(self, name):
        self.run_sample()


class ZooCompile:
    """Seconds of building a fresh dispatcher and making its first call, for the compile-time reproducers.
    ``setup`` compiles it once first (Numba's one-off initialisation in a new process is not charged) and
    checks the result; one call per sample, each one cold."""

    params = [names("compile")]
    param_names = ["reproducer"]
    number = 1
    repeat = (2, 3, 30.0)
    rounds = 1
    warmup_time = 0.0
    timeout = 600

    def setup(self, name):
        if _zoo is None:
            raise NotImplementedError("the kernels package could not be imported in this environment")
        self.rep = _zoo.reproducer(name)
        reason = _skip_reason(self.rep)
        if reason:
            raise NotImplementedError(reason)
        host_args = self.rep.make_args(np.random.default_rng(0))
        self.args = _device_args(self.rep, host_args)
        check(self.rep, self.first_call(), host_args)

    def first_call(self):
        return self.rep.build(True)(*self.args)

    def time_first_call(self, name):
        self.first_call()
