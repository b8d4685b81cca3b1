"""Deprecated: the old name of :mod:`kernels.verify`, kept for importers not yet moved (see the module's
users in benchmarks/_callgrind.py on main). ``family_tolerance`` is ``kernels.family(name).tolerance``."""
from .verify import KernelMismatch, TOLERANCE, check, relative_error, to_host, tolerance  # noqa: F401


def family_tolerance(module, dtype, args) -> float:
    """The tolerance of one call of ``module``'s family on ``args``: ``Family.tolerance(dtype, size)``."""
    from ._registry import family

    return family(module.FAMILY).tolerance(dtype, args[0].shape[0])
