"""Input checks shared by every family, run before any kernel is called (so before any compilation).

Each check is O(1) in the array's size: a type test and a few attribute reads (``shape``, ``ndim``,
``dtype``). Bad input becomes a ``TypeError`` or ``ValueError`` that names the argument and the problem; no
Numba typing traceback reaches a user, and nothing is silently computed on something a target cannot handle.

What is accepted (see docs/benchmarks.md, "Inputs the kernels accept"):

- CPU targets take NumPy arrays: ``numpy.ndarray`` itself, and ``numpy.memmap`` (plain data on a file, which
  every target computes on exactly as on an ndarray). Every other subclass of ndarray is refused:
  ``numpy.ma.MaskedArray`` because the targets would disagree about its mask (Numba ignores it, NumPy
  honours it), ``numpy.matrix`` and third-party subclasses because NumPy targets would keep their semantics
  and Numba targets drop them. ``np.asarray(x)`` turns any of them into a plain array.
- GPU targets take the same NumPy arrays (copied to the device and back) and device arrays: numba-cuda device
  arrays and CuPy arrays (anything with the CUDA Array Interface; under the simulator, its fake device arrays).
- Objects that merely have ``shape``, ``dtype`` and ``ndim`` attributes are refused by every target.
- No input array, and no result, may have more than :data:`MAX_ELEMENTS` elements (2**31): past it a call
  raises ``ValueError`` at once instead of running for minutes (a zero-stride view of 10^10 elements costs no
  memory, but 10^10 iterations) or failing in NumPy's allocator.
"""
from __future__ import annotations

import numpy as np

from . import _gpu

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# The largest number of elements of any input or result: 2**31, 16 GiB of float64 and 20x the largest size the
# benchmark suite runs (10^8). Larger problems would take a CPU target seconds to minutes per call and need more
# memory than the machines the suite runs on.
MAX_ELEMENTS = 2**31

_HOST_TYPES = (np.ndarray, np.memmap)  # exact types accepted as NumPy arrays


def _describe(x) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_kind(x, name: str, device: bool) -> None:
    """Raise TypeError unless ``x`` is something the target can compute on (called only when ``x`` is not an
    exact ``numpy.ndarray``, the common case)."""
    if type(x) in _HOST_TYPES:
        return
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a numpy.ma.MaskedArray, which these kernels refuse: Numba targets would ignore its mask "
            f"and NumPy targets honour it, so the answer would depend on the target. Pass {name}.compressed() "
            f"(the unmasked elements) or {name}.filled(value) instead"
        )
    if isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} is a {_describe(x)}, a subclass of numpy.ndarray, which these kernels refuse (NumPy targets "
            f"would keep its behaviour, Numba targets drop it); pass np.asarray({name}), a plain ndarray"
        )
    if _gpu.is_device_array(x):
        if not device:
            raise TypeError(
                f"{name} is a device array ({_describe(x)}), but this target runs on the CPU and takes NumPy "
                f"arrays; copy it to the host first ({name}.copy_to_host() or cupy.asnumpy({name}))"
            )
        if not (hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "ndim")):
            raise TypeError(f"{name} ({_describe(x)}) is not a usable device array: it lacks shape, dtype or ndim")
        return
    accepted = "a NumPy array or a device array (numba-cuda, CuPy)" if device else "a NumPy array (numpy.ndarray)"
    looks = "; having shape, dtype and ndim attributes is not enough" if hasattr(x, "shape") else ""
    raise TypeError(f"{name} must be an array: {accepted}, got {_describe(x)}{looks}")


def check_size(count: int, what: str) -> None:
    """Refuse ``count`` elements (of an input or of a result) past :data:`MAX_ELEMENTS`."""
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{what} has {count:,} elements, more than the {MAX_ELEMENTS:,} (2**31) these kernels accept "
            f"(see docs/benchmarks.md); split the problem into smaller pieces"
        )


def check_array(x, name: str, ndim: int | None = None, allow_empty: bool = False, device: bool = False) -> np.dtype:
    """Check one array argument; return its dtype. ``device=True`` (GPU targets) also accepts device arrays."""
    if type(x) is not np.ndarray:
        _check_kind(x, name, device)
    dtype = np.dtype(x.dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must have dtype float32 or float64, got {dtype}")
    shape = x.shape
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got {x.ndim} dimensions (shape {tuple(shape)})")
    if not allow_empty and 0 in tuple(shape):
        raise ValueError(f"{name} is empty (shape {tuple(shape)}); this kernel needs at least one element")
    count = x.size if type(x) is np.ndarray else _count(shape)
    if count > MAX_ELEMENTS:
        check_size(count, f"{name} (shape {tuple(shape)})")
    return dtype


def _count(shape) -> int:
    count = 1
    for extent in shape:
        count *= int(extent)
    return count


def check_arguments(what: str, names: tuple, args: tuple, kwargs: dict) -> None:
    """A kernel called with exactly its family's arguments, positionally: ``names`` (e.g. ``("x", "y")``)."""
    if kwargs:
        extra = ", ".join(sorted(kwargs))
        raise TypeError(f"{what} takes no keyword arguments here, got {extra}: it returns a new array and takes "
                        f"no output argument")
    if len(args) != len(names):
        plural = "s" if len(names) != 1 else ""
        note = " (it returns a new array and takes no output argument)" if len(args) > len(names) else ""
        raise TypeError(f"{what} takes {len(names)} array argument{plural} ({', '.join(names)}), "
                        f"got {len(args)}{note}")


def check_same_dtype(**arrays) -> np.dtype:
    """All arrays share one floating dtype (mixing float32 and float64 is refused, not silently promoted)."""
    dtypes = {name: np.dtype(a.dtype) for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{n} is {d}" for n, d in dtypes.items())
        raise TypeError(f"mixed dtypes: {listed}; convert them to one floating dtype first")
    return next(iter(dtypes.values()))


def check_same_shape(**arrays) -> tuple:
    shapes = {name: tuple(a.shape) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} has shape {s}" for n, s in shapes.items())
        raise ValueError(f"shapes differ: {listed}; the inputs must have the same shape")
    return next(iter(shapes.values()))


# --- the spread of a vector, for normalising it -------------------------------------------------------------

# A vector is taken as constant when its standard deviation is within this many units of the dtype's precision
# (eps) of its mean's magnitude. Computing the mean of a truly constant vector leaves a residue in the order of
# eps * |mean| (up to about 2 eps with NumPy's pairwise sums, measured to 3*10^7 elements); the residue is all
# a "standard deviation" of such a vector is made of, so normalising by it would return rounding noise scaled
# up to +-1. 16 eps leaves a margin of 8 over that residue and refuses only spreads of a few ulps.
NEAR_CONSTANT_EPS = 16
_PRECISION = {d: (float(np.finfo(d).eps), float(np.finfo(d).tiny)) for d in FLOAT_DTYPES}


def check_spread(mean: float, std: float, dtype, name: str = "x") -> None:
    """Raise ValueError when a vector of ``dtype`` with this mean and (population) standard deviation is
    constant to within its precision: ``std <= NEAR_CONSTANT_EPS * eps * |mean|``, or ``std`` no more than the
    dtype's smallest normal number (a spread of subnormals). Every normalising target decides with this."""
    eps, tiny = _PRECISION[np.dtype(dtype)]
    limit = max(NEAR_CONSTANT_EPS * eps * abs(float(mean)), tiny)
    if std <= limit:  # a NaN std (NaN in x) is not refused: NaN propagates to the result, as in NumPy
        raise ValueError(
            f"{name} has (near-)zero variance: its standard deviation {float(std):.3g} is at most "
            f"{NEAR_CONSTANT_EPS} eps x |mean| (mean {float(mean):.6g}, {np.dtype(dtype)} eps {eps:.3g}), so its "
            f"elements are equal up to rounding and (x - mean) / std would be rounding noise"
        )
