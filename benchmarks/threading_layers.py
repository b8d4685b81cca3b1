"""The parallel kernels against their NumPy/BLAS baseline, under each of Numba's threading layers.

A threading layer is chosen once per process, when Numba first runs parallel code. asv runs every parameter
set in a new process, so each set here selects its layer in ``setup`` before anything parallel has run. The
layers behave very differently on the same kernel (docs/performance.md): the OpenMP layer runs a
``@vectorize(target='parallel')`` ufunc one element per call of its inner loop, while the workqueue and TBB
layers hand each thread a contiguous chunk.
"""
import ctypes
import glob
import os
import sys

from .common import Measure, case_size, checked_cpu_call, interleaved_best, kernels

# Numba's own pick is the first of tbb, omp, workqueue that loads (`kbench info` records which), so it is one
# of these three and needs no run of its own.
LAYERS = ["omp", "workqueue", "tbb"]


def speedup_cases():
    """case name -> (family, target, size, dtype, baseline target of the same family), from the families'
    records (``Family.parallel_cases``: the sizes the fast kernels are stated at, docs/performance.md), e.g.
    ``"sumsq.jit_parallel n=1e7 float64"``."""
    if kernels is None:
        return {}
    return {f"{name}.{target} n={case_size(size)} {dtype}": (name, target, size, dtype, baseline)
            for name in kernels.families() for target, size, dtype, baseline in kernels.family(name).parallel_cases}


CASES = speedup_cases()


def _make_tbb_loadable():
    """pip's ``tbb`` wheel puts libtbb.so.12 in <env>/lib, which is not on the loader's path, so Numba's TBB
    layer fails to load in a virtualenv and Numba silently falls back. Loading the library by its full path
    first lets the layer's extension find it by name."""
    for lib in sorted(glob.glob(os.path.join(sys.prefix, "lib", "libtbb.so.12*"))):
        try:
            ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
            return
        except OSError:
            continue


def select_threading_layer(layer):
    """Make ``layer`` Numba's threading layer in this process, or raise NotImplementedError saying why not."""
    import numba
    from numba.np.ufunc import parallel

    if parallel._is_initialized and numba.threading_layer() != layer:
        raise NotImplementedError(f"this process already runs the {numba.threading_layer()} layer")
    if layer == "tbb":
        _make_tbb_loadable()
    numba.config.THREADING_LAYER = layer
    try:
        parallel._launch_threads()
    except (ValueError, ImportError, OSError) as exc:
        raise NotImplementedError(f"Numba's {layer} threading layer cannot be loaded here: {exc}") from None
    if numba.threading_layer() != layer:
        raise NotImplementedError(f"asked for the {layer} layer, Numba runs {numba.threading_layer()}")


class ThreadingLayers(Measure):
    """Speed-up of a parallel Numba kernel over its NumPy/BLAS baseline (higher is better; never gates), under
    each threading layer. Both are timed in the same process, alternately, best of 3 rounds each after a short
    pause (``common.interleaved_best``), so the ratio holds even on a noisy machine. CPU only: no device
    sync."""

    family = None  # the cases span several families
    params = [list(CASES), LAYERS]
    param_names = ["case", "layer"]
    timeout = 300

    def setup(self, case, layer):
        family, target, size, dtype, baseline = CASES[case]
        select_threading_layer(layer)  # before the first parallel call of this process
        self.kernel = checked_cpu_call(family, target, size, dtype)
        self.baseline = checked_cpu_call(family, baseline, size, dtype)

    def track_speedup(self, case, layer):
        # 3 rounds: each call already follows a settle pause, and 27 parameter sets must fit the run's budget
        baseline_seconds, kernel_seconds = interleaved_best([self.baseline, self.kernel], rounds=3)
        return baseline_seconds / kernel_seconds

    track_speedup.unit = "x baseline"
