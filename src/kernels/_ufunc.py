"""Targets of an element-wise kernel, all made from one scalar function.

The scalar function uses ``math`` (not NumPy), which every ``@vectorize`` target accepts, the CUDA one
included. ``@vectorize`` with signatures compiles eagerly, so the ufuncs are made inside builders, never at
import time.
"""
from __future__ import annotations

import numba
import numba.extending
import numpy as np

from . import _alloc, _checks, _gpu, _jit, _vectors

SIGNATURES = ("float32", "float64")


def _signatures(nargs):
    return [f"{t}({', '.join([t] * nargs)})" for t in SIGNATURES]


def argument_names(scalar, nargs):
    """The family's argument names: those of its scalar function (``x``, or ``x, y``)."""
    return tuple(scalar.__code__.co_varnames[:nargs])


def check_call(what, names, xs, kwargs, device=False):
    """Every element-wise target's checks: exactly the family's arguments (a ufunc's output argument, which
    it would silently overwrite, is refused), then 1-D floating vectors of one dtype and one length."""
    if kwargs or len(xs) != len(names):
        _checks.check_arguments(what, names, xs, kwargs)
    return _vectors.check_vectors(device=device, **dict(zip(names, xs)))


def vectorize_target(scalar, nargs, target, tag=None, what=None, **options):
    """Builder for ``@vectorize(target=...)`` over ``scalar``; the callable checks its inputs first. ``tag``
    names the cached copy (default ``vectorize_<target>``); a second kernel of the same family needs its own.
    ``what`` names the target in error messages (``family.target``)."""
    names = argument_names(scalar, nargs)
    what = what or f"@vectorize(target={target!r})"

    def build():
        ufunc = _jit.vectorize(scalar, tag or f"vectorize_{target}", _signatures(nargs), target, **options)
        if target == "cuda":
            return _cuda_call(ufunc, names, what)

        def call(*xs, **kwargs):
            dtype = check_call(what, names, xs, kwargs)
            # the result on a cache line, as every host kernel's (kernels._alloc): NumPy's own allocation for a
            # ufunc's output lands at a different alignment from one process to the next
            return ufunc(*xs, out=_alloc.empty(xs[0].shape[0], dtype))  # check_call: 1-D, one length

        call.ufunc = ufunc
        return call

    return build


def _cuda_call(ufunc, names, what):
    def call(*xs, stream=0, **kwargs):
        check_call(what, names, xs, kwargs, device=True)
        if all(_gpu.is_device_array(a) for a in xs):
            # device-resident inputs: the result stays on the device, unsynchronised (the caller owns the stream)
            return ufunc(*[_gpu.numba_to_device(a) for a in xs], stream=stream)
        # host inputs: the ufunc copies in and out itself (the transfers the course warns about)
        return ufunc(*[_vectors.host_contiguous(np.asarray(a)) for a in xs], stream=stream)

    call.ufunc = ufunc
    return call


cuda = None  # numba.cuda, bound on first use; the simulator swaps this global (see _gpu.numba_cuda)


def cuda_elementwise(scalar, nargs):
    """The same scalar arithmetic as a plain ``@cuda.jit`` kernel, one thread per element.

    numba-cuda's simulator cannot run ``@vectorize(target='cuda')``; tests run this under the simulator to check
    the scalar function's arithmetic on the CUDA target instead. Returns ``run(*host_arrays) -> ndarray``.
    """
    global cuda
    cuda = _gpu.numba_cuda()
    device_scalar = cuda.jit(device=True)(scalar)

    if nargs == 1:
        @cuda.jit
        def kernel(x, out):
            i = cuda.grid(1)
            if i < out.shape[0]:
                out[i] = device_scalar(x[i])
    else:
        @cuda.jit
        def kernel(x, y, out):
            i = cuda.grid(1)
            if i < out.shape[0]:
                out[i] = device_scalar(x[i], y[i])

    def run(*xs):
        out = np.empty_like(xs[0])
        kernel[_gpu.grid_1d(out.shape[0], 64), 64](*[np.ascontiguousarray(a) for a in xs], out)
        return out

    return run


def register_ufunc_targets(module, numpy_kernel, numpy_description):
    """Register an element-wise family's targets: NumPy plus the three ``@vectorize`` targets made from
    ``module.scalar``.

    ``module`` provides FAMILY, NARGS and scalar, and has registered its :class:`Family`. Adding an element-wise
    kernel takes its scalar function, its NumPy expression, its family record and this call.
    """
    from ._registry import Target, register

    family, scalar, nargs = module.FAMILY, module.scalar, module.NARGS
    names = argument_names(scalar, nargs)

    def numpy_target():
        def call(*xs, **kwargs):
            check_call(f"{family}.numpy", names, xs, kwargs)
            return numpy_kernel(*xs)

        return call

    register(Target(family, "numpy", numpy_target, numpy_description))
    for target in ("cpu", "parallel"):
        name = f"vectorize_{target}"
        register(Target(family, name, vectorize_target(scalar, nargs, target, what=f"{family}.{name}"),
                        f"@vectorize(target={target!r})", jit=True))
    register(Target(family, "vectorize_cuda", vectorize_target(scalar, nargs, "cuda", what=f"{family}.vectorize_cuda"),
                    "@vectorize(target='cuda'), from the same scalar function", device="gpu", jit=True,
                    requires=("cuda_ufunc",), runtime="numba"))


def register_vectorize_variant(module, scalar, name, description, target="parallel", fastmath=None):
    """Register one more ``@vectorize`` target of an element-wise family, made from another scalar function
    of the same mathematics (a faster formulation, say). It is checked and benchmarked like the others.
    ``fastmath``: a set of LLVM fast-math flags to compile with (declared on the target)."""
    _register_variant(module, name, description, fastmath,
                      lambda **options: vectorize_target(scalar, module.NARGS, target, tag=name,
                                                         what=f"{module.FAMILY}.{name}", **options))


def _register_variant(module, name, description, fastmath, make_builder):
    """Register a variant target built by ``make_builder(**compile_options)``, its fastmath flags declared."""
    from ._registry import Target, register

    options = {"fastmath": set(fastmath)} if fastmath else {}
    register(Target(module.FAMILY, name, make_builder(**options), description, jit=True,
                    fastmath=",".join(sorted(fastmath or ()))))


def prange_target(scalar, nargs, tag, what, **options):
    """Builder for the same element-wise map as a ``@njit(parallel=True)`` loop over ``prange``, calling
    ``scalar`` per element (compiled with the loop, which LLVM then vectorises). Unlike ``@vectorize(target='parallel')``, whose inner loop Numba's
    ``omp`` threading layer calls one element at a time, a parfor gives each thread one contiguous chunk under
    every layer, so the loop body is vectorised whichever layer loads by default."""
    names = argument_names(scalar, nargs)

    def build():
        element = _jitable(scalar)  # the plain function, callable from @njit code: the on-disk cache can key on it
        if nargs == 1:
            def loop(x, out):
                for i in numba.prange(out.shape[0]):
                    out[i] = element(x[i])
        else:
            def loop(x, y, out):
                for i in numba.prange(out.shape[0]):
                    out[i] = element(x[i], y[i])
        kernel = _jit.njit(loop, tag, parallel=True, **options)

        def call(*xs, **kwargs):
            dtype = check_call(what, names, xs, kwargs)
            out = _alloc.empty(xs[0].shape[0], dtype)
            kernel(*xs, out)
            return out

        call.kernel = kernel
        return call

    return build


_JITABLE = {}


def _jitable(fn):
    """``fn`` made callable from ``@njit`` code (``register_jitable``), once per function."""
    if fn not in _JITABLE:
        _JITABLE[fn] = numba.extending.register_jitable(fn)
    return _JITABLE[fn]


def register_prange_variant(module, scalar, name, description, fastmath=None):
    """Register an element-wise family's ``scalar`` (or a faster formulation of it) as a ``prange`` loop
    (:func:`prange_target`), checked and benchmarked like the other targets."""
    _register_variant(module, name, description, fastmath,
                      lambda **options: prange_target(scalar, module.NARGS, name, f"{module.FAMILY}.{name}",
                                                      **options))
