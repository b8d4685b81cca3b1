"""The timing harness under every command that runs asv: which asv and asv_runner versions are allowed, and
the environment variables an asv subprocess gets so that the environments asv builds stay inside them."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Mapping, Optional

CONSTRAINTS_NAME = "asv-constraints.txt"


def asv_subprocess_env(root: str, base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """``base`` (default: this process's environment) plus ``PIP_CONSTRAINT`` naming the repository's
    asv-constraints.txt, so the asv_runner that asv pip-installs into each environment it builds is one that
    ``kbench selfcheck`` was run with. A constraint already set by the caller is kept, ours added to it."""
    env = dict(os.environ if base is None else base)
    path = os.path.join(os.path.abspath(root), CONSTRAINTS_NAME)
    if os.path.isfile(path):
        previous = env.get("PIP_CONSTRAINT", "").strip()
        env["PIP_CONSTRAINT"] = f"{previous} {path}".strip() if path not in previous.split() else previous
    return env


def ensure_asv_machine(name: str) -> str:
    """Make sure ``~/.asv-machine.json`` has a complete entry for ``name`` (so ``asv run --machine NAME`` asks
    nothing and copies a full ``machine.json`` into the results) and return ``name``.

    Not ``asv machine --machine NAME --yes``: for a name it has not seen, asv 0.6 saves only the options that
    differ from its defaults, i.e. the name alone, and every results folder then gets a machine.json without
    the CPU, OS and memory. Missing fields of an existing entry are filled from asv's own defaults for this host;
    fields already there are kept."""
    from asv import machine as asv_machine

    path = asv_machine.MachineCollection.get_machine_file_path()
    known: Dict[str, Any] = {}
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as fh:
                known = {k: v for k, v in json.load(fh).items() if k != "version"}
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: unreadable asv machine file ({exc}); fix or remove it") from None
    entry = dict(known.get(name) or {})
    filled = {k: v for k, v in asv_machine.Machine.get_defaults().items() if not entry.get(k)}
    filled.pop("machine", None)
    if filled or entry.get("machine") != name:
        entry.update(filled)
        entry["machine"] = name
        asv_machine.MachineCollection.save(name, entry)
        print(f"kbench: asv machine {name!r} recorded in {path}"
              + (f" (filled in: {', '.join(sorted(filled))})" if filled else ""), file=sys.stderr)
    return name
