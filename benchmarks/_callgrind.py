"""Instructions per call of a kernel, counted by valgrind's callgrind: a measure with no timing noise.

How a count is taken (``count_instructions``):

* the worker first runs natively, with the same fixed target CPU and Numba's on-disk cache in a scratch folder:
  it compiles and checks every kernel there, at native speed (compiling under valgrind is what made a pass
  cost minutes);
* then one Python process runs under ``valgrind --tool=callgrind --instr-atstart=no``: it loads the compiled
  kernels from that cache (importing Numba and loading run uninstrumented, and uncounted);
* for each case it builds the inputs, calls the kernel once (compilation, checked against the NumPy
  reference), then brackets ``CALLS`` more calls with two functions of a small C library built here from
  valgrind's ``callgrind.h``: the first zeroes the counters and starts instrumentation, the second stops it
  and dumps the counts under the case's label;
* the dumps are read back and divided by ``CALLS``.

The count includes the dispatcher's boxing and type dispatch (a few thousand instructions), like a timing of
the same call would. Numba compiles for a fixed CPU (``TARGET_CPU``, with LLVM's default features for it), so
the count describes the code Numba generates, not the machine it runs on; ``PYTHONHASHSEED`` is fixed and one
thread is used, which makes the counts repeat exactly run to run (docs/instructions.md has the evidence).

Run as a script (``python _callgrind.py SPEC OUT``) it is the worker that valgrind starts; it imports only
``kernels`` and NumPy, so it works in every environment the suite supports.
"""
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

# the CPU Numba compiles for under valgrind: AVX2 and FMA, which valgrind 3.19+ decodes (it has no AVX-512)
TARGET_CPU = "haswell"
CALLS = 2  # counted calls per case; the counts are exact, so more would only cost time
TIMEOUT_S = 1800

_MARKER_SOURCE = r"""
#include <valgrind/callgrind.h>
void kbench_count_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void kbench_count_stop(const char *label) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS_AT(label); }
"""
_TRIGGER = re.compile(r"^desc: Trigger: Client Request: (.*)$", re.M)
_TOTALS = re.compile(r"^totals: (\d+)", re.M)


class CountUnavailable(RuntimeError):
    """Instruction counts cannot be taken here (no valgrind, no C compiler, not x86-64); says what is missing."""


def unavailable_reason():
    """'' when counts can be taken on this machine, else what is missing."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"instruction counts are taken for an x86-64 target CPU; this machine is {platform.machine()}"
    for tool in ("valgrind", "cc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install valgrind gcc)"
    return ""


def _build_marker(folder):
    source = os.path.join(folder, "marker.c")
    library = os.path.join(folder, "libkbench_marker.so")
    with open(source, "w") as f:
        f.write(_MARKER_SOURCE)
    proc = subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", library, source],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["cc failed"])[-1]
        raise CountUnavailable("cannot build the callgrind marker library (is valgrind's callgrind.h "
                               "installed?): " + why)
    return library


def worker_environment(base=None):
    """The environment the counted process runs in: fixed target CPU, hash seed and thread count."""
    env = dict(os.environ if base is None else base)
    env.update({
        "NUMBA_CPU_NAME": TARGET_CPU,
        "NUMBA_CPU_FEATURES": "",  # LLVM's own feature set for TARGET_CPU, not this host's
        "NUMBA_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    })
    env.pop("KBENCH_NUMBA_CACHE", None)  # a cache built for another CPU must not be loaded
    return env


def read_dumps(folder, prefix):
    """{label: total instructions} from the callgrind dump files ``prefix.N`` in ``folder``."""
    counts = {}
    for name in os.listdir(folder):
        if not name.startswith(prefix + "."):
            continue
        with open(os.path.join(folder, name)) as f:
            text = f.read()
        trigger, totals = _TRIGGER.search(text), _TOTALS.search(text)
        if trigger and totals:
            counts[trigger.group(1).strip()] = int(totals.group(1))
    return counts


def _run_worker(cmd, env, timeout, what):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"the {what} worker failed (exit {proc.returncode}):\n{tail}")


def count_instructions(cases, python=None, timeout=TIMEOUT_S, warm_cache=True):
    """{case label: instructions per call} for ``cases``, a list of dicts with keys ``family``, ``target``,
    ``size``, ``dtype`` and ``layout``. ``warm_cache``: compile natively into a scratch on-disk cache first, so
    that the counted process only loads (False: compile under valgrind). Raises CountUnavailable when counts
    cannot be taken here, and RuntimeError (with the worker's last output) when a worker fails."""
    reason = unavailable_reason()
    if reason:
        raise CountUnavailable(reason)
    python = python or sys.executable
    with tempfile.TemporaryDirectory(prefix="kbench-callgrind-") as folder:
        spec = os.path.join(folder, "spec.json")
        with open(spec, "w") as f:
            json.dump({"cases": list(cases), "calls": CALLS, "marker": _build_marker(folder)}, f)
        out = os.path.join(folder, "callgrind.out")
        env = worker_environment()
        if warm_cache:
            env["NUMBA_CACHE_DIR"] = os.path.join(folder, "numba-cache")
            _run_worker([python, os.path.abspath(__file__), spec, "--compile-only"], env, timeout, "native")
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
               python, os.path.abspath(__file__), spec]
        _run_worker(cmd, env, timeout, "callgrind")
        totals = read_dumps(folder, "callgrind.out")
    missing = [label(c) for c in cases if label(c) not in totals]
    if missing:
        raise RuntimeError(f"callgrind wrote no counts for {', '.join(missing)}")
    return {label(c): totals[label(c)] / CALLS for c in cases}


def label(case):
    return "{family}.{target}:{size}:{dtype}:{layout}".format(**case)


def _work(spec_path, compile_only=False):
    """The worker: check, then count, every case of the spec (under valgrind); ``compile_only``: check only
    (the native pass that fills the on-disk cache). With NUMBA_CACHE_DIR set, kernels use Numba's cache."""
    import ctypes

    import numpy as np

    import kernels

    with open(spec_path) as f:
        spec = json.load(f)
    if os.environ.get("NUMBA_CACHE_DIR"):
        kernels.use_disk_cache()
    marker = ctypes.CDLL(spec["marker"])
    marker.kbench_count_stop.argtypes = [ctypes.c_char_p]
    for case in spec["cases"]:
        family = kernels.family(case["family"])
        target = kernels.get_target(case["family"], case["target"])
        dtype = np.dtype(case["dtype"])
        args = family.make_inputs(case["size"], dtype, case["layout"], np.random.default_rng(0))
        fn = target.build()
        result = fn(*args)  # compiles, uncounted
        kernels.verify.check(result, family.reference(*args), dtype, what=target.key,
                             tol=family.tolerance(dtype, case["size"]))
        if compile_only:
            continue
        marker.kbench_count_start()
        for _ in range(spec["calls"]):
            fn(*args)
        marker.kbench_count_stop(label(case).encode())


if __name__ == "__main__":
    _work(sys.argv[1], compile_only="--compile-only" in sys.argv[2:])
