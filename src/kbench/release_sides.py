"""The environments of a release check or bisection: which packages each side gets.

:func:`side_requirements` pins one side: ``numba==X`` plus everything else of the repository's asv matrix, as pip
resolves them together (``pip install --dry-run --report``, :func:`kbench.pypi.resolve`), which gives the
matching llvmlite and a compatible NumPy; offline it falls back on the config's own llvmlite pairing
(:func:`_config_llvmlite_pair`). :func:`derive_config` turns the sides into a temporary asv config of exactly
those environments.
"""
from __future__ import annotations

import collections
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import asvenv, pypi
from .repo import RepoError
from .versions import parse as parse_version, same_version


class CheckError(RepoError):
    """The check could not be set up or run (exit status 2)."""


PINNED_FIRST = ("numpy", "llvmlite", "numba")  # asv installs requirements one by one, in this order
NUMBA_KEYS = ("numba", "llvmlite")


def matrix_requirements(conf: Dict[str, Any]) -> "collections.OrderedDict[str, Any]":
    """The ``req`` part of an asv matrix (new style ``{"req": {...}}`` or legacy flat style), in order."""
    matrix = conf.get("matrix") or {}
    if any(k in matrix for k in ("req", "env", "env_nobuild")):
        req = matrix.get("req") or {}
    else:
        req = matrix
    return collections.OrderedDict(req)


def matrix_env(conf: Dict[str, Any], kind: str) -> Dict[str, str]:
    """Single-valued environment variables of the matrix (``env`` or ``env_nobuild``); lists take the first."""
    matrix = conf.get("matrix") or {}
    out = {}
    for k, v in (matrix.get(kind) or {}).items():
        if isinstance(v, list):
            v = v[0] if v else ""
        if v is not None:
            out[k] = str(v)
    return out


def _first(value):
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _bare(key: str) -> str:
    return key[4:] if key.startswith("pip+") else key


def _requirement(name: str, value) -> str:
    value = "" if value is None else str(value).strip()
    if not value:
        return name
    if value[0] in "<>=!~":
        return f"{name}{value}"
    return f"{name}=={value}"


def check_on_index(index: pypi.ReleaseIndex, versions: Sequence[str]) -> None:
    """Refuse versions the index does not have (a typo would otherwise surface as a failed environment build).
    When the index cannot be reached the versions are taken on trust."""
    try:
        known = set(index.all_versions())
    except pypi.PackageIndexError as exc:
        print(f"kbench: cannot list Numba releases ({exc}); using the versions as given", file=sys.stderr)
        return
    for v in versions:
        if parse_version(v) not in known:
            newest = ", ".join(str(r) for r in index.releases()[-4:])
            raise CheckError(f"numba {v} is not on the package index (latest releases: {newest})")


def default_python(conf: Dict[str, Any]) -> str:
    pythons = conf.get("pythons") or []
    if pythons:
        return str(pythons[0])
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclasses.dataclass
class SideSpec:
    role: str  # "baseline" or "candidate"
    numba: str
    requirements: "collections.OrderedDict[str, str]"
    resolved_by: str  # "pip", "pip (relaxed pins)", "config", "unpinned"
    env: Dict[str, str] = dataclasses.field(default_factory=dict)
    env_nobuild: Dict[str, str] = dataclasses.field(default_factory=dict)
    notes: List[str] = dataclasses.field(default_factory=list)

    def include_entry(self, python: str) -> Dict[str, Any]:
        entry: Dict[str, Any] = {"python": python, "req": dict(self.requirements)}
        if self.env:
            entry["env"] = dict(self.env)
        if self.env_nobuild:
            entry["env_nobuild"] = dict(self.env_nobuild)
        return entry


Resolver = Callable[[Sequence[str], Optional[str]], Dict[str, str]]


def _config_llvmlite_pair(conf: Dict[str, Any], numba_version: str) -> Optional[str]:
    """The llvmlite the repository's config pairs with this Numba, if it says: an ``include`` rule naming both,
    or the one llvmlite of the matrix that the ``exclude`` rules leave next to this Numba."""
    for rule in conf.get("include") or []:
        req = rule.get("req", rule) if isinstance(rule, dict) else {}
        if str(req.get("numba", "")) == numba_version and req.get("llvmlite"):
            return str(req["llvmlite"])
    matrix = matrix_requirements(conf)
    numbas = [str(v) for v in (matrix.get("numba") or [])] if isinstance(matrix.get("numba"), list) else \
        [str(matrix.get("numba"))]
    llvmlites = matrix.get("llvmlite") or []
    llvmlites = [str(v) for v in (llvmlites if isinstance(llvmlites, list) else [llvmlites]) if v]
    if numba_version not in numbas or not llvmlites:
        return None

    def excluded(llvmlite: str) -> bool:
        target = {"numba": numba_version, "llvmlite": llvmlite}
        for rule in conf.get("exclude") or []:
            req = rule.get("req") if isinstance(rule, dict) else None
            if not req or set(rule) != {"req"} or not set(req) <= set(target):
                continue  # only rules about these two requirements say anything about the pairing
            if all(re.fullmatch(str(pattern), target[k]) for k, pattern in req.items()):
                return True
        return False

    left = [v for v in llvmlites if not excluded(v)]
    return left[0] if len(left) == 1 else None


def matrix_pins(conf: Dict[str, Any], numba_version: str, python: str) -> Optional[Dict[str, str]]:
    """The requirements of the config's matrix environment for this Numba, as asv expands the matrix (its
    ``exclude`` and ``include`` rules applied); None when the matrix has no such environment, or several."""
    try:
        from asv import config as asv_config, environment as asv_environment, util as asv_util
    except ImportError:
        return None
    try:
        parsed = asv_config.Config.from_json(dict(conf))
        envs = [asv_environment._parse_matrix_entries(entries)[1]
                for entries in asv_environment.iter_matrix(parsed.environment_type, [python], parsed)]
    except (asv_util.UserError, KeyError, TypeError, ValueError):
        return None
    found = [reqs for reqs in envs if same_version(str(reqs.get("numba") or ""), numba_version)]
    return {k: "" if v is None else str(v) for k, v in found[0].items()} if len(found) == 1 else None


def side_requirements(role: str, numba_version: str, conf: Dict[str, Any], python: str,
                      resolver: Resolver = lambda reqs, py: pypi.resolve(reqs, py)) -> SideSpec:
    """Pins for one environment: ``numba==X`` plus everything else of the config's matrix, as pip resolves
    them together (so llvmlite and NumPy match that Numba). For a release the matrix has, the other packages
    start from that environment's own pins (its NumPy, say); otherwise from the first value of each."""
    base = matrix_requirements(conf)
    own = matrix_pins(conf, numba_version, python) or {}  # a release of the matrix keeps the matrix's pins
    others = collections.OrderedDict()
    for key, value in base.items():
        if _bare(key) in NUMBA_KEYS:
            continue
        value = own[key] if key in own else _first(value)
        if value is None:  # asv: null means "not installed"
            continue
        others[key] = value
    want = [f"numba=={numba_version}"] + [_requirement(_bare(k), v) for k, v in others.items()]
    notes = []
    resolved_by = "pip"
    try:
        resolved = resolver(want, python)
    except pypi.PackageIndexError as exc:
        relaxed = [f"numba=={numba_version}"] + [_bare(k) for k in others]
        try:
            resolved = resolver(relaxed, python)
            resolved_by = "pip (relaxed pins)"
            notes.append(f"the config's pins do not fit numba {numba_version}; pip chose compatible versions "
                         f"({exc})")
        except pypi.PackageIndexError as exc2:
            resolved = {}
            notes.append(f"pip could not resolve numba {numba_version}: {exc2}")
    # asv installs the requirements one at a time with ``pip install --upgrade``, in this order: NumPy, llvmlite
    # and Numba first, so that Numba's own constraints are the last word on the first two
    keys = {_bare(k): k for k in others}
    reqs: "collections.OrderedDict[str, str]" = collections.OrderedDict()
    if resolved:
        if "numba" in resolved and not same_version(resolved["numba"], numba_version):
            raise CheckError(f"pip resolved numba {resolved['numba']} for numba=={numba_version}")
        for name in PINNED_FIRST:
            if name in resolved:
                reqs[keys.get(name, name)] = resolved[name]
        for key, value in others.items():
            reqs[key] = resolved.get(pypi.canonical_name(_bare(key)), value or "")
    else:
        # offline: the config's own llvmlite pairing if it has one, else llvmlite unpinned; installing numba==X
        # right after it moves llvmlite (and NumPy) to releases that X accepts
        pair = _config_llvmlite_pair(conf, numba_version)
        resolved_by = "config" if pair else "unpinned"
        reqs[keys.get("numpy", "numpy")] = others.get(keys.get("numpy", "numpy"), "") or ""
        reqs["llvmlite"] = pair or ""
        reqs["numba"] = numba_version
        for key, value in others.items():
            reqs.setdefault(key, value or "")
    reqs["numba"] = numba_version
    return SideSpec(role=role, numba=numba_version, requirements=reqs, resolved_by=resolved_by,
                    env=matrix_env(conf, "env"), env_nobuild=matrix_env(conf, "env_nobuild"), notes=notes)


def derive_config(base: Dict[str, Any], base_dir: Path, sides: Sequence[SideSpec], python: str,
                  results_dir: Path, env_dir: Optional[Path] = None) -> Dict[str, Any]:
    """The repository's config with its matrix replaced by exactly these sides' environments
    (:func:`kbench.asvenv.derive_config`)."""
    return asvenv.derive_config(base, base_dir, [s.include_entry(python) for s in sides], python, results_dir,
                                env_dir)
