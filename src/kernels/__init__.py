"""Course kernels for Numba, each written once and run on every target it has.

``import kernels`` compiles nothing and touches no GPU: families are found on first use (each module of the
package that registers one) and targets are built on first call. Enumerate them through the registry::

    import kernels
    for name in kernels.families():
        fam = kernels.family(name)                  # a Family record: layouts, inputs, reference, work, limits
        print(name, fam.layouts, fam.work(1024, "float64", fam.layouts[0]))
    for t in kernels.targets("matmul"):
        print(t.key, t.availability())
    matmul = kernels.get("matmul", "jit_ikj")

What tooling imports from here is public: ``verify`` (checking a result against the reference),
``use_disk_cache`` (Numba's on-disk cache for later builds), and the platform probes ``cuda_simulator_enabled``,
``have_cuda`` and ``have_cupy``.
"""
from . import verify  # noqa: F401
from ._family import Family, Limits  # noqa: F401
from ._jit import use_disk_cache  # noqa: F401
from ._platform import cuda_simulator_enabled, have_cuda, have_cupy  # noqa: F401
from ._registry import (  # noqa: F401
    Target,
    TargetUnavailable,
    discover,
    families,
    family,
    family_module,
    get,
    get_target,
    register,
    register_family,
    target_names,
    targets,
)

__version__ = "0.1.0"
