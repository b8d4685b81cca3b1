"""A disk that fills up: every file opened for writing under a folder takes ``budget`` characters in all, then
its write raises ``OSError(ENOSPC)`` after writing what still fitted, the way a full disk cuts a file off.
``io.open`` is what ``open``, ``Path.open``/``write_text`` and ``os.fdopen`` all go through."""
from __future__ import annotations

import contextlib
import errno
import io
import os
from pathlib import Path


class _Filling:
    def __init__(self, fh, state):
        self._fh, self._state = fh, state

    def write(self, data):
        room = self._state["left"]
        if len(data) <= room:
            self._state["left"] -= len(data)
            return self._fh.write(data)
        self._fh.write(data[:room])
        self._fh.flush()
        self._state["left"] = 0
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False

    def __iter__(self):
        return iter(self._fh)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def _where(file) -> str:
    if isinstance(file, int):
        try:
            return os.readlink(f"/proc/self/fd/{file}")
        except OSError:
            return ""
    return os.path.abspath(os.fspath(file))


@contextlib.contextmanager
def disk_full(monkeypatch, folder: Path, budget: int = 40):
    real_open = io.open
    state = {"left": budget}
    root = str(Path(folder).resolve())

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        if any(m in mode for m in "wax+") and _where(file).startswith(root):
            return _Filling(fh, state)
        return fh

    with monkeypatch.context() as m:
        m.setattr(io, "open", fake_open)
        yield state
