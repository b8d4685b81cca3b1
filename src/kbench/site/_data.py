"""Reading what the views need: asv's result files per machine and environment, ``benchmarks.json``,
``machine.json``, the environment records of ``kbench run`` and the release-check reports. Nothing here
writes to the results folder.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import json
import math
import re
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

SKIP_FILES = {"machine.json", "benchmarks.json"}
RELEASE_CHECKS = "release-checks"

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


# --------------------------------------------------------------------------------------------- records

@dataclasses.dataclass
class ResultFile:
    machine: str
    path: Path
    commit: str
    date: int  # the commit's date (JavaScript ms), as asv stores it
    env_name: str
    params: Dict[str, Any]  # asv's machine parameters plus python and the requirements
    results: Any  # asv.results.Results

    @property
    def short(self) -> str:
        return self.commit[:8]

    def started(self) -> int:
        values = [v for v in (self.results._started_at or {}).values() if isinstance(v, (int, float))]
        return int(max(values)) if values else 0


@dataclasses.dataclass
class Env:
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
    name: str
    info: Dict[str, Any]
    envs: Dict[str, Env]
    records: Dict[str, Tuple[Path, Dict[str, Any]]]  # env name -> (path, record), including envs without results
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


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


# --------------------------------------------------------------------------------------------- loading

def load_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_benchmarks(results_dir: Path) -> Dict[str, Dict[str, Any]]:
    path = results_dir / "benchmarks.json"
    if not path.is_file():
        return {}
    try:
        data = load_json(path)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _problem(problems: Optional[List[str]], path: Path, why: Any) -> None:
    if problems is not None:
        problems.append(f"{path}: {why}")


def _load_result(path: Path, machine: str, problems: Optional[List[str]] = None):
    from asv import results as asv_results
    from asv import util as asv_util

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = asv_results.Results.load(str(path), machine_name=None)
    except (asv_util.UserError, OSError, ValueError, KeyError, TypeError) as exc:
        _problem(problems, path, f"not a readable asv result file ({type(exc).__name__}: {exc}); left out")
        return None
    commit = res.commit_hash
    if not commit:
        _problem(problems, path, "an asv result file without a commit; left out")
        return None
    return ResultFile(machine=machine, path=path, commit=commit, date=int(res.date or 0), env_name=res.env_name,
                      params=dict(res.params or {}), results=res)


def load_machines(results_dir: Path, problems: Optional[List[str]] = None) -> Dict[str, Machine]:
    """Every folder of ``results_dir`` holding a machine.json, with its result files and environment records.
    A file that cannot be read is left out and, when ``problems`` is given, named there (the site shows it)."""
    machines: Dict[str, Machine] = {}
    if not results_dir.is_dir():
        return machines
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        mj = folder / "machine.json"
        if not mj.is_file():
            continue
        try:
            info = load_json(mj)
        except (OSError, ValueError) as exc:
            _problem(problems, mj, f"unreadable ({exc}); the whole folder is left out")
            continue
        name = str(info.get("machine") or folder.name)
        envs: Dict[str, Env] = {}
        records: Dict[str, Tuple[Path, Dict[str, Any]]] = {}
        for path in sorted(folder.glob("*.json")):
            if path.name in SKIP_FILES:
                continue
            if path.name.startswith("environment-"):
                try:
                    rec = load_json(path)
                except (OSError, ValueError) as exc:
                    _problem(problems, path, f"unreadable environment record ({exc}); left out")
                    continue
                if isinstance(rec, dict):
                    env_name = rec.get("asv_env_name") or path.stem[len("environment-"):]
                    records[env_name] = (path, rec)
                continue
            rf = _load_result(path, name, problems)
            if rf is None:
                continue
            envs.setdefault(rf.env_name, Env(machine=name, name=rf.env_name, files=[])).files.append(rf)
        for env in envs.values():
            env.files.sort(key=lambda rf: (rf.date, rf.started()))
            if env.name in records:
                env.record_path, env.record = records[env.name]
        machines[name] = Machine(name=name, info=info, envs=envs, records=records, path=folder)
    return machines


HISTORY_NOTES = "history-notes.json"


def load_history_notes(results_dir: Path, problems: Optional[List[str]] = None) -> List[Dict[str, str]]:
    """``results/history-notes.json``: a list of {"commit", "date", "title", "text"} saying how to read the
    committed history across a change of the harness (not of the kernels), newest first."""
    path = results_dir / HISTORY_NOTES
    if not path.is_file():
        return []
    try:
        data = load_json(path)
        if not isinstance(data, list) or not all(isinstance(n, dict) and n.get("commit") and n.get("text")
                                                 for n in data):
            raise ValueError("expected a list of objects with a commit and a text")
    except (OSError, ValueError) as exc:
        _problem(problems, path, f"unreadable ({exc}); no notes shown")
        return []
    return sorted(data, key=lambda n: str(n.get("date") or ""), reverse=True)


def load_release_checks(results_dir: Path, problems: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """The JSON reports of ``kbench release-check`` (each with ``_path`` and, when present, ``_markdown``)."""
    folder = results_dir / RELEASE_CHECKS
    reports = []
    if not folder.is_dir():
        return reports
    for path in sorted(folder.glob("*.json")):
        try:
            data = load_json(path)
        except (OSError, ValueError) as exc:
            _problem(problems, path, f"unreadable release-check report ({exc}); left out")
            continue
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


# --------------------------------------------------------------------------------------------- values

@dataclasses.dataclass
class Measurement:
    params: Dict[str, Any]
    value: float


def benchmark_values(rf: ResultFile, name: str, benchmarks: Dict[str, Dict[str, Any]]) -> List[Measurement]:
    """The finite values of one benchmark in one result file, each with its parameters by name."""
    res = rf.results
    if name not in res._results:
        return []
    values = res._results.get(name)
    stored = res._benchmark_params.get(name) or []
    names = list((benchmarks.get(name) or {}).get("param_names") or [])
    if not stored:
        return [Measurement({}, float(values))] if finite(values) else []
    if len(names) != len(stored):
        names = [f"param{i + 1}" for i in range(len(stored))]
    if not isinstance(values, list):
        return []
    import itertools

    out = []
    for value, combo in zip(values, itertools.product(*stored)):
        if finite(value):
            out.append(Measurement({n: parse_param(v) for n, v in zip(names, combo)}, float(value)))
    return out


def latest_values(env: Env, name: str, benchmarks) -> Tuple[Optional[ResultFile], List[Measurement]]:
    """The newest result file of ``env`` with at least one value for ``name`` (by commit date, then run time)."""
    for rf in reversed(env.files):
        vals = benchmark_values(rf, name, benchmarks)
        if vals:
            return rf, vals
    return None, []


def benchmark_names(machines: Dict[str, Machine]) -> List[str]:
    names = set()
    for m in machines.values():
        for env in m.envs.values():
            for rf in env.files:
                names.update(rf.results._results.keys())
    return sorted(names)


def unit_of(name: str, benchmarks) -> str:
    info = benchmarks.get(name) or {}
    if info.get("unit"):
        return str(info["unit"])
    return "seconds" if name.split(".")[-1].startswith("time_") else ""


def type_of(name: str, benchmarks) -> str:
    info = benchmarks.get(name) or {}
    if info.get("type"):
        return str(info["type"])
    method = name.split(".")[-1]
    for prefix, kind in (("time_", "time"), ("track_", "track"), ("peakmem_", "peakmemory"), ("mem_", "memory")):
        if method.startswith(prefix):
            return kind
    return ""


# --------------------------------------------------------------------------------------------- kernels

@functools.lru_cache(maxsize=None)
def kernels_module():
    """The kernel package, or None when it cannot be imported here (the views then say so)."""
    try:
        import kernels

        return kernels
    except Exception:
        return None


def families() -> List[str]:
    k = kernels_module()
    if k is None:
        return ["matmul", "sumsq", "gauss", "sincos", "normalise", "pipeline", "fastmath"]
    return list(k.families())


def target_device(family: str, target: str) -> str:
    """"gpu" or "cpu" from the registry; a name-based guess for targets the registry does not know."""
    k = kernels_module()
    if k is not None:
        try:
            return k.get_target(family, target).device
        except Exception:
            pass
    return "gpu" if re.search(r"cuda|cupy|gpu", str(target)) else "cpu"


def target_order(family: str, names: Iterable[str]) -> List[str]:
    """Targets in registry order (stable colours), unknown ones after, by name."""
    names = list(dict.fromkeys(names))
    k = kernels_module()
    known: List[str] = []
    if k is not None:
        try:
            known = list(k.target_names(family))
        except Exception:
            known = []
    return [t for t in known if t in names] + sorted(t for t in names if t not in known)


def target_index(family: str, target: str) -> int:
    k = kernels_module()
    if k is not None:
        try:
            return list(k.target_names(family)).index(target)
        except Exception:
            pass
    from ._svg import hash_fraction

    return int(hash_fraction(target) * 12)


def default_layout(family: str) -> Optional[str]:
    k = kernels_module()
    if k is None:
        return None
    try:
        return k.family_module(family).LAYOUTS[0]
    except Exception:
        return None


# Inputs above this many bytes are not built to count work: it is extrapolated from two smaller sizes.
WORK_INPUT_LIMIT = 64 * 2 ** 20


@functools.lru_cache(maxsize=None)
def _work_direct(family: str, size: int, dtype: str, layout: str) -> Optional[Tuple[float, float, float]]:
    """(flops, bytes, input bytes) from ``work(*make_inputs(size, ...))``."""
    import numpy as np

    k = kernels_module()
    if k is None:
        return None
    try:
        module = k.family_module(family)
        args = module.make_inputs(int(size), np.dtype(dtype), layout, np.random.default_rng(0))
        w = module.work(*args)
        nbytes = float(sum(getattr(a, "nbytes", 0) for a in args))
        return float(w["flops"]), float(w["bytes"]), nbytes
    except Exception:
        return None


@functools.lru_cache(maxsize=None)
def work(family: str, size: int, dtype: str = "float64", layout: Optional[str] = None) -> Optional[Tuple[float, float]]:
    """(flops, bytes) of one call of ``family`` at ``size``: the family's own ``work(*make_inputs(...))``.

    Building inputs of 10^8 elements or 8192^2 matrices only to read their shapes would take gigabytes, so
    above :data:`WORK_INPUT_LIMIT` the counts come from the two largest affordable sizes (``size / 2^k`` and half
    of that) and the power law through them. The families' counts are monomials in the size (2n, 2n^3,
    3n^2 x itemsize), for which this is exact."""
    layout = layout or default_layout(family)
    if layout is None:
        return None
    size = int(size)
    small = _work_direct(family, 64, dtype, layout)
    if small is None:
        return None
    twice = _work_direct(family, 128, dtype, layout)
    if twice and small[2] > 0 and twice[2] > 0:
        mem_exp = math.log2(twice[2] / small[2])
        estimate = small[2] * (size / 64) ** mem_exp
    else:
        estimate = 0.0
    if estimate <= WORK_INPUT_LIMIT or size <= 128:
        direct = _work_direct(family, size, dtype, layout)
        return (direct[0], direct[1]) if direct else None
    k = 1
    while size // 2 ** k > 128 and small[2] * ((size // 2 ** k) / 64) ** mem_exp > WORK_INPUT_LIMIT:
        k += 1
    s1 = size // 2 ** k
    s0 = max(s1 // 2, 1)
    w1 = _work_direct(family, s1, dtype, layout)
    w0 = _work_direct(family, s0, dtype, layout)
    if not w0 or not w1:
        return None
    out = []
    for i in (0, 1):
        if w0[i] <= 0 or w1[i] <= 0:
            out.append(0.0)
            continue
        exponent = math.log(w1[i] / w0[i]) / math.log(s1 / s0)
        out.append(w1[i] * (size / s1) ** exponent)
    return out[0], out[1]


def family_of(name: str) -> Optional[str]:
    """The kernel family a benchmark belongs to: its module name when that is a family."""
    module = name.split(".")[0]
    return module if module in families() else None
