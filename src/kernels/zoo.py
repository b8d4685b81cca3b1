"""Reproducers of real, public Numba and numba-cuda performance regressions: the suite's regression zoo.

The course's kernels (matrix loops, reductions, ufuncs) are what rarely breaks. These small kernels each
exercise a code path that did break in a release: fancy indexing, ``np.searchsorted`` in a loop, slice
assignment, integer reductions, vector math, compilation, kernel launch. Each is written here from the
pattern an issue describes (no code is taken from the issues) and names, in its record, the issue, the
release pair where the slowdown appeared and what the issue reported.

A reproducer is a :class:`Reproducer` record: how to build the kernel (lazily: nothing compiles at import),
how to build its inputs, a NumPy or pure-Python reference, and whether it measures a call or a compilation.
``benchmarks/zoo.py`` times every record; ``docs/zoo.md`` records what ``kbench release-check`` saw on each
release pair.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np


@dataclasses.dataclass(frozen=True)
class Reproducer:
    """One regression reproducer.

    ``build(fresh)`` returns the callable; with ``fresh=True`` a brand-new dispatcher, so a compile-time
    reproducer can time its first call. ``make_args(rng)`` returns the call's arguments, ``reference(*args)``
    what the call must return (checked before anything is timed). ``measures`` is ``"call"`` (seconds per
    call of the compiled kernel) or ``"compile"`` (seconds of the first call of a fresh dispatcher).
    ``good`` and ``bad`` are the releases before and at the slowdown (``fixed`` where it was fixed);
    ``package`` says whose releases those are, ``numba`` or ``numba-cuda``. ``issue`` is the public report
    (``owner/repo#N``); a slowdown this suite found itself, with no public report yet, has ``issue=None`` and
    says in ``found_by`` which run found it.
    """

    name: str
    kind: str
    issue: Optional[str]
    package: str
    good: str
    bad: str
    fixed: Optional[str]
    reported: str
    build: Callable[[bool], Callable]
    make_args: Callable[[np.random.Generator], Tuple]
    reference: Callable[..., object]
    measures: str = "call"
    device: str = "cpu"
    direction: str = "regression"  # "improvement" where the issue's change made the release faster
    found_by: Optional[str] = None


_REPRODUCERS: Dict[str, Reproducer] = {}


def _register(rep: Reproducer) -> Reproducer:
    if rep.name in _REPRODUCERS:
        raise ValueError(f"reproducer {rep.name!r} is registered twice")
    if rep.issue is None and not rep.found_by:
        raise ValueError(f"{rep.name}: a record needs a public issue or, for a finding of this suite, found_by")
    if rep.measures not in ("call", "compile"):
        raise ValueError(f"{rep.name}: measures must be 'call' or 'compile', not {rep.measures!r}")
    _REPRODUCERS[rep.name] = rep
    return rep


def reproducers(device: Optional[str] = None) -> List[Reproducer]:
    """Every reproducer in registration order (optionally only those of one device)."""
    return [r for r in _REPRODUCERS.values() if device is None or r.device == device]


def reproducer(name: str) -> Reproducer:
    try:
        return _REPRODUCERS[name]
    except KeyError:
        raise ValueError(f"unknown reproducer {name!r}; known: {', '.join(_REPRODUCERS)}") from None


def _jit(make: Callable[[], Callable], **options) -> Callable[[bool], Callable]:
    """A ``build(fresh)`` for a function made by ``make`` (called at build time, so import compiles nothing);
    without ``fresh`` the dispatcher is built once per process."""
    def compile_new():
        import numba
        return numba.njit(**options)(make())

    cached = functools.lru_cache(maxsize=None)(compile_new)

    def build(fresh: bool = False) -> Callable:
        return compile_new() if fresh else cached()

    return build


# --- indexing and search -----------------------------------------------------------------------------------

def _searchsorted_loop():
    def count_below(haystack, queries):
        total = 0
        for i in range(queries.shape[0]):
            total += np.searchsorted(haystack, queries[i])
        return total
    return count_below


_register(Reproducer(
    name="searchsorted_scalar", kind="indexing/search", issue="numba/numba#9441", package="numba",
    good="0.58.1", bad="0.59.0", fixed="0.59.1",
    reported="2.9 s on 0.58.1 against 14.6 s on 0.59.0 (about 5x): each scalar query was wrapped in a new array",
    build=_jit(_searchsorted_loop),
    make_args=lambda rng: (np.sort(rng.random(10_000)), rng.random(100_000)),
    reference=lambda h, q: int(np.searchsorted(h, q).sum()),
))


def _gather():
    def gather(values, index):
        return values[index]
    return gather


def _scatter():
    def scatter(out, index, values):
        out[index] = values
        return out
    return scatter


def _fancy_args(rng):
    return rng.random(200_000), rng.integers(0, 200_000, 100_000)


_register(Reproducer(
    name="fancy_gather", kind="indexing/fancy", issue="numba/numba#10851", package="numba",
    good="0.65.1", bad="0.66.0", fixed=None,
    reported="1-D integer-array indexing 1.5-2x slower from 0.66, slower than NumPy above about 5000 elements",
    build=_jit(_gather), make_args=_fancy_args, reference=lambda v, i: v[i],
))

_register(Reproducer(
    name="fancy_scatter", kind="indexing/fancy", issue="numba/numba#10851", package="numba",
    good="0.65.1", bad="0.66.0", fixed=None,
    reported="1-D integer-array assignment 1.5-2x slower from 0.66 (the same rewrite as the gather)",
    build=_jit(_scatter),
    make_args=lambda rng: (np.zeros(200_000), rng.permutation(200_000)[:100_000], rng.random(100_000)),
    reference=lambda out, i, v: _numpy_scatter(out, i, v),
))


def _numpy_scatter(out, index, values):
    expected = out.copy()
    expected[index] = values
    return expected


def _row_copy():
    def copy_rows(dst, src, repeats):
        for _ in range(repeats):
            for i in range(src.shape[0]):
                dst[i, :] = src[i]
        return dst
    return copy_rows


_register(Reproducer(
    name="row_copy", kind="slice assignment", issue="numba/numba#10643", package="numba",
    good="0.65.1", bad="0.66.0rc1", fixed="0.66.0rc2",
    reported="719 ns against 6026 ns per copy of 200 rows (about 8x) on the release candidate; 0.66.0 final "
             "was faster than 0.65.1",
    build=_jit(_row_copy),
    make_args=lambda rng: (np.zeros((200, 2), np.int32), rng.integers(0, 100, (200, 2)).astype(np.int32), 500),
    reference=lambda dst, src, repeats: src.copy(),
))


# --- reductions ----------------------------------------------------------------------------------------------

def _array_sum():
    def total(a):
        return np.sum(a)
    return total


def _array_cumsum():
    def running(a):
        return np.cumsum(a)
    return running


_register(Reproducer(
    name="int_sum_2d", kind="reduction/integer", issue="numba/numba#10847", package="numba",
    good="0.66.0", bad="0.67.0", fixed=None,
    reported="np.sum over integer arrays slower since the array-iterator rewrite of 0.67.0 (the issue flags "
             "ratios above 1.15x; float dtypes unaffected)",
    build=_jit(_array_sum),
    make_args=lambda rng: (rng.integers(1, 3, (1000, 1000)).astype(np.int32),),
    reference=lambda a: int(a.sum(dtype=np.int64)),
))

_register(Reproducer(
    name="float_sum_2d", kind="reduction/control", issue="numba/numba#10847", package="numba",
    good="0.66.0", bad="0.67.0", fixed=None,
    reported="the control of int_sum_2d: float64 sums were not reported slower",
    build=_jit(_array_sum),
    make_args=lambda rng: (rng.random((1000, 1000)),),
    reference=lambda a: float(a.sum()),
))

_register(Reproducer(
    name="int_cumsum", kind="reduction/integer", issue="numba/numba#10847", package="numba",
    good="0.66.0", bad="0.67.0", fixed=None,
    reported="np.cumsum moved onto the same array iterator in 0.67.0 (PR #10657); no figure reported",
    build=_jit(_array_cumsum),
    make_args=lambda rng: (rng.integers(0, 10, 1_000_000),),
    reference=lambda a: np.cumsum(a),
))


def _row_sums():
    def row_sums(a):
        out = np.empty(a.shape[0])
        for i in range(a.shape[0]):
            s = 0.0
            for j in range(a.shape[1]):
                s += a[i, j] * a[i, j]
            out[i] = s
        return out
    return row_sums


_register(Reproducer(
    name="loop_nest_reduction", kind="reduction/loop nest", issue="numba/numba#8172", package="numba",
    good="0.53.1", bad="0.54.0", fixed=None,
    reported="a reduction inside a loop nest 2-4x slower from 0.54 (NUMBA_OPT=max, 0.58, is the workaround); "
             "outside the installable range, kept as a tracker",
    build=_jit(_row_sums),
    make_args=lambda rng: (rng.random((1000, 1000)),),
    reference=lambda a: (a * a).sum(axis=1),
))


# --- vectorisation of strided loops ------------------------------------------------------------------------

def _strided_sum():
    def sum_of_squares(x):
        total = 0.0
        for i in range(x.shape[0]):
            total += x[i] * x[i]
        return total
    return sum_of_squares


_register(Reproducer(
    name="strided_fastmath_sum", kind="vectorisation/strided", issue=None, package="numba",
    good="0.66.0", bad="0.67.0", fixed=None,
    found_by="kbench history 0.65.1 -> 0.68.1 (2026-12-07): 20 strided rows of sumsq.jit_parallel, "
             "gauss.poly_prange and normalise.jit_parallel 1.4-4.6x slower on 0.67.0, every contiguous row unchanged",
    reported="no public report found; here a fastmath sum of squares over a non-contiguous float64 vector of "
             "10^6 was 0.6 ms on 0.66.0 and 1.5 ms on 0.67.0 and 0.68.1 (Zen 2). In the 'A'-layout "
             "specialisation 0.67.0 addresses elements by byte offsets, and LLVM guards the vectorised loop "
             "with a check that the byte stride is 1, which no float64 array passes: every strided call runs "
             "the scalar loop. Numba 0.66.0 with llvmlite 0.49.0 is fast, so the change is Numba's",
    build=_jit(_strided_sum, fastmath=True),
    # a view of every other element: the kernel is compiled for, and called with, a non-contiguous array
    make_args=lambda rng: (rng.random(2_000_000)[::2],),
    reference=lambda x: float((x * x).sum()),
))


# --- vector math ---------------------------------------------------------------------------------------------

def _exp_loop():
    def exp_all(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = math.exp(x[i])
        return out
    return exp_all


_register(Reproducer(
    name="exp_fastmath", kind="vector math (SVML)", issue="numba/numba#10404", package="numba",
    good="0.61.2", bad="0.62.0", fixed=None,
    reported="Intel SVML vector math no longer used from 0.62 (llvmlite 0.45, LLVM 20): loops of exp/sin/log "
             "scalar again; only where SVML was active before (intel-cmplr-lib-rt installed)",
    build=_jit(_exp_loop, fastmath=True),
    make_args=lambda rng: (rng.random(1_000_000) * 4.0 - 2.0,),
    reference=lambda x: np.exp(x),
))


# --- dispatch --------------------------------------------------------------------------------------------------

def _list_sum():
    def list_total(values):
        s = 0.0
        for v in values:
            s += v
        return s
    return list_total


def _reflected_build(fresh: bool = False) -> Callable:
    import warnings

    inner = _list_build(fresh)

    def call(values):
        with warnings.catch_warnings():
            # reflected lists are deprecated (NumbaPendingDeprecationWarning); the path is what is measured
            warnings.simplefilter("ignore")
            return inner(values)

    call.kernel = inner
    return call


_list_build = _jit(_list_sum)

_register(Reproducer(
    name="reflected_list_call", kind="dispatch/containers", issue="numba/numba#3548", package="numba",
    good="0.38.1", bad="0.41.0", fixed=None,
    reported="a call taking a Python list went from 2.6 to 12 us (about 4.7x); outside the installable range, "
             "kept as a tracker of list-argument dispatch",
    build=_reflected_build,
    make_args=lambda rng: ([float(v) for v in rng.random(100)],),
    reference=lambda values: math.fsum(values),
))


# --- compilation ---------------------------------------------------------------------------------------------

LONG_BLOCK_STATEMENTS = 600


def long_block_source(statements: int = LONG_BLOCK_STATEMENTS) -> str:
    """A straight-line function of ``statements`` singly-assigned temporaries in one basic block."""
    lines = ["def long_block(x):", "    t0 = x * 1.0001"]
    for i in range(1, statements):
        lines.append(f"    t{i} = t{i - 1} * 0.9999 + {i % 7}.0")
    lines.append(f"    return t{statements - 1}")
    return "\n".join(lines) + "\n"


def _long_block():
    namespace: dict = {}
    exec(compile(long_block_source(), "<zoo long_block>", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["long_block"]


def _long_block_reference(x):
    t = x * 1.0001
    for i in range(1, LONG_BLOCK_STATEMENTS):
        t = t * 0.9999 + float(i % 7)
    return t


_register(Reproducer(
    name="compile_long_block", kind="compile time", issue="numba/numba#10387", package="numba",
    good="0.65.1", bad="0.66.0", fixed=None, direction="improvement",
    reported="compiling functions with many singly-assigned variables was quadratic in the block length; "
             "0.66.0 made it linear (an improvement: 0.66.0 should compile this faster)",
    build=_jit(_long_block), measures="compile",
    make_args=lambda rng: (1.5,),
    reference=_long_block_reference,
))


def _inlined():
    import numba

    @numba.njit(inline="always")
    def step(v, k):
        acc = 0.0
        if v > k:
            acc = v - k
        else:
            acc = k - v
        for j in range(3):
            acc += np.sqrt(acc + j)
        return acc

    def many_inlines(x):
        a = step(x, 1.0)
        b = step(a, 2.0)
        c = step(b, 3.0)
        d = step(c, 4.0)
        e = step(d, 5.0)
        f = step(e, 6.0)
        g = step(f, 7.0)
        h = step(g, 8.0)
        return a + b + c + d + e + f + g + h

    return many_inlines


def _inline_reference(x):
    def step(v, k):
        acc = v - k if v > k else k - v
        for j in range(3):
            acc += math.sqrt(acc + j)
        return acc

    vals = []
    v = x
    for k in range(1, 9):
        v = step(v, float(k))
        vals.append(v)
    return sum(vals)


_register(Reproducer(
    name="compile_inline", kind="compile time", issue="numba/numba#9204", package="numba",
    good="0.58.1", bad="0.59.0", fixed=None, direction="improvement",
    reported="the inlining pass deep-copied the callee's IR for every inline (about 1 s against under 0.3 s "
             "in one case); 0.59.0 made it cheaper (an improvement)",
    build=_jit(_inlined), measures="compile",
    make_args=lambda rng: (0.5,),
    reference=_inline_reference,
))


# --- CUDA (skipped without a GPU) ---------------------------------------------------------------------------

cuda = None  # numba.cuda, bound on first build: the kernels below name it as a global, as the simulator needs


def _cuda_build(make):
    def build(fresh: bool = False):
        global cuda
        if cuda is None:
            from numba import cuda as numba_cuda
            cuda = numba_cuda
        return make()
    return build


def _touch(x):
    i = cuda.grid(1)
    if i < x.shape[0]:
        x[i] += 1.0


def _launch_kernel():
    touch = cuda.jit("void(float32[:])")(_touch)

    def launch(x):
        touch[1, 1](x)
        cuda.synchronize()  # inside the call: the launch and its completion are what is timed
        return x
    return launch


def _flag(name):
    return 1.0 if name == "on" else 0.0


def _fill_with_flag(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = _flag_device("on")


_flag_device = None


def _string_arg_kernel():
    def first_launch(out):
        global _flag_device
        # a new device function and kernel each call: every call types and compiles both afresh
        _flag_device = cuda.jit(device=True)(_flag)
        fill = cuda.jit(_fill_with_flag)
        fill[1, out.shape[0]](out)
        cuda.synchronize()
        return out
    return first_launch


_register(Reproducer(
    name="cuda_launch", kind="CUDA launch", issue="NVIDIA/numba-cuda#609", package="numba-cuda",
    good="0.22.2", bad="0.23.0", fixed=None,
    reported="early measurements of the cuda.core launch path showed single-argument launches 30-40 % slower "
             "(said to be addressed before the release)",
    build=_cuda_build(_launch_kernel), device="gpu",
    make_args=lambda rng: (np.zeros(1, np.float32),),
    reference=lambda x: x + 1.0,
))


_register(Reproducer(
    name="cuda_compile_string_arg", kind="compile time (CUDA)", issue="NVIDIA/numba-cuda#755",
    package="numba-cuda", good="0.22.0", bad="0.22.1", fixed="0.28.0",
    reported="a device function taking a string literal compiled about 60x slower (about 2 minutes)",
    build=_cuda_build(_string_arg_kernel), device="gpu", measures="compile",
    make_args=lambda rng: (np.zeros(32, np.float32),),
    reference=lambda out: np.ones_like(out),
))
