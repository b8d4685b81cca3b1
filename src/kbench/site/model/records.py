"""The loaded results folder as records: machines, their environments and result files, the environment
records of ``kbench run``, the release-check reports and the history notes. Reading asv's files goes through
:mod:`kbench.site._asv`; kbench's own files are read here. Nothing writes to the results folder.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ... import report as _report
from .. import _asv
from .._asv import ResultFile

RELEASE_CHECKS = "release-checks"
HISTORY_NOTES = "history-notes.json"

_CHECK_IN_NAME = re.compile(r"KBENCH_CHECK(\d{8}T\d{6}Z)-(\w+)")
_NUMBA_IN_NAME = re.compile(r"(?<![A-Za-z0-9_])numba(\d+(?:\.\d+)*(?:(?:a|b|rc|\.dev|\.post)\d+)?)")
_LLVMLITE_IN_NAME = re.compile(r"-?(?<![A-Za-z0-9_])llvmlite\d[\w.]*")


def version_key(version: Optional[str]):
    """Sort key for release numbers (PEP 440 when packaging can parse it, numeric parts otherwise)."""
    if version is None:
        return (0, ())
    try:
        from packaging.version import Version

        return (1, Version(version))
    except Exception:
        return (0, tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", version)))


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


@dataclasses.dataclass
class Env:
    """One asv environment of one machine: its result files (oldest commit first) and its record, if any."""
    machine: str
    name: str
    files: List[ResultFile]
    record: Optional[Dict[str, Any]] = None
    record_path: Optional[Path] = None

    @property
    def numba(self) -> Optional[str]:
        for rf in self.files:
            v = rf.params.get("numba")
            if v:
                return str(v)
        m = _NUMBA_IN_NAME.search(self.name)
        if m:
            return m.group(1)
        pk = (self.record or {}).get("packages") or {}
        return pk.get("numba")

    @property
    def python(self) -> Optional[str]:
        for rf in self.files:
            if rf.params.get("python"):
                return str(rf.params["python"])
        py = (self.record or {}).get("python") or {}
        return py.get("version")

    @property
    def series(self) -> str:
        """The environment with its Numba and llvmlite versions taken out: releases of one series differ only
        in Numba, so the release view compares them."""
        if _NUMBA_IN_NAME.search(self.name):
            name = _NUMBA_IN_NAME.sub("numba*", self.name)
            return _LLVMLITE_IN_NAME.sub("", name)
        py = self.python or "?"
        return f"{self.name.split('-')[0]} environments, Python {'.'.join(py.split('.')[:2])}"

    @property
    def release_check(self) -> bool:
        """One side of a release check (partial selections, many rounds): never the view a page opens on."""
        return bool(_CHECK_IN_NAME.search(self.name))

    @property
    def label(self) -> str:
        numba = self.numba
        py = self.python
        if py and not re.fullmatch(r"\d+(\.\d+)*", str(py)):
            py = None  # asv gives an existing environment's interpreter path here, not a version
        kind = self.name.split("-")[0]
        text = f"Numba {numba}" if numba else self.name
        check = _CHECK_IN_NAME.search(self.name)  # the environment of one side of a release check
        extra = [p for p in (kind if kind in ("existing", "conda", "mamba") else None,
                             f"Python {py}" if py else None,
                             f"release check {check.group(1)}, {check.group(2)}" if check else None) if p]
        return text + (f" ({', '.join(extra)})" if extra else "")

    @property
    def anchor(self) -> str:
        return slug(f"{self.machine}-{self.name}")


@dataclasses.dataclass
class Machine:
    """A folder of the results with a machine.json: its environments with results, and every environment
    record (also of environments without results here)."""
    name: str
    info: Dict[str, Any]
    envs: Dict[str, Env]
    records: Dict[str, Tuple[Path, Dict[str, Any]]]  # env name -> (path, record)
    path: Path

    @property
    def quick(self) -> bool:
        return self.name.endswith("-quick")

    def sorted_envs(self) -> List[Env]:
        """Oldest Numba first; environments without a known Numba last, by name."""
        return sorted(self.envs.values(), key=lambda e: (e.numba is None, version_key(e.numba), e.name))

    def newest_env(self) -> Optional[Env]:
        envs = [e for e in self.sorted_envs() if e.numba is not None] or self.sorted_envs()
        return envs[-1] if envs else None

    @property
    def gpus(self) -> List[Dict[str, Any]]:
        for _, rec in self.records.values():
            if rec.get("gpus"):
                return rec["gpus"]
        return []


def _problem(problems: Optional[List[str]], path: Path, why: Any) -> None:
    if problems is not None:
        problems.append(f"{path}: {why}")


def _record(path: Path, records: Dict[str, Tuple[Path, Dict[str, Any]]], problems: Optional[List[str]]) -> None:
    """Add one environment record of ``kbench run`` to ``records`` (by asv environment name)."""
    try:
        rec = _asv.read_json(path)
    except _asv.UnreadableFile as exc:
        _problem(problems, path, f"unreadable environment record ({exc}); left out")
        return
    if isinstance(rec, dict):
        records[rec.get("asv_env_name") or path.stem[len(_asv.KBENCH_RECORD_PREFIX):]] = (path, rec)


def load_machines(results_dir: Path, benchmarks: Dict[str, Dict[str, Any]],
                  problems: Optional[List[str]] = None) -> Dict[str, Machine]:
    """Every folder of ``results_dir`` holding a machine.json, with its result files and environment records.
    A file that cannot be read is left out and, when ``problems`` is given, named there (the site shows it)."""
    machines: Dict[str, Machine] = {}
    if not results_dir.is_dir():
        return machines
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        if not (folder / "machine.json").is_file():
            continue
        try:
            info = _asv.read_machine(folder)
        except _asv.UnreadableFile as exc:
            _problem(problems, folder / "machine.json", f"unreadable ({exc}); the whole folder is left out")
            continue
        name = str(info.get("machine") or folder.name)
        envs: Dict[str, Env] = {}
        records: Dict[str, Tuple[Path, Dict[str, Any]]] = {}
        for path in sorted(folder.glob("*.json")):
            if path.name.startswith(_asv.KBENCH_RECORD_PREFIX):
                _record(path, records, problems)
            elif _asv.is_result_file(path):
                try:
                    rf = _asv.read_result(path, benchmarks)
                except _asv.UnreadableFile as exc:
                    _problem(problems, path, f"{exc}; left out")
                    continue
                envs.setdefault(rf.env_name, Env(machine=name, name=rf.env_name, files=[])).files.append(rf)
        for env in envs.values():
            env.files.sort(key=lambda rf: (rf.date, rf.started))
            if env.name in records:
                env.record_path, env.record = records[env.name]
        machines[name] = Machine(name=name, info=info, envs=envs, records=records, path=folder)
    return machines


def load_history_notes(results_dir: Path, problems: Optional[List[str]] = None) -> List[Dict[str, str]]:
    """``results/history-notes.json``: a list of {"commit", "date", "title", "text"} saying how to read the
    committed history across a change of the harness (not of the kernels), newest first."""
    path = results_dir / HISTORY_NOTES
    if not path.is_file():
        return []
    try:
        data = _asv.read_json(path)
        if not isinstance(data, list) or not all(isinstance(n, dict) and n.get("commit") and n.get("text")
                                                 for n in data):
            raise _asv.UnreadableFile("expected a list of objects with a commit and a text")
    except _asv.UnreadableFile as exc:
        _problem(problems, path, f"unreadable ({exc}); no notes shown")
        return []
    return sorted(data, key=lambda n: str(n.get("date") or ""), reverse=True)


def load_release_checks(results_dir: Path, problems: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """The JSON reports of ``kbench release-check`` (each with ``_path`` and, when present, ``_markdown``),
    newest first."""
    folder = results_dir / RELEASE_CHECKS
    reports: List[Dict[str, Any]] = []
    if not folder.is_dir():
        return reports
    for path in sorted(folder.glob("*.json")):
        try:
            data = _asv.read_json(path)
        except _asv.UnreadableFile as exc:
            _problem(problems, path, f"unreadable release-check report ({exc}); left out")
            continue
        if isinstance(data, dict) and data.get("kind") == _report.HISTORY_KIND:
            continue  # a history summary: read by load_histories
        if not isinstance(data, dict) or not ("baseline" in data and "candidate" in data):
            if path.name != "checked.json":  # the watcher's state file lives here too
                _problem(problems, path, "not a release-check report; left out")
            continue
        data = dict(data)
        data["_path"] = path
        md = path.with_suffix(".md")
        if md.is_file():
            data["_markdown"] = md
        reports.append(data)
    reports.sort(key=lambda r: str(r.get("created") or ""), reverse=True)
    return reports


def load_histories(results_dir: Path, problems: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """The summaries of ``kbench history`` runs (``history-*.json`` beside the release-check reports, each with
    ``_path``), newest first."""
    folder = results_dir / RELEASE_CHECKS
    out: List[Dict[str, Any]] = []
    for path in sorted(folder.glob("history-*.json")) if folder.is_dir() else []:
        try:
            data = _asv.read_json(path)
        except _asv.UnreadableFile as exc:
            _problem(problems, path, f"unreadable release history ({exc}); left out")
            continue
        if not isinstance(data, dict) or data.get("kind") != _report.HISTORY_KIND or not isinstance(data.get("pairs"), list):
            _problem(problems, path, "not a release history summary; left out")
            continue
        out.append(dict(data, _path=path))
    out.sort(key=lambda h: str(h.get("created") or ""), reverse=True)
    return out


def report_links(report: Dict[str, Any]) -> Dict[str, str]:
    """Where a report's html page and copied files go, relative to the kbench folder: {"html", "json"[, "md"]}."""
    path: Path = report["_path"]
    links = {"html": f"{RELEASE_CHECKS}/{path.stem}.html", "json": f"{RELEASE_CHECKS}/{path.name}"}
    if report.get("_markdown"):
        links["md"] = f"{RELEASE_CHECKS}/{report['_markdown'].name}"
    return links
