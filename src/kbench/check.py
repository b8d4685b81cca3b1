"""``kbench check``: every available kernel on fresh random data against the float64 NumPy reference."""
from __future__ import annotations

import json
import sys

import numpy as np

# Odd, tile-unaligned sizes, by what a size means to the family (``Family.kind``); small enough that every
# target finishes in seconds. A target the family limits to less (a pure-Python loop, any GPU target under the
# simulator) runs at the largest odd size it allows.
SIZES = {"matrix": 67, "vector": 10_007}


def configure(parser):
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh each run)")


def check_size(family, target, layout):
    """The size ``kbench check`` runs ``target`` of ``family`` (a :class:`kernels.Family`) at, in ``layout``."""
    size = SIZES[family.kind]
    largest = family.largest(target, layout)
    return size if size <= largest else max(1, largest - (1 - largest % 2))


def run_checks(families=None, seed=None, device=None):
    """One row per target, layout and dtype: the target on fresh random data against the float64 reference
    (``status`` ok / wrong / error, with ``seconds``), or one ``skipped`` row for a target that cannot run here.
    ``device`` ("cpu" or "gpu") keeps only the targets of that device (the GPU check uses "gpu")."""
    import time

    import kernels
    from kernels import verify

    rng = np.random.default_rng(seed)
    results = []
    for name in families or kernels.families():
        family = kernels.family(name)
        for target in kernels.targets(name):
            if device is not None and target.device != device:
                continue
            if not target.available:
                results.append({"kernel": target.key, "status": "skipped", "reason": target.availability()[1]})
                continue
            try:
                fn = target.build()
            except Exception as exc:  # a target that cannot be built is an error row, the others still run
                results.append({"kernel": target.key, "status": "error",
                                "reason": f"build: {type(exc).__name__}: {exc}"})
                continue
            for layout in family.layouts:
                for dtype in (np.float32, np.float64):
                    size = check_size(family, target, layout)
                    args = family.make_inputs(size, dtype, layout, rng)
                    row = {"kernel": target.key, "layout": layout, "dtype": np.dtype(dtype).name, "size": size}
                    t0 = time.perf_counter()
                    try:
                        err = verify.relative_error(fn(*args), family.reference(*args))
                        tol = family.tolerance(dtype, size)
                        row.update(status="ok" if err <= tol else "wrong", error=err, tolerance=tol)
                    except Exception as exc:  # report every failure, keep checking the rest
                        row.update(status="error", reason=f"{type(exc).__name__}: {exc}")
                    row["seconds"] = time.perf_counter() - t0
                    results.append(row)
    return results


def main(args) -> int:
    results = run_checks(args.family, args.seed)
    bad = [r for r in results if r["status"] in ("wrong", "error")]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            where = f"{r['kernel']:<28} {r.get('layout', ''):<10} {r.get('dtype', ''):<8}"
            if r["status"] in ("ok", "wrong"):
                print(f"{where} {r['status']:<7} rel.err {r['error']:.2e} (tol {r['tolerance']:.0e})")
            else:
                print(f"{where} {r['status']:<7} {r.get('reason', '')}")
        checked = sum(r["status"] in ("ok", "wrong") for r in results)
        print(f"\n{checked - len([r for r in bad if r['status'] == 'wrong'])} of {checked} checks within tolerance; "
              f"{len(bad)} wrong or failed", file=sys.stderr)
    return 1 if bad else 0
