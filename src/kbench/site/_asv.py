"""The one seam between the site and asv's files in the results folder: ``benchmarks.json``, each machine's
``machine.json`` and its result files (read with ``asv.results.Results``).

Everything the site knows about a result file passes through :func:`read_result`, which turns it into a plain
:class:`ResultFile`; no other module of the site imports asv to read results. :func:`read_json` is also the
reader of kbench's own files there (environment records, release-check reports). Nothing here writes.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Mapping

ASV_FILES = {"machine.json", "benchmarks.json"}
KBENCH_RECORD_PREFIX = "environment-"  # kbench run's environment records share the machine folder



class UnreadableFile(ValueError):
    """A file of the results folder that cannot be used; the message says why."""


class AsvUnusable(RuntimeError):
    """asv cannot be imported here, or lacks what the site reads; the message names what is missing."""


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One finite value of a benchmark, with its parameters by name (Python values, not asv's reprs)."""
    params: Dict[str, Any]
    value: float


@dataclasses.dataclass
class ResultFile:
    """One asv result file: one commit measured in one environment on one machine."""
    path: Path
    commit: str
    date: int  # the commit's date (JavaScript ms), as asv stores it
    started: int  # the latest start time of a benchmark in the file (ms), 0 when none is stored
    env_name: str
    params: Dict[str, Any]  # asv's machine parameters plus python and the requirements
    names: List[str]  # every benchmark the file has an entry for, measured or not
    values: Dict[str, List[Measurement]]  # the finite values per benchmark (benchmarks without any left out)

    @property
    def short(self) -> str:
        return self.commit[:8]


def parse_param(text: Any) -> Any:
    """asv stores parameter values as their repr ("'jit'", "1000"); give back the Python value."""
    if not isinstance(text, str):
        return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_json(path: Path) -> Any:
    """A JSON file; :class:`UnreadableFile` when it cannot be read or parsed."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise UnreadableFile(str(exc)) from exc


def read_benchmarks(results_dir: Path) -> Dict[str, Dict[str, Any]]:
    """``benchmarks.json`` (name -> asv's description: param_names, params, unit, type, code); {} without one."""
    path = results_dir / "benchmarks.json"
    if not path.is_file():
        return {}
    try:
        data = read_json(path)
    except UnreadableFile:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def read_machine(folder: Path) -> Dict[str, Any]:
    """A machine folder's ``machine.json``; :class:`UnreadableFile` when it is damaged."""
    data = read_json(folder / "machine.json")
    if not isinstance(data, dict):
        raise UnreadableFile("not a JSON object")
    return data


def is_result_file(path: Path) -> bool:
    """Whether a JSON file of a machine folder is an asv result file (not asv's own files, not kbench's records)."""
    return path.suffix == ".json" and path.name not in ASV_FILES and not path.name.startswith(KBENCH_RECORD_PREFIX)


def benchmark_unit(name: str, benchmarks: Mapping[str, Dict[str, Any]]) -> str:
    info = benchmarks.get(name) or {}
    if info.get("unit"):
        return str(info["unit"])
    return "seconds" if name.split(".")[-1].startswith("time_") else ""


def benchmark_type(name: str, benchmarks: Mapping[str, Dict[str, Any]]) -> str:
    """asv's type of a benchmark ("time", "track", ...): from benchmarks.json, else from the method's prefix."""
    from kbench.results import type_from_name

    info = benchmarks.get(name) or {}
    if info.get("type"):
        return str(info["type"])
    return type_from_name(name, default="")


def read_result(path: Path, benchmarks: Mapping[str, Dict[str, Any]]) -> ResultFile:
    """One asv result file, read through :mod:`kbench.results` (the one reader of result files, on
    ``asv.results``). Raises :class:`UnreadableFile` for a file asv cannot read or one without a commit, and
    :class:`AsvUnusable` naming what is missing when asv is not installed or lacks what is used here."""
    from kbench import results

    try:
        res = results.load_results(str(path))
    except ImportError as exc:
        raise AsvUnusable(f"kbench site reads results with asv (asv.results.Results), which cannot be imported "
                          f"here: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable asv result file ({exc})") from exc
    if not res.commit_hash:
        raise UnreadableFile("an asv result file without a commit")
    values: Dict[str, List[Measurement]] = {}
    try:  # asv's public Results API (0.6)
        keys = list(res.get_all_result_keys())
        for name, combo, m in results.iter_measurements(res, keys):
            if not finite(m.value):
                continue
            names = list((benchmarks.get(name) or {}).get("param_names") or [])
            if len(names) != len(combo):
                names = [f"param{i + 1}" for i in range(len(combo))]
            values.setdefault(name, []).append(
                Measurement({n: parse_param(v) for n, v in zip(names, combo)}, float(m.value)))
        started = results.started_at(res)
    except AttributeError as exc:
        raise AsvUnusable(f"the installed asv's Results lacks {exc.name or exc}; kbench site reads results "
                          "through the API of asv 0.6") from exc
    return ResultFile(path=path, commit=res.commit_hash, date=int(res.date or 0), started=int(started),
                      env_name=res.env_name, params=dict(res.params or {}), names=keys, values=values)
