"""``kbench list``: every kernel family and target, and whether it can run on this machine."""
from __future__ import annotations

import json


def configure(parser):
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def rows():
    import kernels

    out = []
    for t in kernels.targets():
        ok, why = t.availability()
        out.append({"family": t.family, "target": t.name, "device": t.device, "jit": t.jit,
                    "available": ok, "reason": why, "description": t.description})
    return out


def main(args) -> int:
    data = rows()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    width = max(len(f"{r['family']}.{r['target']}") for r in data)
    for r in data:
        state = "yes" if r["available"] else f"no ({r['reason']})"
        print(f"{r['family'] + '.' + r['target']:<{width}}  {r['device']:<3}  {state:<4}  {r['description']}")
    return 0
