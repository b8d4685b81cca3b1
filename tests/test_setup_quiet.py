"""Before calibrating, ``setup`` waits for library threads left spinning by the reference check."""
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402

linux_only = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc/self/task")


@linux_only
def test_waits_while_another_thread_spins_and_not_longer():
    stop = time.perf_counter() + 0.2

    def spin():  # a busy thread, as a BLAS worker after its call returns
        while time.perf_counter() < stop:
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    time.sleep(0.01)
    waited = common.wait_for_idle_threads(timeout=2.0)
    worker.join()
    assert 0.1 <= waited < 1.0, waited
    assert common.wait_for_idle_threads(timeout=2.0) < 0.05  # nothing spins now


@linux_only
def test_a_thread_that_never_stops_costs_at_most_the_timeout():
    done = threading.Event()

    def spin():
        while not done.is_set():
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        assert 0.1 <= common.wait_for_idle_threads(timeout=0.1) < 0.5
    finally:
        done.set()
        worker.join()


def test_references_of_the_vector_reductions_use_no_blas():
    """sum(x*x) and the pipeline's dot are checked by NumPy's pairwise sum, which starts no thread; the value is
    the same as BLAS's to float64 rounding."""
    import numpy as np

    import kernels

    x = np.random.default_rng(1).standard_normal(100_001)
    assert kernels.family("sumsq").reference(x) == pytest.approx(float(np.dot(x, x)), rel=1e-12)
    z = kernels.family("normalise").reference(x)
    assert kernels.family("pipeline").reference(x) == pytest.approx(float(np.dot(z, z)), rel=1e-12)
