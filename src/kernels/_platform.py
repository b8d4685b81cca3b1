"""What this machine can run: optional dependencies and GPUs, probed lazily and once.

Nothing here runs at import time: each probe imports its library (and, for CUDA, initialises the driver)
only when first asked, so ``import kernels`` works on a machine with no GPU, no CUDA and no CuPy.
"""
from __future__ import annotations

import ctypes
import functools
import os
import sys
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


def cuda_driver_library() -> str:
    """Where the CUDA driver library loads from ('' if it cannot load here). A few milliseconds, against ~0.4 s
    for importing numba.cuda to find out the same: the benchmark suite asks once per process, in hundreds of
    processes, so machines without a driver answer from this check. Loading the library does not initialise
    the driver (no cuInit), so forking afterwards stays safe."""
    if os.environ.get("NUMBA_CUDA_DRIVER"):
        return os.environ["NUMBA_CUDA_DRIVER"]  # Numba's own override: trust it, let numba.cuda decide
    names = {"win32": ["nvcuda.dll"], "darwin": []}.get(sys.platform, ["libcuda.so.1", "libcuda.so"])
    for name in names:
        try:
            ctypes.CDLL(name)
            return name
        except OSError:
            continue
    return ""


@functools.lru_cache(maxsize=None)
def have_cuda() -> Tuple[bool, str]:
    """numba-cuda importable and a CUDA device usable (or the simulator switched on)."""
    if not cuda_simulator_enabled() and not cuda_driver_library():
        return False, "no CUDA driver library (libcuda) on this machine: no GPU to run on"
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


def have_cuda_ufunc() -> Tuple[bool, str]:
    """What ``@vectorize(target='cuda')`` needs: a real CUDA device. numba-cuda's simulator runs ``@cuda.jit``
    kernels but cannot build CUDA ufuncs (its FakeOverload has no ``signature``, which the CUDA vectorizer reads),
    so there such targets are unavailable, with that reason, rather than failing."""
    if cuda_simulator_enabled():
        return False, ("numba-cuda's simulator cannot build @vectorize(target='cuda') ufuncs (a simulator limit: "
                       "'FakeOverload' has no 'signature'); they run on a real GPU")
    return have_cuda()


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
