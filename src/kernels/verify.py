"""Checking a result against the float64 NumPy reference: one error measure and one tolerance table,
shared by the tests, ``kbench check`` and the benchmarks' ``setup``. A family's tolerance at a size is
``kernels.family(name).tolerance(dtype, size)``."""
from __future__ import annotations

import numpy as np

# Largest accepted error relative to the reference's largest magnitude (a norm-wise measure, so elements that
# happen to be near zero do not blow it up). float32 keeps ~7 digits, but sums of thousands of terms and
# fastmath re-association lose a few; float64 keeps ~16 digits and loses a few the same way.
TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


class KernelMismatch(AssertionError):
    """A kernel's result differs from the reference by more than the dtype's tolerance."""


def to_host(result):
    """NumPy array or float from a host result, a numba-cuda device array, or a CuPy array/scalar."""
    if hasattr(result, "copy_to_host"):
        return result.copy_to_host()
    if hasattr(result, "get") and hasattr(result, "__cuda_array_interface__"):
        return result.get()
    return result


def relative_error(result, reference) -> float:
    result = np.asarray(to_host(result), dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if result.shape != reference.shape:
        raise KernelMismatch(f"result has shape {result.shape}, the reference {reference.shape}")
    if result.size == 0:
        return 0.0
    scale = float(np.max(np.abs(reference)))
    diff = float(np.max(np.abs(result - reference)))
    if not np.isfinite(diff):
        return float("inf")
    return diff / scale if scale > 0 else diff


def tolerance(dtype, reduction_length=0) -> float:
    """The accepted error for a dtype. A sum over ``reduction_length`` terms accumulated in that dtype (BLAS
    ``sdot``, say) drifts like sqrt(n) roundings, so long float32 reductions get a proportionally wider margin."""
    dtype = np.dtype(dtype)
    drift = 10.0 * float(np.sqrt(reduction_length)) * float(np.finfo(dtype).eps)
    return max(TOLERANCE[dtype], drift)


def check(result, reference, dtype, what="result", tol=None) -> float:
    """Raise KernelMismatch if ``result`` is off (beyond ``tol``, default the dtype's); return the error."""
    err = relative_error(result, reference)
    tol = tolerance(dtype) if tol is None else tol
    if not err <= tol:
        raise KernelMismatch(f"{what}: relative error {err:.3g} exceeds the {np.dtype(dtype)} tolerance {tol:g}")
    return err
