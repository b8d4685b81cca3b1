"""What a kernel family is: the :class:`Family` record every family module registers, and its size limits.

A family is one computation (``C = A @ B``, ``sum(x*x)``...) with several targets. Its record says everything
the tooling needs without knowing the family by name: the operands' shapes at a size, the memory layouts,
how to build inputs, the float64 reference, the work of one call, and how large a size may run here.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from . import _platform, verify


@dataclasses.dataclass(frozen=True)
class Limits:
    """The largest sizes a family runs at here: the one place that decides "too big to run here".

    ``cpu``: CPU targets stop at this size (beyond it one call takes seconds to minutes; the larger sizes of the
    suite are there for GPUs). ``cpu_by_layout``: tighter CPU limits for some layouts, as ``(layout, size)``
    pairs. ``simulator``: GPU targets under numba-cuda's simulator, which runs every CUDA thread in Python,
    stop at this size. Per-target limits (a pure-Python loop) are ``Target.max_size``.
    """

    cpu: int
    simulator: int
    cpu_by_layout: Tuple[Tuple[str, int], ...] = ()


@dataclasses.dataclass(frozen=True)
class Family:
    """One kernel family, registered by its module with :func:`kernels.register_family`.

    - ``shapes(size)``: the shapes of the operands at ``size`` (one tuple per operand);
    - ``layouts``: the memory layouts ``make_inputs`` builds, the default first;
    - ``make_inputs(size, dtype, layout, rng)``: the operands, as a tuple;
    - ``reference(*operands)``: the float64 NumPy result every target is checked against;
    - ``work(size, dtype, layout)``: ``{"flops", "bytes"}`` of one call (bytes: the minimum moved), from the
      size alone, no arrays built;
    - ``limits``: the sizes that run here (:class:`Limits`);
    - ``reduction_length(size)``: over how many terms one result is summed in the input's dtype, which widens
      the float32 tolerance (0: no long reduction);
    - ``order``: position in every listing (``kbench list``, the site's colours, the parameter order of
      cross-family series such as compile times, which stored results are keyed by); a new family takes the
      next number;
    - ``gpu_cases``: ``(target, size, dtype)`` at which the family's GPU kernels are judged against a baseline
      (``benchmarks/gpu_efficiency.py``); ``gpu_baseline``: ``(target, label)`` of the family's baseline, or
      None for the device's copy bandwidth;
    - ``parallel_cases``: ``(target, size, dtype, baseline target)`` at which a parallel CPU kernel is compared
      with its baseline under each threading layer (``benchmarks/threading_layers.py``);
    - ``module``: the family's module, for what is particular to it (``fastmath.measure_difference``).
    """

    name: str
    shapes: Callable[[int], Tuple[Tuple[int, ...], ...]]
    layouts: Tuple[str, ...]
    make_inputs: Callable
    reference: Callable
    work: Callable[[int, object, Optional[str]], Dict[str, float]]
    limits: Limits
    order: int
    reduction_length: Callable[[int], int] = lambda size: 0
    gpu_cases: Tuple[Tuple[str, int, str], ...] = ()
    gpu_baseline: Optional[Tuple[str, str]] = None
    parallel_cases: Tuple[Tuple[str, int, str, str], ...] = ()
    module: object = None

    @property
    def kind(self) -> str:
        """"matrix" for families of 2-D operands, "vector" for 1-D ones (what a size means)."""
        return "matrix" if len(self.shapes(1)[0]) == 2 else "vector"

    def input_bytes(self, size, dtype) -> int:
        """Bytes of the operands at ``size`` (contiguous; a strided view's base is larger)."""
        return sum(math.prod(shape) for shape in self.shapes(size)) * np.dtype(dtype).itemsize

    def tolerance(self, dtype, size) -> float:
        """The accepted error of one call at ``size``: the dtype's, wider for long float32 reductions."""
        return verify.tolerance(dtype, self.reduction_length(size))

    def too_big(self, target, size, layout=None, simulated=None) -> str:
        """Why ``size`` is too big to run ``target`` (a :class:`Target` of this family) here, '' if it is not.
        ``simulated`` defaults to whether numba-cuda's simulator is on."""
        if target.max_size and size > target.max_size:
            return f"{target.key} is skipped above size {target.max_size} (too slow to be worth timing)"
        if target.device == "cpu":
            by_layout = dict(self.limits.cpu_by_layout)
            if layout in by_layout:
                if size > by_layout[layout]:
                    return f"{layout} inputs on CPU targets stop at size {by_layout[layout]} (kept within the run's time budget)"
            elif size > self.limits.cpu:
                return f"size {size} is for GPU targets; CPU targets stop at {self.limits.cpu}"
            return ""
        if _simulated(simulated) and size > self.limits.simulator:
            return f"numba-cuda's simulator runs GPU targets up to size {self.limits.simulator} (each thread in Python)"
        return ""

    def largest(self, target, layout=None, simulated=None) -> int:
        """The largest size ``target`` runs at here (what :meth:`too_big` lets through)."""
        limits = [target.max_size] if target.max_size else []
        if target.device == "cpu":
            limits.append(dict(self.limits.cpu_by_layout).get(layout, self.limits.cpu))
        elif _simulated(simulated):
            limits.append(self.limits.simulator)
        return min(limits) if limits else _UNLIMITED


_UNLIMITED = 2 ** 62


def _simulated(simulated) -> bool:
    return _platform.cuda_simulator_enabled() if simulated is None else bool(simulated)

