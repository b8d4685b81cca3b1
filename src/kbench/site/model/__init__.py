"""The site's data model: the results folder loaded once into plain records, and the data of every page
built from them (no HTML here).

``load(results_dir)`` gives a :class:`Model`; each page's data is a property computed once on first use:
``model.overview``, ``model.scaling``, ``model.layout``, ``model.releases``, ``model.roofline`` and
``model.environment``. The modules under :mod:`kbench.site.pages` turn those into HTML.
"""
from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import _asv
from .._asv import Measurement, ResultFile, parse_param
from .families import Family, families, family, family_of, kernels_module
from .records import Env, Machine, report_links, slug, version_key
from . import records as _records

__all__ = ["Model", "load", "KernelClass", "Env", "Machine", "Measurement", "ResultFile", "Family", "families",
           "family", "family_of", "kernels_module", "parse_param", "slug", "version_key", "latest_values",
           "envs_newest_commit_first"]


@dataclasses.dataclass(frozen=True)
class KernelClass:
    """A timing benchmark of a kernel family with size and target parameters."""
    cls: str  # module.Class
    name: str  # the timing benchmark (module.Class.time_...)
    family: str
    param_names: Tuple[str, ...]

    @property
    def short(self) -> str:
        return self.cls.split(".")[-1]


def latest_values(env: Env, name: str) -> Tuple[Optional[ResultFile], List[Measurement]]:
    """The newest result file of ``env`` with at least one value for ``name`` (by commit date, then run time)."""
    for rf in reversed(env.files):
        vals = rf.values.get(name)
        if vals:
            return rf, vals
    return None, []


def envs_newest_commit_first(machine: Machine, names: Sequence[str]) -> List[Env]:
    """The environments of ``machine`` that have results for any of ``names``, in the order a view shows them:
    regular runs before release checks' sides, whatever their commits (a side holds a selection only, often
    two sizes of a scaling series, so a view that opened on it would hide the full run); within each kind, the
    one holding the newest commit's results first, by the commit date asv stores, then the run's start, then by
    Numba release, newest first. So a view opens on what the current code does, not on the newest Numba of an
    old commit, nor on a release check's partial selection."""
    keyed = []
    for env in machine.envs.values():
        newest = None
        for name in names:
            rf, vals = latest_values(env, name)
            if vals:
                key = (not env.release_check, rf.date, rf.started)
                newest = key if newest is None or key > newest else newest
        if newest is not None:
            keyed.append((newest, version_key(env.numba), env.name, env))
    keyed.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [t[-1] for t in keyed]


@dataclasses.dataclass
class Model:
    """Everything the pages show, loaded once from the results folder."""
    results_dir: Path
    machines: Dict[str, Machine]
    benchmarks: Dict[str, Dict[str, Any]]  # benchmarks.json
    reports: List[Dict[str, Any]]  # release-check reports, newest first
    asv_status: str = ""  # "" when asv publish worked, else what went wrong
    vendor_status: str = ""  # "" when asv's scripts were made local, else a warning
    problems: List[str] = dataclasses.field(default_factory=list)  # files left out because they are damaged
    history_notes: List[Dict[str, str]] = dataclasses.field(default_factory=list)
    histories: List[Dict[str, Any]] = dataclasses.field(default_factory=list)  # kbench history runs, newest first

    @functools.cached_property
    def names(self) -> List[str]:
        """Every benchmark any result file has an entry for."""
        return sorted({n for m in self.machines.values() for e in m.envs.values() for rf in e.files
                       for n in rf.names})

    def type_of(self, name: str) -> str:
        return _asv.benchmark_type(name, self.benchmarks)

    def unit_of(self, name: str) -> str:
        return _asv.benchmark_unit(name, self.benchmarks)

    @functools.cached_property
    def kernel_classes(self) -> Dict[str, KernelClass]:
        """Timing benchmarks of a kernel family with size and target parameters, by class (module.Class)."""
        out: Dict[str, KernelClass] = {}
        for name in self.names:
            fam = family_of(name)
            if fam is None or self.type_of(name) != "time":
                continue
            pnames = (self.benchmarks.get(name) or {}).get("param_names") or []
            if "size" in pnames and "target" in pnames:
                cls = name.rsplit(".", 1)[0]
                out[cls] = KernelClass(cls, name, fam, tuple(pnames))
        return out

    def report_links(self, report: Dict[str, Any]) -> Dict[str, str]:
        return report_links(report)

    # the data of each page, built once
    @functools.cached_property
    def overview(self):
        from .overview import build
        return build(self)

    @functools.cached_property
    def scaling(self):
        from .scaling import build
        return build(self)

    @functools.cached_property
    def layout(self):
        from .layout import build
        return build(self)

    @functools.cached_property
    def releases(self):
        from .releases import build
        return build(self)

    @functools.cached_property
    def roofline(self):
        from .roofline import build
        return build(self)

    @functools.cached_property
    def environment(self):
        from .environment import build
        return build(self)


def load(results_dir: Path, asv_status: str = "", vendor_status: str = "") -> Model:
    """Read the results folder (only read) into a :class:`Model`; damaged files are left out and named in
    ``model.problems``."""
    results_dir = Path(results_dir)
    problems: List[str] = []
    benchmarks = _asv.read_benchmarks(results_dir)
    machines = _records.load_machines(results_dir, benchmarks, problems)
    reports = _records.load_release_checks(results_dir, problems)
    notes = _records.load_history_notes(results_dir, problems)
    histories = _records.load_histories(results_dir, problems)
    return Model(results_dir=results_dir, machines=machines, benchmarks=benchmarks, reports=reports,
                 asv_status=asv_status, vendor_status=vendor_status, problems=problems, history_notes=notes,
                 histories=histories)
