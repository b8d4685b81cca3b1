"""Writing and reading the files the tooling produces, so that none is ever left half-written.

:func:`atomic_write_text` writes to a temporary file in the target's folder, flushes it to disk (fsync) and
moves it over the target with :func:`os.replace`: a reader sees the old content or the new one, never a mix,
and a write that fails midway (disk full, Ctrl-C) leaves the previous content in place. Every JSON and
Markdown file that kbench writes goes through here.

:func:`load_asv_results` checks an asv result file (which asv writes itself) before the tools read it, so a
damaged one gives a :class:`ValueError` naming the file instead of a traceback; :mod:`kbench.results` reads
the values through asv.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Union

PathLike = Union[str, "os.PathLike[str]"]


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``text`` atomically (temporary file in the same folder, fsync, os.replace).

    The folder is created when missing. On any failure, KeyboardInterrupt included, the temporary file is
    removed, ``path`` keeps its previous content and the exception propagates. Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            try:
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; give the usual mode of a new file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_json(path: PathLike, obj: Any, *, indent: int = 2, sort_keys: bool = False,
                      newline: bool = True) -> Path:
    """:func:`atomic_write_text` of ``json.dumps(obj)``. The text is built before the file is touched, so an
    object that cannot be serialised leaves the file as it was."""
    text = json.dumps(obj, indent=indent, sort_keys=sort_keys)
    return atomic_write_text(path, text + ("\n" if newline else ""))


def atomic_append_line(path: PathLike, line: str, encoding: str = "utf-8") -> Path:
    """Add one line at the end of a text file (a ``.jsonl`` history) by rewriting it atomically: the file holds
    either every earlier line plus the new one, or the earlier lines alone."""
    path = Path(path)
    old = path.read_text(encoding=encoding) if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    return atomic_write_text(path, old + line.rstrip("\n") + "\n", encoding=encoding)


def read_json(path: PathLike, what: str = "JSON file") -> Any:
    """The parsed content of ``path``; a missing file, a folder or invalid JSON raise :class:`ValueError` with
    the file's name and what is wrong (FileNotFoundError for a missing file, a subclass of OSError, is turned
    into ValueError too, so callers catch one exception)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a {what}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read this {what} ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON, the {what} is damaged or not one ({exc})") from None


def load_asv_results(path: PathLike) -> dict:
    """Check that ``path`` is an asv result file (api version 2) the comparison can read, and return it.

    Raises :class:`ValueError` naming the file when it is missing, a folder, not JSON (e.g. cut off by an
    interrupted write) or not shaped like an asv result file.
    """
    data = read_json(path, "asv results file")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not an asv results file (a JSON {type(data).__name__}, not an object)")
    if data.get("version") != 2:
        raise ValueError(f"{path}: not an asv results file of api version 2 (version {data.get('version')!r})")
    columns, results = data.get("result_columns"), data.get("results")
    if not isinstance(columns, list) or not isinstance(results, dict):
        raise ValueError(f"{path}: damaged asv results file: 'result_columns' must be a list and 'results' an "
                         f"object")
    for name, row in results.items():
        if not isinstance(row, list) or len(row) > len(columns):
            raise ValueError(f"{path}: damaged asv results file: the entry of {name} does not match "
                             f"'result_columns'")
    return data
