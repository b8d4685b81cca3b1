"""The ``kbench`` command. Each subcommand lives in its own module with ``configure(parser)`` and
``main(args) -> int``. Building the parser imports every command module (for its ``configure``), so those
modules import nothing heavy at module level (no NumPy, Numba or asv): that work happens in ``main``, which
runs for the chosen command only, so ``kbench list`` stays light."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

# name -> (module, one-line help)
COMMANDS = {
    "list": ("kbench.catalogue", "list every kernel family and target and whether it can run here"),
    "check": ("kbench.check", "run every available kernel against a float64 NumPy reference"),
    "info": ("kbench.machine", "describe this machine as a benchmark user needs it"),
    "run": ("kbench.suite", "set up and run the asv suite on this machine, then build the site"),
    "site": ("kbench.site", "build the results site (asv publish plus our extra views) into the html folder"),
    "release-check": ("kbench.release", "compare two Numba releases on the suite and report regressions"),
    "history": ("kbench.history", "compare every consecutive pair of a chain of Numba releases in one run"),
    "bisect": ("kbench.bisect", "find the first Numba release at which a benchmark got slower"),
    "noise": ("kbench.noise", "how far two runs of the same commit and environment differ, per benchmark"),
    "inject": ("kbench.inject", "slowdowns of known size, measured with asv, and what the release check flags"),
    "power": ("kbench.power", "the smallest slowdown the release check sees here, per parameter set, from reports"),
    "selfcheck": ("kbench.selfcheck", "check that the suite's timings agree with an in-process timeit"),
    "watch": ("kbench.watch", "the Numba release watcher: the next release to check, the record, the issue"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kbench", description="Numba kernel benchmark suite tooling")
    parser.add_argument("--debug", action="store_true", help="show the traceback when a command crashes")
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


DEBUG_ENV = "KBENCH_DEBUG"  # set (to anything but "" or "0") to see the traceback of a crash


def main(argv=None) -> int:
    """Run one subcommand and return its exit status. A command that breaks exits 2, never 1 (1 means "found a
    regression" to the release watcher): an uncaught exception or Ctrl-C prints one line naming the command
    and the error (the traceback too with ``--debug`` or KBENCH_DEBUG=1) and returns 2. Bad options exit 2
    through argparse."""
    argv = sys.argv[1:] if argv is None else list(argv)
    name = "kbench"
    debug = "--debug" in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        args = build_parser().parse_args(argv)
        name, debug = f"kbench {args.command}", debug or args.debug
        if getattr(args, "_missing", False):
            print(f"{name}: not available in this installation", file=sys.stderr)
            return 2
        return int(importlib.import_module(args._module).main(args) or 0)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - every crash is a broken run, whatever raised it
        print(f"{name}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if debug:
            traceback.print_exc()
        else:
            print(f"{name}: (run with --debug or {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
