"""The ``kbench`` command. Each subcommand lives in its own module with ``configure(parser)`` and
``main(args) -> int``; a module is imported only when its command runs, so ``kbench list`` stays light."""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
COMMANDS = {
    "list": ("kbench.catalogue", "list every kernel family and target and whether it can run here"),
    "check": ("kbench.check", "run every available kernel against a float64 NumPy reference"),
    "info": ("kbench.machine", "describe this machine as a benchmark user needs it"),
    "run": ("kbench.suite", "set up and run the asv suite on this machine, then build the site"),
    "site": ("kbench.site", "build the results site (asv publish plus our extra views) into the html folder"),
    "release-check": ("kbench.release", "compare two Numba releases on the suite and report regressions"),
    "bisect": ("kbench.bisect", "find the first Numba release at which a benchmark got slower"),
    "noise": ("kbench.noise", "how far two runs of the same commit and environment differ, per benchmark"),
    "selfcheck": ("kbench.selfcheck", "check that the suite's timings agree with an in-process timeit"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kbench", description="Numba kernel benchmark suite tooling")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        try:
            importlib.import_module(module).configure(p)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            p.set_defaults(_missing=True)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "_missing", False):
        print(f"kbench {args.command}: not available in this installation", file=sys.stderr)
        return 2
    return int(importlib.import_module(args._module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
