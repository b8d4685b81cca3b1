"""The repository a command runs in: its root, HEAD, uncommitted paths, and its asv configuration.

Every command that runs asv (``kbench run``, ``release-check``, ``bisect``, ``selfcheck``) finds and reads
these here. Git is asked through :func:`git`, which returns None instead of raising when git is missing or
fails; the functions that cannot do without an answer raise :class:`RepoError` with a one-line reason.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

CONFIG_NAME = "asv.conf.json"


class RepoError(RuntimeError):
    """The repository or its asv configuration cannot be used (the command exits 2)."""


def git(root: "str | os.PathLike[str]", *args: str) -> Optional[str]:
    """``git ARGS`` in ``root``: its stripped output, or None when git cannot run or fails."""
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def head_commit(root: "str | os.PathLike[str]") -> Optional[str]:
    """The full hash of HEAD, or None (not a git checkout, or no commit yet)."""
    return git(root, "rev-parse", "HEAD") or None


def require_head(root: "str | os.PathLike[str]") -> str:
    """The full hash of HEAD; :class:`RepoError` when there is none (asv files results per commit)."""
    commit = head_commit(root)
    if not commit:
        raise RepoError(f"{root} is not a git checkout with a commit (asv files results per commit)")
    return commit


def dirty_paths(root: "str | os.PathLike[str]", paths: Sequence[str]) -> List[str]:
    """The uncommitted (modified, added, untracked) files under ``paths``, as ``git status`` names them."""
    out = git(root, "status", "--porcelain", "--", *paths)
    return [line[3:] for line in out.splitlines()] if out else []


def has_branch(root: "str | os.PathLike[str]", name: str) -> bool:
    return git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}") is not None


def find_config(start: Optional[str] = None) -> Optional[str]:
    """The nearest asv.conf.json at or above ``start`` (default: the current directory), or None."""
    path = Path(os.path.abspath(start or os.getcwd()))
    for folder in [path, *path.parents]:
        if (folder / CONFIG_NAME).is_file():
            return str(folder / CONFIG_NAME)
    return None


def repo_root(start: Optional[str] = None) -> Path:
    """The top of the git checkout holding ``start`` (default: the current directory), else the nearest
    folder with an asv.conf.json; :class:`RepoError` when there is neither."""
    start_path = Path(start or os.getcwd()).resolve()
    top = git(start_path, "rev-parse", "--show-toplevel")
    if top:
        return Path(top)
    config = find_config(str(start_path))
    if config:
        return Path(config).parent
    raise RepoError(f"{start_path} is not inside a git repository with an {CONFIG_NAME}")


def load_config(path: "str | os.PathLike[str]") -> Dict[str, Any]:
    """The asv config as a dict. asv allows // comments in its JSON; so does this. :class:`RepoError` when the
    file is missing or cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise RepoError(f"asv config {path} not found")
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        from asv import util as asv_util

        return asv_util.load_json(str(path), js_comments=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure is reported the same way
        raise RepoError(f"cannot read {path}: {exc}") from exc
