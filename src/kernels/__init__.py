"""Course kernels for Numba, each written once and run on every target it has.

``import kernels`` compiles nothing and touches no GPU: targets are built on first use. Enumerate them through
the registry::

    import kernels
    for t in kernels.targets("matmul"):
        print(t.key, t.availability())
    matmul = kernels.get("matmul", "jit_ikj")
"""
from ._registry import (  # noqa: F401
    Target,
    TargetUnavailable,
    families,
    family_module,
    get,
    get_target,
    target_names,
    targets,
)
# each family module registers its targets on import; none compiles anything or touches a GPU
from . import matmul, sumsq, gauss, sincos, normalise, pipeline, fastmath  # noqa: F401,E402

__version__ = "0.1.0"
