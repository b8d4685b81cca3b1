"""Code generation as its own series: SIMD width and vector FMA count of each CPU loop kernel's inner loop.

A Numba or LLVM release that stops vectorising a loop shows up here as a step, even on a machine where the
timing change is lost in noise. Numbers come from the x86-64 assembly Numba produces (``inspect_asm``); on
other architectures the benchmarks are skipped.
"""
import platform
import re

import numpy as np

from .common import DTYPES, kernels

# packed floating-point arithmetic (not moves, not scalar ss/sd forms) and the register class it uses
_PACKED = re.compile(r"^\s*(v?(?:fn?m(?:add|sub)\w*|add|sub|mul|div|max|min|sqrt)p[sd])\s+.*?%([xyz])mm", re.M)
_FMA = re.compile(r"^\s*vfn?m(?:add|sub)\w*p[sd]\s", re.M)
_LABEL = re.compile(r"^(\.?L\w+):")
_JUMP = re.compile(r"^\s*j\w+\s+(\.?L\w+)")
_WIDTH = {"x": 128, "y": 256, "z": 512}


def inner_loops(asm):
    """Bodies of the innermost loops: spans from a label to a later jump back to it containing no other loop."""
    lines = asm.splitlines()
    labels, loops = {}, []
    for i, line in enumerate(lines):
        m = _LABEL.match(line)
        if m:
            labels[m.group(1)] = i
        m = _JUMP.match(line)
        if m and m.group(1) in labels and labels[m.group(1)] < i:
            loops.append((labels[m.group(1)], i))
    innermost = [(a, b) for a, b in loops if not any(a <= c and d <= b and (c, d) != (a, b) for c, d in loops)]
    return ["\n".join(lines[a:b + 1]) for a, b in innermost]


def hottest_loop_stats(asm):
    """(SIMD width in bits, vector FMA count) of the innermost loop doing the most packed arithmetic."""
    best = (0, 0, 0)  # (packed ops, width, fma)
    for body in inner_loops(asm):
        packed = _PACKED.findall(body)
        width = max((_WIDTH[reg] for _, reg in packed), default=0)
        fma = len(_FMA.findall(body))
        best = max(best, (len(packed), width, fma))
    return best[1], best[2]


def loop_targets():
    """CPU targets that compile a loop we can read the assembly of (built callables expose ``.kernel``)."""
    if kernels is None:
        return []
    return [t.key for t in kernels.targets() if t.jit and t.device == "cpu" and "vectorize" not in t.name]


def analyse(key, dtype):
    """(SIMD width, vector FMA count) of ``key``'s hottest inner loop compiled for contiguous ``dtype`` inputs;
    NotImplementedError where the assembly cannot be read here."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        raise NotImplementedError("assembly analysis is written for x86-64")
    family, name = key.split(".")
    target = kernels.get_target(family, name)
    # a fresh, uncached build: a dispatcher loaded from Numba's on-disk cache carries no assembly to read
    fn = target.build(fresh=True)
    dispatcher = getattr(fn, "kernel", None)
    if dispatcher is None or not hasattr(dispatcher, "inspect_asm"):
        raise NotImplementedError(f"{key} exposes no Numba dispatcher to inspect")
    record = kernels.family(family)
    fn(*record.make_inputs(8, np.dtype(dtype), record.layouts[0], np.random.default_rng(0)))
    # the signature compiled for contiguous inputs of this dtype
    asm = "\n".join(dispatcher.inspect_asm(sig) for sig in dispatcher.signatures)
    if not asm.strip():
        raise RuntimeError(f"{key}: Numba returned no assembly to analyse")
    return hottest_loop_stats(asm)


class CodeGen:
    """SIMD width (bits) and vector FMA instructions in the hottest inner loop of a CPU kernel, per dtype.
    Nothing is timed; both numbers are higher-is-better (asv draws them as lower-is-better) and never gate.

    Every kernel is compiled and analysed once, in ``setup_cache`` (one process for the whole class), and both
    methods read the stored numbers: compiling 20-odd kernels in a process per parameter set and method cost
    a minute of a full run."""

    params = [loop_targets(), DTYPES]
    param_names = ["target", "dtype"]
    timeout = 600  # setup_cache compiles every loop kernel in both dtypes

    def setup_cache(self):
        analyses = {}
        for key in self.params[0]:
            for dtype in self.params[1]:
                try:
                    analyses[key, dtype] = analyse(key, dtype)
                except NotImplementedError as exc:
                    analyses[key, dtype] = f"skip: {exc}"
                except Exception as exc:  # noqa: BLE001 - reported on the one parameter set it concerns
                    analyses[key, dtype] = f"error: {type(exc).__name__}: {exc}"
        return analyses

    def setup(self, analyses, key, dtype):
        found = analyses[key, dtype]
        if isinstance(found, str):
            if found.startswith("skip: "):
                raise NotImplementedError(found[len("skip: "):])
            raise RuntimeError(f"{key} {dtype}: {found[len('error: '):]}")
        self.width, self.fma = found

    def track_simd_width(self, analyses, key, dtype):
        return self.width

    track_simd_width.unit = "bits"

    def track_vector_fma(self, analyses, key, dtype):
        return self.fma

    track_vector_fma.unit = "instructions"
