"""Compilation time as its own series: a Numba release that compiles slower shows up here, apart from run time."""
import numpy as np

from .common import DTYPES, kernels, new_stream

# compile cost does not depend on size; tiny inputs keep the run itself negligible
SIZES = {"matrix": 16, "vector": 1000}


def jit_targets():
    """Every target whose first call compiles, from the registry."""
    return [t.key for t in kernels.targets() if t.jit] if kernels is not None else []


_WARMED = set()  # (target, dtype) compiled once in this process by setup


class CompileTime:
    """Time of building a fresh dispatcher and making its first call (the compilation for this dtype), per
    target. Numba's on-disk cache is never used: ``build(fresh=True)`` builds without it. GPU targets
    synchronise their stream inside the timed call. The process's first ``setup`` compiles the same target once,
    so Numba's one-off lazy initialisation in a new process is not charged to the first sample."""

    params = [jit_targets(), DTYPES]
    param_names = ["target", "dtype"]
    # each call must be cold: one call per sample, a fresh dispatcher made inside the timed call
    number = 1
    # compiles take 0.1 to a few seconds and vary little: 2 samples, one process. asv runs setup before each
    # sample but the first (already set up); the warm-up compile is made by the first setup only, so a
    # parameter set costs 3 compiles: warm-up, sample, sample (this class was a fifth of a full run at 3
    # samples and a warm-up per sample)
    repeat = (2, 2, 30.0)
    rounds = 1
    warmup_time = 0.0  # no warm-up loop: every call compiles afresh, so warming up would only add compiles
    timeout = 600

    def setup(self, key, dtype):
        family, name = key.split(".")
        self.target = kernels.get_target(family, name)
        ok, why = self.target.availability()
        if not ok:
            raise NotImplementedError(why)
        record = kernels.family(family)
        self.args = record.make_inputs(SIZES[record.kind], np.dtype(dtype), record.layouts[0],
                                       np.random.default_rng(0))
        self.stream = new_stream(self.target.runtime) if self.target.device == "gpu" else None
        if (key, dtype) not in _WARMED:  # once per process: the state it warms stays warm for later samples
            self.first_call()
            _WARMED.add((key, dtype))

    def first_call(self):
        fn = self.target.build(fresh=True)
        if self.stream is None:
            return fn(*self.args)
        out = fn(*self.args, stream=self.stream)
        self.stream.synchronize()
        return out

    def time_first_call(self, key, dtype):
        self.first_call()
