"""What the CPU that Numba compiles for offers a hand-tiled kernel: vector width, vector registers, caches.

Numba compiles for the host CPU unless ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` say otherwise, so the
vector width is read from the same place Numba reads it: those settings when given, else llvmlite's view of the
host. Cache sizes come from Linux's sysfs (per core: L1d and L2 are private there, L3 is divided by the cores
that share it), else from ``os.sysconf``, else from defaults of a typical x86 core. Everything is computed once,
on first use (never at import), and none of it needs Numba to compile anything.
"""
from __future__ import annotations

import functools
import os
import platform
from typing import Dict, NamedTuple

# Used where the machine does not say (no sysfs, no sysconf): a Skylake/Zen-class core.
DEFAULT_CACHES = {1: 32 * 1024, 2: 512 * 1024, 3: 8 * 1024 * 1024}


class HostCpu(NamedTuple):
    name: str  # LLVM's CPU name Numba targets (``znver3``, ``sapphirerapids``, ``haswell``...)
    vector_bytes: int  # bytes of the widest vector register the kernels use: 64 with AVX-512, else 32
    vector_registers: int  # how many vectors of ``vector_bytes`` fit in the register file at once
    l1d: int  # bytes of level-1 data cache per core
    l2: int  # bytes of level-2 cache per core
    l3: int  # bytes of level-3 cache per core (its share)
    caches_from: str  # where the cache sizes came from: "sysfs", "sysconf" or "defaults"


def _features():
    """The CPU features Numba compiles with: ``NUMBA_CPU_FEATURES`` when set; the host's own when Numba targets
    the host; None (unknown) when ``NUMBA_CPU_NAME`` names another CPU without features."""
    from numba.core import config

    if config.CPU_FEATURES:
        return frozenset(f[1:] for f in config.CPU_FEATURES.split(",") if f.startswith("+"))
    if config.CPU_NAME and config.CPU_NAME != "host":
        return None
    import llvmlite.binding as llvm

    return frozenset(name for name, on in llvm.get_host_cpu_features().items() if on)


def _cpu_name() -> str:
    from numba.core import config

    if config.CPU_NAME and config.CPU_NAME != "host":
        return config.CPU_NAME
    import llvmlite.binding as llvm

    return llvm.get_host_cpu_name()


def _register_file(features) -> tuple:
    """(registers, bytes each) of the SIMD register file: AVX-512 has 32 of 64 bytes, AVX/AVX2 16 of 32, SSE
    16 of 16; AArch64's NEON 32 of 16. Unknown features (a CPU named without them): taken as AVX2's, which is
    right on the common case and still correct elsewhere (LLVM splits vectors wider than the CPU's)."""
    if features is None:
        return 16, 32
    if "avx512f" in features:
        return 32, 64
    if "avx" in features:
        return 16, 32
    if platform.machine().lower() in ("aarch64", "arm64"):
        return 32, 16
    return 16, 16


def _sysfs_caches() -> Dict[int, int]:
    """Per-core data/unified cache bytes by level, from /sys/devices/system/cpu/cpu0/cache (Linux)."""
    root = "/sys/devices/system/cpu/cpu0/cache"
    sizes: Dict[int, int] = {}
    try:
        entries = sorted(e for e in os.listdir(root) if e.startswith("index"))
    except OSError:
        return sizes
    for entry in entries:
        def read(name):
            with open(os.path.join(root, entry, name)) as fh:
                return fh.read().strip()
        try:
            level, kind, size = int(read("level")), read("type"), read("size")
            shared = read("shared_cpu_list")
        except (OSError, ValueError):
            continue
        if kind not in ("Data", "Unified"):
            continue
        units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
        value = int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
        sizes[level] = value // max(1, _count_cpus(shared))
    return sizes


def _count_cpus(cpu_list: str) -> int:
    """Number of CPUs in a sysfs list such as ``0-3,8``."""
    count = 0
    for part in cpu_list.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            count += int(hi) - int(lo) + 1
        elif part:
            count += 1
    return count


def _sysconf_caches() -> Dict[int, int]:
    sizes = {}
    for level, name in ((1, "SC_LEVEL1_DCACHE_SIZE"), (2, "SC_LEVEL2_CACHE_SIZE"), (3, "SC_LEVEL3_CACHE_SIZE")):
        try:
            value = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if value and value > 0:
            sizes[level] = value
    return sizes


@functools.lru_cache(maxsize=None)
def host_cpu() -> HostCpu:
    """The facts above, probed once per process."""
    features = _features()
    registers, register_bytes = _register_file(features)
    vector_bytes = max(32, register_bytes)  # narrower files hold each 32-byte vector in several registers
    caches, source = _sysfs_caches(), "sysfs"
    if not all(level in caches for level in (1, 2)):
        caches, source = _sysconf_caches(), "sysconf"
    if not all(level in caches for level in (1, 2)):
        caches, source = {}, "defaults"
    sizes = {level: caches.get(level, default) for level, default in DEFAULT_CACHES.items()}
    return HostCpu(_cpu_name(), vector_bytes, registers * register_bytes // vector_bytes,
                   sizes[1], sizes[2], sizes[3], source)
