"""Instructions per call of each CPU JIT kernel, counted by callgrind: a series with no timing noise.

Nothing is timed. The counts repeat exactly from run to run on one machine and do not depend on which x86-64
CPU runs them (Numba compiles for a fixed target CPU, see ``_callgrind``), so a change of even 1 % is a real
change in the code Numba generates or in the work a kernel does. ``kbench release-check`` compares this series
with an exact rule instead of a significance test (docs/instructions.md). Skipped where valgrind or a C compiler
is missing, and on other architectures.
"""
from . import _callgrind
from .common import kernels

# Work per counted call: about 10^5 elements for vector kernels and a 96 x 96 product for matrix kernels, where
# a callgrind pass over every target costs a few seconds of counting (the rest is compilation).
VECTOR_SIZE = 100_000
MATRIX_SIZE = 96


def counted_targets():
    """Every CPU target that Numba compiles, in registry order (the same list on every machine)."""
    if kernels is None:
        return []
    return [t.key for t in kernels.targets() if t.jit and t.device == "cpu"]


def case(key):
    family, name = key.split(".")
    record = kernels.family(family)
    return {"family": family, "target": name, "size": MATRIX_SIZE if record.kind == "matrix" else VECTOR_SIZE,
            "dtype": "float64", "layout": record.layouts[0]}


class Instructions:
    """Instructions executed per call (dispatch included) of each CPU JIT target on float64 inputs in the
    family's first memory order. One valgrind process counts every target, in ``setup_cache``."""

    params = [counted_targets()]
    param_names = ["target"]
    timeout = 1800  # setup_cache: a native compile pass, then every target loaded and counted under valgrind

    def setup_cache(self):
        reason = _callgrind.unavailable_reason()
        if reason:
            return {"skip": reason}
        cases = {key: case(key) for key in self.params[0] if kernels.get_target(*key.split(".")).available}
        counts = _callgrind.count_instructions(list(cases.values()))
        return {key: counts[_callgrind.label(c)] for key, c in cases.items()}

    def setup(self, counts, key):
        if "skip" in counts:
            raise NotImplementedError(counts["skip"])
        if key not in counts:
            raise NotImplementedError(f"{key} cannot run on this machine")

    def track_instructions(self, counts, key):
        return counts[key]

    track_instructions.unit = "instructions"
