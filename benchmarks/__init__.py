"""The asv suite. Each parameter set runs in its own process; the kernel benchmarks build their targets through
Numba's on-disk cache (``common.built`` calls ``kernels.use_disk_cache()``; one cache entry per target), which
spares each process a recompilation before its warm-up. Compile-time and code-generation benchmarks build fresh
dispatchers, which never use the cache."""
