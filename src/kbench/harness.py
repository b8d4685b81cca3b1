"""The timing harness under every command that runs asv: which asv and asv_runner versions are allowed, and
the environment variables an asv subprocess gets so that the environments asv builds stay inside them."""
from __future__ import annotations

import os
from typing import Dict, Mapping, Optional

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
