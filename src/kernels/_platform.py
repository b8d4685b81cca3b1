"""What this machine can run: optional dependencies and GPUs, probed lazily and once.

Nothing here runs at import time: each probe imports its library (and, for CUDA, initialises the driver)
only when first asked, so ``import kernels`` works on a machine with no GPU, no CUDA and no CuPy.
"""
from __future__ import annotations

import functools
import os
from typing import Tuple


def cuda_simulator_enabled() -> bool:
    """True when numba-cuda's simulator stands in for a GPU (NUMBA_ENABLE_CUDASIM=1)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


@functools.lru_cache(maxsize=None)
def have_scipy() -> Tuple[bool, str]:
    try:
        import scipy.linalg  # noqa: F401
    except ImportError as exc:
        return False, f"SciPy is not installed ({exc})"
    return True, ""


@functools.lru_cache(maxsize=None)
def have_cuda() -> Tuple[bool, str]:
    """numba-cuda importable and a CUDA device usable (or the simulator switched on)."""
    try:
        from numba import cuda
    except ImportError as exc:
        return False, f"numba-cuda is not installed ({exc}); install the cuda12 or cuda13 extra"
    if not hasattr(cuda, "jit"):
        return False, "numba.cuda is not usable; install the numba-cuda package"
    if cuda_simulator_enabled():
        return True, ""
    try:
        if cuda.is_available():
            return True, ""
    except Exception as exc:  # the driver can fail in many ways; report it rather than crash
        return False, f"the CUDA driver could not be initialised ({exc})"
    return False, "no CUDA GPU found (numba.cuda.is_available() is False)"


@functools.lru_cache(maxsize=None)
def have_cupy() -> Tuple[bool, str]:
    if cuda_simulator_enabled():
        # CuPy would run on real hardware while Numba pretends; mixing the two would time nothing real.
        return False, "CuPy is disabled while the CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1)"
    try:
        import cupy
    except ImportError as exc:
        return False, f"CuPy is not installed ({exc}); install the cuda12 or cuda13 extra"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return False, f"CuPy found no usable CUDA device ({exc})"
    if count < 1:
        return False, "CuPy found no CUDA device"
    return True, ""
