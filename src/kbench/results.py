"""The one reader of asv's result files, built on asv's public ``asv.results`` API.

One model for every command (release-check, bisect, noise, the pull-request gate, ``kbench run``):

* :class:`BenchmarkInfo`: what ``benchmarks.json`` says of a benchmark (type, unit, parameters, number,
  repeat), or what the name says when there is no ``benchmarks.json`` (:func:`type_from_name`);
* :class:`Measurement`: one parameter combination of one benchmark in one result file (value, samples,
  asv's stored statistics);
* :class:`Side`: one result file read as one side of a comparison (machine, commit, environment, the
  measurements by ``(benchmark, combination)``).

The entry points::

    infos = read_benchmarks("results/benchmarks.json")          # {name: BenchmarkInfo}
    side = load_side(result_path("results", machine, commit, env_name), infos, label="0.61.0")
    for machine, path in iter_result_paths("results"):          # every result file, as asv finds them
        res = load_results(path)                                 # asv.results.Results (ValueError if damaged)
        for name, combo, m in iter_measurements(res): ...        # m: Measurement
        last_run = started_at(res)                               # ms, the newest benchmark start in the file

A file that is missing, cut off or not shaped like an asv result file raises a :class:`ValueError` naming it.
asv is imported only when a file is read, so a command that never reads one does not need it.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import re
import statistics
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from . import _io
from .stats import GATING_TYPES, clean, is_nan

Combination = Tuple[str, ...]  # parameter values as asv stores them (their reprs), in parameter order
Selection = Dict[str, Optional[List[Combination]]]  # {benchmark: combinations, or None for all}

_TYPE_PREFIXES = (("timeraw_", "time"), ("time_", "time"), ("track_", "track"), ("peakmem_", "peakmemory"),
                  ("mem_", "memory"))
_UNITS = {"time": "seconds", "memory": "bytes", "peakmemory": "bytes"}


def type_from_name(name: str, default: str = "time") -> str:
    """asv's benchmark type from its naming convention (``time_``, ``track_``, ``mem_``, ``peakmem_``), for
    results that come without benchmarks.json; ``default`` for a name that follows none."""
    leaf = name.rsplit(".", 1)[-1]
    for prefix, kind in _TYPE_PREFIXES:
        if leaf.startswith(prefix):
            return kind
    return default


def unit_for(kind: str) -> str:
    """asv's unit for a benchmark type (``track_`` benchmarks say their own; "unit" when they do not)."""
    return _UNITS.get(kind, "unit")


@dataclasses.dataclass
class BenchmarkInfo:
    """One benchmark as asv's ``benchmarks.json`` describes it."""

    name: str
    type: str = "time"  # asv's type: time, track, memory, peakmemory
    unit: str = "seconds"
    param_names: List[str] = dataclasses.field(default_factory=list)
    params: List[List[str]] = dataclasses.field(default_factory=list)  # value reprs, as asv stores them
    number: Optional[int] = None  # asv's number / repeat attributes (None: not in benchmarks.json)
    repeat: Any = None

    @classmethod
    def from_name(cls, name: str, params: Optional[List[List[str]]] = None) -> "BenchmarkInfo":
        """What can be told without benchmarks.json: the type and unit from the name, ``param1``, ... names."""
        kind = type_from_name(name)
        params = [list(p) for p in (params or [])]
        return cls(name=name, type=kind, unit=unit_for(kind), params=params,
                   param_names=[f"param{i + 1}" for i in range(len(params))])

    @property
    def gates(self) -> bool:
        """Whether a regression of this benchmark fails a check (timings only)."""
        return self.type in GATING_TYPES

    def combinations(self) -> List[Combination]:
        return [tuple(c) for c in itertools.product(*self.params)] if self.params else [()]


@dataclasses.dataclass
class Measurement:
    """One parameter combination of one benchmark on one side.

    ``value`` is asv's result (the median of the samples for timings); None means the benchmark failed, NaN that
    it was skipped (n/a). ``samples`` are the raw recorded samples (``--record-samples``), all rounds
    concatenated; ``ci_99``, the quartiles, ``number`` and ``repeat`` are asv's stored statistics, kept for
    the reports (the rule does not use them: a confidence interval from one process says nothing about the
    next).
    """

    value: Optional[float]
    samples: Optional[List[float]] = None
    ci_99: Optional[Tuple[float, float]] = None
    q_25: Optional[float] = None
    q_75: Optional[float] = None
    number: Optional[int] = None
    repeat: Optional[int] = None

    @property
    def failed(self) -> bool:
        return self.value is None

    @property
    def skipped(self) -> bool:
        return is_nan(self.value)

    def clean_samples(self) -> List[float]:
        return clean(self.samples)

    def centre(self) -> Optional[float]:
        """The median of the samples when there are any, else asv's value."""
        s = self.clean_samples()
        if s:
            return float(statistics.median(s))
        if self.failed or self.skipped:
            return None
        return float(self.value)


@dataclasses.dataclass
class Side:
    """One asv result file read as one side of a comparison (or anything built the same way in memory)."""

    label: str  # e.g. "0.67.0"
    benchmarks: Dict[str, BenchmarkInfo]
    measurements: Dict[Tuple[str, Combination], Measurement]  # (benchmark, param values) -> measurement
    env: Dict[str, Any] = dataclasses.field(default_factory=dict)  # env_name, python, machine, commit, ...
    samples_per_round: Optional[int] = None  # K of the run's ``-a repeat=K``; None: rounds not recoverable

    @property
    def machine(self) -> Optional[str]:
        return self.env.get("machine")

    @property
    def commit(self) -> Optional[str]:
        return self.env.get("commit")


# ---------------------------------------------------------------------------------------------------------------
# files and their names
# ---------------------------------------------------------------------------------------------------------------
def result_path(results_dir: str, machine: str, commit: str, env_name: str) -> str:
    """Where asv writes the results of (machine, commit, environment): ``asv.results.get_filename`` (long
    environment names are replaced by a hash) under ``results_dir``."""
    from asv.results import get_filename

    return os.path.join(results_dir, get_filename(machine, commit, env_name))


def env_file_stem(env_name: str) -> str:
    """The environment part of asv's result file name (the name itself, or its hash when it is long), for
    files kept next to the results under the same rule."""
    base = os.path.basename(result_path("", "m", "0" * 8, env_name))
    return base[len("0" * 8) + 1:-len(".json")]


RECORD_PREFIX = "environment-"  # kbench run's environment records sit next to the result files


def iter_result_paths(results_dir: str) -> Iterator[Tuple[str, str]]:
    """(machine name, path) of every asv result file under ``results_dir``, found the way asv finds them
    (``asv.results.iter_results_paths``: folders with a readable machine.json), without kbench's environment
    records."""
    from asv.results import iter_results_paths

    for root, filename, machine in iter_results_paths(results_dir):
        if not filename.startswith(RECORD_PREFIX):
            yield machine, os.path.join(root, filename)


def started_at(res) -> float:
    """When the newest benchmark of an ``asv.results.Results`` started (a JS timestamp, ms; 0 when none)."""
    return max((float(v) for v in res.started_at.values() if isinstance(v, (int, float))), default=0.0)


def read_benchmarks(path: str) -> Dict[str, BenchmarkInfo]:
    """asv's ``benchmarks.json`` (written next to the machine folders) as {name: :class:`BenchmarkInfo`};
    a missing or damaged file is a ValueError naming it."""
    data = _io.read_json(path, "asv benchmarks.json")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not asv's benchmarks.json (a JSON {type(data).__name__}, not an object)")
    out = {}
    try:
        for name, b in data.items():
            if name == "version" or not isinstance(b, dict):
                continue
            out[name] = BenchmarkInfo(name=name, type=b.get("type", "time"), unit=b.get("unit", "seconds"),
                                      param_names=list(b.get("param_names") or []),
                                      params=[list(p) for p in (b.get("params") or [])],
                                      number=b.get("number"), repeat=b.get("repeat"))
    except (TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"{path}: damaged asv benchmarks.json ({type(exc).__name__}: {exc})") from None
    return out


def load_results(path: str):
    """The file as ``asv.results.Results`` (checked by :func:`kbench._io.load_asv_results` first, so that a
    damaged file is a ValueError naming it rather than asv's traceback)."""
    from asv import results as asv_results
    from asv import util as asv_util

    _io.load_asv_results(path)
    try:
        return asv_results.Results.load(str(path))
    except (asv_util.UserError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: damaged asv results file ({type(exc).__name__}: {exc})") from None


def _stat(stats: Optional[Dict[str, Any]], key: str) -> Any:
    return (stats or {}).get(key)


def iter_measurements(res, names: Optional[Iterable[str]] = None) -> Iterator[Tuple[str, Combination, Measurement]]:
    """(benchmark, combination, :class:`Measurement`) for every stored combination of every benchmark of an
    ``asv.results.Results`` (or only of ``names``), in asv's parameter order."""
    for name in (res.get_all_result_keys() if names is None else names):
        params = res.get_result_params(name) or []
        combos = [tuple(c) for c in itertools.product(*params)]
        values = res.get_result_value(name, params)
        samples = res.get_result_samples(name, params)
        stats = res.get_result_stats(name, params)
        for combo, value, samp, st in zip(combos, values, samples, stats):
            a, b = _stat(st, "ci_99_a"), _stat(st, "ci_99_b")
            yield name, combo, Measurement(
                value=None if value is None else float(value),
                samples=list(samp) if samp is not None else None,
                ci_99=(float(a), float(b)) if a is not None and b is not None else None,
                q_25=_stat(st, "q_25"), q_75=_stat(st, "q_75"),
                number=_stat(st, "number"), repeat=_stat(st, "repeat"))


def load_side(path: str, benchmarks: Optional[Dict[str, BenchmarkInfo]] = None, label: str = "",
              selection: Optional[Selection] = None, started_after: Optional[float] = None,
              env: Optional[Dict[str, Any]] = None, samples_per_round: Optional[int] = None) -> Side:
    """One asv results file as a :class:`Side`.

    ``benchmarks`` (from benchmarks.json) supplies types, units and parameter names; without it they come from
    the file and the naming convention. ``selection`` restricts to {benchmark: combinations or None for all};
    a selected benchmark absent from the file is simply absent here (and shows as missing in a comparison).
    ``started_after`` (a JS timestamp in ms) ignores benchmarks whose stored results are older, i.e. left in
    the file by an earlier run. ``samples_per_round`` is the K of the run's ``-a repeat=K`` (None when
    unknown: then no row of this side can be tested). ``env`` is added to what the file's header says.
    """
    header = _io.load_asv_results(path)
    res = load_results(path)
    names = [n for n in res.get_all_result_keys()
             if (selection is None or n in selection)
             and (started_after is None or (res.started_at.get(n) or 0) >= started_after)]
    infos: Dict[str, BenchmarkInfo] = {}
    measurements: Dict[Tuple[str, Combination], Measurement] = {}
    try:
        for name in names:
            params = [list(p) for p in (res.get_result_params(name) or [])]
            known = (benchmarks or {}).get(name)
            info = BenchmarkInfo.from_name(name, params)
            if known:
                info.type, info.unit = known.type, known.unit
                info.param_names = list(known.param_names) or info.param_names
                info.number, info.repeat = known.number, known.repeat
            infos[name] = info
        for name, combo, m in iter_measurements(res, names):
            wanted = (selection or {}).get(name)
            if wanted is None or combo in set(tuple(c) for c in wanted):
                measurements[(name, combo)] = m
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ValueError(f"{path}: damaged asv results file ({type(exc).__name__}: {exc})") from None
    side_env = {"env_name": res.env_name, "python": header.get("python"), "machine": res.params.get("machine"),
                "commit": res.commit_hash, "requirements": header.get("requirements") or {}}
    side_env.update(env or {})
    return Side(label=label, benchmarks=infos, measurements=measurements, env=side_env,
                samples_per_round=samples_per_round)


def select_combinations(benchmarks: Dict[str, BenchmarkInfo], regexes: Optional[Sequence[str]]) -> Selection:
    """Which benchmarks and parameter combinations ``asv run --bench REGEX ...`` runs, with asv's own rule:
    ``re.search`` against the name, and for parameterised benchmarks against ``name(p1, p2, ...)``.
    Returns {benchmark: [combinations]} (None for an unparameterised benchmark)."""
    out: Selection = {}
    regexes = list(regexes or [])
    for name, info in benchmarks.items():
        if info.params:
            chosen = [c for c in info.combinations()
                      if not regexes or any(re.search(r, f"{name}({', '.join(c)})") for r in regexes)]
            if chosen:
                out[name] = chosen
        elif not regexes or any(re.search(r, name) for r in regexes):
            out[name] = None
    return out


def bench_regex(name: str, combos: Optional[Sequence[Combination]]) -> str:
    """An ``asv run --bench`` expression selecting exactly ``name`` with these parameter combinations (asv
    matches ``name(v1, v2)`` with the values as stored, e.g. ``'jit'``)."""
    if not combos or list(combos) == [()]:
        return f"^{re.escape(name)}$"
    alternatives = "|".join(re.escape(", ".join(c)) for c in combos)
    return f"^{re.escape(name)}\\(({alternatives})\\)$"
