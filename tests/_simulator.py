"""For test modules that must run under numba-cuda's simulator: NUMBA_ENABLE_CUDASIM has to be set before
numba.cuda is first imported, so such a module re-runs itself in a subprocess with it set, and its real tests
(marked ``inside``) run only there, or on a real GPU with ``KBENCH_REAL_GPU=1``."""
import os
import subprocess
import sys

import pytest

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
REAL_GPU = os.environ.get("KBENCH_REAL_GPU") == "1"
inside = pytest.mark.skipif(not (SIMULATED or REAL_GPU), reason="runs in the simulator subprocess (see test_in_simulator)")


def rerun_in_simulator(test_file: str, what: str, timeout: float) -> None:
    """Run ``test_file`` with pytest in a subprocess under the simulator and fail with its output unless every
    test passed (skipped here when already inside that run)."""
    if SIMULATED or REAL_GPU:
        pytest.skip("already inside the simulator run")
    pytest.importorskip("numba.cuda")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file],
                          env=env, capture_output=True, text=True, timeout=timeout)
    print(proc.stdout[-5000:], proc.stderr[-3000:])
    assert proc.returncode == 0, f"{what} failed in the simulator (output above)"
    assert " passed" in proc.stdout
