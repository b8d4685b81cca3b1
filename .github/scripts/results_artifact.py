#!/usr/bin/env python3
"""Bring a results artifact from a benchmark runner into the checkout, safely and without losing data.

Used by the jobs that hold a write token (gpu.yml `commit`, numba-release-watch.yml `report`). The
artifact comes from a job on the self-hosted GPU runner, so it is treated as untrusted input:

* ``apply`` copies only regular files under ``<stage>/results/`` to ``<dest>/results/``. A symlink,
  a special file, a name starting with ``.git`` or a path that would leave ``results/`` rejects the
  whole artifact before anything is written. Nothing outside ``results/`` in the stage is copied.
* ``report`` prints the report path named in ``<stage>/report-<kind>.txt`` only when it is a
  relative path under ``results/release-checks/<kind>/``, ends in ``.md`` and is a regular file in
  the stage; otherwise it exits 1 and prints nothing, so no other file can be read into an issue.
* ``outcome`` prints the outcome in ``<stage>/outcome-<kind>.txt`` if it is one of the three known
  ones, else ``broken``.

``apply`` merges rather than overwrites when the branch moved since the run started (``--base-rev``,
the commit the runner checked out) and another run changed the same file in the meantime:

* ``*.history.jsonl``: the lines this run added are appended to the branch's file.
* ``environment-*.json`` (kbench's environment record): the newer record (``recorded_at``, else
  ``collected_at``) stays, the older one is appended to the ``.history.jsonl`` file next to it,
  as ``kbench.suite.write_record`` does for a changed environment.
* asv result files (same commit and environment): the union of the benchmarks, the later
  measurement (``started_at``) where both have one.
* ``results/benchmarks.json`` (asv's list of benchmarks): the union, the branch's entry where both
  have one.
* Any other file changed on both sides: an error naming it; nothing is written.

Only the standard library; runs with the runner's python3.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

OUTCOMES = ("regression", "no-regression", "broken")
# Keys of an environment record that change on every run; kept in step with kbench.suite._VOLATILE_KEYS.
VOLATILE_KEYS = ("collected_at", "recorded_at", "commit", "errors")
MAX_SMALL_FILE = 4096


class BadArtifact(Exception):
    """The artifact holds something that must not be copied or read."""


class Conflict(Exception):
    """A file changed both in this run and on the branch, in a way that cannot be merged."""


# ------------------------------------------------------------------------------------ checking


def _check_name(rel: PurePosixPath) -> None:
    for part in rel.parts:
        if part in ("", ".", "..") or "\\" in part or "\0" in part:
            raise BadArtifact(f"{rel}: unsafe path component {part!r}")
        if part.startswith(".git"):
            raise BadArtifact(f"{rel}: names starting with .git are not accepted")


def _no_symlink_below(root: Path, rel: PurePosixPath) -> None:
    """Every component of root/rel that exists is a real directory or file, not a symlink."""
    here = root
    for part in rel.parts:
        here = here / part
        if here.is_symlink():
            raise BadArtifact(f"{here}: is a symlink")


def staged_files(stage: Path) -> list[PurePosixPath]:
    """The files under <stage>/results, as paths relative to the stage; BadArtifact for anything unsafe."""
    if stage.is_symlink():
        raise BadArtifact(f"{stage}: the stage folder is a symlink")
    top = stage / "results"
    if top.is_symlink():
        raise BadArtifact(f"{top}: is a symlink")
    if not top.exists():
        return []
    if not top.is_dir():
        raise BadArtifact(f"{top}: not a folder")
    found = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = PurePosixPath(full.relative_to(stage).as_posix())
            _check_name(rel)
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                raise BadArtifact(f"{rel}: symlinks are not accepted")
            if name in filenames:
                if not stat.S_ISREG(mode):
                    raise BadArtifact(f"{rel}: not a regular file")
                found.append(rel)
            elif not stat.S_ISDIR(mode):
                raise BadArtifact(f"{rel}: not a folder")
    return sorted(found)


def _target(dest: Path, rel: PurePosixPath) -> Path:
    """dest/rel, refusing anything that would not land inside dest/results."""
    _check_name(rel)
    if rel.parts[0] != "results":
        raise BadArtifact(f"{rel}: outside results/")
    _no_symlink_below(dest, rel)
    target = dest.joinpath(*rel.parts)
    root = (dest / "results").resolve()
    resolved = target.parent.resolve() / target.name
    if root != resolved and root not in resolved.parents:
        raise BadArtifact(f"{rel}: resolves outside {dest / 'results'}")
    return target


def _read_small(path: Path) -> str | None:
    """Text of a small regular file that is not a symlink; None when absent."""
    if path.is_symlink():
        raise BadArtifact(f"{path}: is a symlink")
    if not path.exists():
        return None
    if not path.is_file():
        raise BadArtifact(f"{path}: not a regular file")
    if path.stat().st_size > MAX_SMALL_FILE:
        raise BadArtifact(f"{path}: larger than {MAX_SMALL_FILE} bytes")
    return path.read_text(encoding="utf-8", errors="replace")


def report_path(stage: Path, kind: str) -> str | None:
    """The validated report path from <stage>/report-<kind>.txt, or None when the file is absent or empty."""
    if not kind.isalnum():
        raise BadArtifact(f"kind {kind!r}: letters and digits only")
    text = _read_small(stage / f"report-{kind}.txt")
    if text is None or not text.strip():
        return None
    raw = text.strip()
    if "\n" in raw or "\r" in raw:
        raise BadArtifact(f"report-{kind}.txt: more than one line")
    if raw.startswith("/") or raw.startswith("~") or (len(raw) > 1 and raw[1] == ":"):
        raise BadArtifact(f"report-{kind}.txt: {raw!r} is not a relative path")
    rel = PurePosixPath(raw)
    _check_name(rel)
    prefix = ("results", "release-checks", kind)
    if rel.parts[: len(prefix)] != prefix or len(rel.parts) <= len(prefix):
        raise BadArtifact(f"report-{kind}.txt: {raw!r} is not under {'/'.join(prefix)}/")
    if rel.suffix != ".md":
        raise BadArtifact(f"report-{kind}.txt: {raw!r} is not a .md file")
    _no_symlink_below(stage, rel)
    full = stage.joinpath(*rel.parts)
    if not full.is_file():
        raise BadArtifact(f"report-{kind}.txt: {raw!r} is not a file in the artifact")
    return str(rel)


def outcome(stage: Path, kind: str) -> str:
    try:
        text = _read_small(stage / f"outcome-{kind}.txt")
    except BadArtifact as exc:
        print(f"outcome-{kind}.txt: {exc}; counted as broken", file=sys.stderr)
        return "broken"
    value = (text or "").strip()
    if value in OUTCOMES:
        return value
    if text is not None:
        print(f"outcome-{kind}.txt: {value[:80]!r} is not an outcome; counted as broken", file=sys.stderr)
    return "broken"


# ------------------------------------------------------------------------------------- merging


def _base_content(dest: Path, base_rev: str | None, rel: PurePosixPath) -> bytes | None:
    if not base_rev:
        return None
    proc = subprocess.run(
        ["git", "-C", str(dest), "cat-file", "blob", f"{base_rev}:{rel.as_posix()}"],
        capture_output=True,
    )
    return proc.stdout if proc.returncode == 0 else None


def _lines(data: bytes | None) -> list[str]:
    return [] if data is None else data.decode("utf-8", errors="replace").splitlines()


def _join(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def merge_history(base: bytes | None, new: bytes, cur: bytes) -> bytes:
    """The branch's lines, then the lines this run added that the branch does not have yet."""
    remaining = list(_lines(base))
    added = []
    for line in _lines(new):
        if line in remaining:
            remaining.remove(line)
        else:
            added.append(line)
    merged = _lines(cur)
    merged += [line for line in added if line.strip() and line not in merged]
    return _join(merged)


def _json(data: bytes, rel: PurePosixPath):
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise Conflict(f"{rel}: changed on the branch and here, and this copy is not JSON ({exc})") from None


def _when(record: dict) -> datetime | None:
    for key in ("recorded_at", "collected_at"):
        value = record.get(key)
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return None


def _comparable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE_KEYS}


def merge_record(rel: PurePosixPath, new: bytes, cur: bytes) -> tuple[bytes, dict | None]:
    """(content of the record file, the record to append to its history or None)."""
    mine, theirs = _json(new, rel), _json(cur, rel)
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        raise Conflict(f"{rel}: an environment record that is not a JSON object")
    if _comparable(mine) == _comparable(theirs):
        return cur, None  # the same environment, recorded twice: keep the branch's file
    t_mine, t_theirs = _when(mine), _when(theirs)
    if t_mine is not None and t_theirs is not None and t_theirs > t_mine:
        return cur, mine
    return new, theirs


def merge_asv_result(rel: PurePosixPath, new: bytes, cur: bytes) -> bytes:
    mine, theirs = _json(new, rel), _json(cur, rel)
    same = all(
        isinstance(d, dict) and isinstance(d.get("results"), dict) for d in (mine, theirs)
    ) and all(mine.get(k) == theirs.get(k) for k in ("commit_hash", "env_name", "result_columns", "version"))
    if not same:
        raise Conflict(f"{rel}: changed on the branch and here, and the two are not results of one commit and environment")
    columns = mine.get("result_columns") or []
    at = columns.index("started_at") if "started_at" in columns else None

    def started(row):
        if at is None or not isinstance(row, list) or len(row) <= at:
            return None
        return row[at]

    merged = copy.deepcopy(theirs)
    for name, row in mine["results"].items():
        old = merged["results"].get(name)
        s_new, s_old = started(row), started(old)
        if old is None or s_old is None or (s_new is not None and s_new >= s_old):
            merged["results"][name] = row
            if name in (mine.get("durations") or {}):
                merged.setdefault("durations", {})[name] = mine["durations"][name]
    for key, value in (mine.get("durations") or {}).items():
        merged.setdefault("durations", {}).setdefault(key, value)
    if isinstance(mine.get("date"), (int, float)) and isinstance(theirs.get("date"), (int, float)):
        merged["date"] = max(mine["date"], theirs["date"])
    return (json.dumps(merged, indent=None, sort_keys=True) + "\n").encode("utf-8")


def merge_benchmark_list(rel: PurePosixPath, new: bytes, cur: bytes) -> bytes:
    mine, theirs = _json(new, rel), _json(cur, rel)
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        raise Conflict(f"{rel}: not a JSON object")
    merged = dict(mine)
    merged.update(theirs)
    return (json.dumps(merged, indent=4, sort_keys=True) + "\n").encode("utf-8")


def _is_record(rel: PurePosixPath) -> bool:
    return rel.name.startswith("environment-") and rel.name.endswith(".json")


def _kind(rel: PurePosixPath) -> str:
    if rel.name.endswith(".history.jsonl"):
        return "history"
    if _is_record(rel):
        return "record"
    if rel == PurePosixPath("results/benchmarks.json"):
        return "benchmarks"
    if rel.suffix == ".json" and rel.name != "machine.json" and len(rel.parts) == 3:
        return "asv-result"
    return "other"


def plan(stage: Path, dest: Path, base_rev: str | None) -> tuple[dict[PurePosixPath, bytes], list[str]]:
    """What to write where (nothing is written yet) and a line per file saying what happens to it."""
    files = staged_files(stage)
    targets = {rel: _target(dest, rel) for rel in files}
    out: dict[PurePosixPath, bytes] = {}
    notes: list[str] = []

    def current(rel: PurePosixPath) -> bytes | None:
        if rel in out:
            return out[rel]
        path = targets.get(rel) or _target(dest, rel)
        return path.read_bytes() if path.is_file() else None

    # History files before the records, so that a record's older copy is appended to the merged history.
    order = sorted(files, key=lambda r: (_kind(r) != "history", r.as_posix()))
    for rel in order:
        new = (stage.joinpath(*rel.parts)).read_bytes()
        cur = current(rel)
        base = _base_content(dest, base_rev, rel)
        if cur is None or cur == base or cur == new:
            if cur != new:
                out[rel] = new
                notes.append(f"{rel}: {'new' if cur is None else 'updated'}")
            continue
        if new == base:
            notes.append(f"{rel}: changed on the branch only; kept")
            continue
        kind = _kind(rel)
        if kind == "history":
            out[rel] = merge_history(base, new, cur)
        elif kind == "record":
            content, older = merge_record(rel, new, cur)
            out[rel] = content
            if older is not None:
                hist = rel.with_name(rel.name[: -len(".json")] + ".history.jsonl")
                lines = _lines(current(hist))
                line = json.dumps(older, sort_keys=True)
                if line not in lines:
                    out[hist] = _join(lines + [line])
        elif kind == "asv-result":
            out[rel] = merge_asv_result(rel, new, cur)
        elif kind == "benchmarks":
            out[rel] = merge_benchmark_list(rel, new, cur)
        else:
            raise Conflict(f"{rel}: changed on the branch since {base_rev or 'the run started'} and in this run")
        notes.append(f"{rel}: merged with the branch's copy ({kind})")
    return out, notes


def apply(stage: Path, dest: Path, base_rev: str | None) -> list[str]:
    out, notes = plan(stage, dest, base_rev)
    for rel, content in out.items():
        target = _target(dest, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp-artifact")
        tmp.write_bytes(content)
        os.replace(tmp, target)
    return notes


# ----------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("apply", help="copy <stage>/results/** into <dest>/results/, merging with the branch")
    p.add_argument("--stage", type=Path, required=True)
    p.add_argument("--dest", type=Path, default=Path("."))
    p.add_argument("--base-rev", help="the commit the runner checked out (to tell who changed a file)")
    for name in ("report", "outcome"):
        p = sub.add_parser(name)
        p.add_argument("--stage", type=Path, required=True)
        p.add_argument("--kind", required=True)
    args = parser.parse_args(argv)

    try:
        if args.command == "apply":
            for note in apply(args.stage, args.dest, args.base_rev):
                print(note)
            return 0
        if args.command == "report":
            path = report_path(args.stage, args.kind)
            if path:
                print(path)
            return 0
        print(outcome(args.stage, args.kind))
        return 0
    except BadArtifact as exc:
        print(f"rejected: {exc}", file=sys.stderr)
        return 1
    except Conflict as exc:
        print(f"cannot merge: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
