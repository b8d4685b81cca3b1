"""The asv suite. Each parameter set runs in its own process; Numba's on-disk cache (one entry per target,
see ``kernels._jit``) spares each of them a recompilation before its warm-up. Compile-time benchmarks build
fresh dispatchers, which never use the cache."""
import os

os.environ.setdefault("KBENCH_NUMBA_CACHE", "1")
