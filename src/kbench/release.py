"""``kbench release-check``: run the suite at the current commit under two Numba releases and report regressions.

How it works (details in docs/release-check.md):

1. Pick the versions: the candidate defaults to the newest Numba release on the package index (final releases
   only unless ``--pre``), the baseline to the last final release before it.
2. Pin what each Numba needs: pip resolves ``numba==X`` together with the other packages of the repository's
   asv matrix (``pip install --dry-run --report``), which gives the matching llvmlite and a compatible NumPy.
3. Derive a temporary asv config from the repository's ``asv.conf.json``: same project, build and install
   commands, results folder and environment folder, but exactly two virtualenv environments, one per release
   (asv ``include`` entries; the regular matrix is switched off).
4. ``asv run <HEAD>^! --record-samples --interleave-rounds -a rounds=R -a repeat=K``: both environments run the
   same benchmarks in alternating rounds (R processes per benchmark and side), each round taking exactly K
   samples, and every sample is stored in the normal results files, so the site shows them like any other run.
   The fixed K is what lets :mod:`kbench.compare` cut the stored samples back into rounds.
5. Check that each environment really imports the Numba it was built for, read both result files and compare
   them with :mod:`kbench.compare` (rounds as the unit of evidence, Welch's t-test on log round medians,
   Holm's adjustment over all tested rows); write a Markdown and a JSON report (with R and K) and print the
   Markdown.

Exit status: 0 no statistically backed regression (undecided and not-tested rows are reported, not failures),
1 at least one timing regression, 2 the run itself broke (an environment could not be built, a benchmark failed,
nothing ran, an environment imported the wrong Numba, a result file is damaged, Ctrl-C) or an option was refused.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import math
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import _io, _options, asvenv, compare, pypi, results
from . import report as report_md
from .asvenv import INTERRUPTED, ensure_machine, probe_environment, run_asv  # noqa: F401 - bisect uses them
from .repo import RepoError, load_config as load_asv_config, repo_root as find_repo_root, require_head as head_commit
from .versions import InvalidVersion, parse as parse_version, same_version

DEFAULT_ROUNDS = 8  # rounds (processes) per side: the independent evidence; compare.MIN_ROUNDS is the least
DEFAULT_REPEAT = 5  # samples per round (asv -a repeat=K, an int: exactly K samples, rounds recoverable)
QUICK_ROUNDS = compare.MIN_ROUNDS  # --quick: the fewest rounds that can still give a verdict
QUICK_REPEAT = 3  # samples per round in --quick
# Every environment of a release check or bisection carries this variable (asv's env_nobuild: part of the
# environment's name, not of its build), valued "<run id>-<role>". Its results then never land in the files of
# the matrix environments or of another check at the same commit (asv would replace those), and the two sides of
# an A/A check are two environments.
SIDE_ENV_VAR = "KBENCH_CHECK"


def new_run_id() -> str:
    """A UTC timestamp naming one release check or bisection (seconds are enough: runs take minutes)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
PINNED_FIRST = ("numpy", "llvmlite", "numba")  # asv installs requirements one by one, in this order
NUMBA_KEYS = ("numba", "llvmlite")


class CheckError(RepoError):
    """The check could not be set up or run (exit status 2)."""


# ---------------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------------
def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by release-check and bisect."""
    parser.add_argument("--factor", type=_options.option_type("--factor", _options.factor),
                        default=compare.DEFAULT_FACTOR,
                        help="ratio candidate/baseline above which a slowdown counts (default %(default)s)")
    parser.add_argument("--alpha", type=_options.option_type("--alpha", _options.probability),
                        default=compare.DEFAULT_ALPHA,
                        help="family-wise error rate (Holm) over all tested rows of the check "
                             "(default %(default)s)")
    parser.add_argument("--python", metavar="VERSION",
                        help="Python version of both environments (default: the first in asv.conf.json)")
    parser.add_argument("--rounds", type=_options.option_type("--rounds", _options.positive_int), metavar="N",
                        help=f"interleaved rounds per environment (default {DEFAULT_ROUNDS}, {QUICK_ROUNDS} "
                             f"with --quick)")
    parser.add_argument("--machine", metavar="NAME",
                        help="machine name the results are filed under (default: $KBENCH_MACHINE, else the "
                             "name kbench run derives from the host kind)")
    parser.add_argument("--quick", action="store_true",
                        help=f"fewer samples: {QUICK_ROUNDS} rounds of {QUICK_REPEAT} samples per benchmark")
    parser.add_argument("--pre", action="store_true",
                        help="let release candidates and betas be picked from the index")
    parser.add_argument("--config", metavar="PATH",
                        help="asv config to derive from (default: asv.conf.json at the repository root)")
    parser.add_argument("--results-dir", metavar="DIR",
                        help="asv results folder (default: results_dir of the asv config, i.e. results/)")
    parser.add_argument("--env-dir", metavar="DIR",
                        help="where asv keeps the environments (default: env_dir of the asv config, .asv/env)")
    parser.add_argument("--show-stderr", action="store_true", help="show the benchmarks' stderr (asv -e)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", metavar="VERSION",
                        type=_options.option_type("--baseline", _options.version),
                        help="Numba release to compare against (default: the release before the candidate)")
    parser.add_argument("--candidate", metavar="VERSION",
                        type=_options.option_type("--candidate", _options.version),
                        help="Numba release under test (default: the newest release on the package index)")
    parser.add_argument("--bench", metavar="REGEX", nargs="+", action="extend",
                        type=_options.option_type("--bench", _options.regex),
                        help="only benchmarks matching one of these regular expressions (asv --bench)")
    parser.add_argument("--output", metavar="DIR",
                        help="where the reports go (default: <results dir>/release-checks)")
    add_common_arguments(parser)


def main(args: argparse.Namespace) -> int:
    try:
        require_asv()
        check = ReleaseCheck.from_args(args)
        return check.run()
    except (RepoError, pypi.PackageIndexError) as exc:
        print(f"kbench release-check: {exc}", file=sys.stderr)
        return 2


def require_asv() -> None:
    """What release-check and bisect need beyond the project itself: the bench extra."""
    try:
        import asv  # noqa: F401
        import packaging  # noqa: F401
        import virtualenv  # noqa: F401
    except ImportError as exc:
        raise CheckError(f"{exc.name} is not installed here; install the bench extra: pip install -e '.[bench]'")


# ---------------------------------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------------------------
# the two sides
# ---------------------------------------------------------------------------------------------------------------
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


def side_requirements(role: str, numba_version: str, conf: Dict[str, Any], python: str,
                      resolver: Resolver = lambda reqs, py: pypi.resolve(reqs, py)) -> SideSpec:
    """Pins for one environment: ``numba==X`` plus everything else of the config's matrix, as pip resolves
    them together (so llvmlite and NumPy match that Numba)."""
    base = matrix_requirements(conf)
    others = collections.OrderedDict()
    for key, value in base.items():
        if _bare(key) in NUMBA_KEYS:
            continue
        value = _first(value)
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


# ---------------------------------------------------------------------------------------------------------------
# running asv
# ---------------------------------------------------------------------------------------------------------------
def asv_environments(config_file: Path, expected: int, python: str):
    """asv's own names and folders for the environments of a derived config, in the config's order; a
    CheckError when there are not ``expected`` of them."""
    envs = asvenv.environments(config_file)
    if len(envs) != expected:
        raise CheckError(f"the derived asv config gives {len(envs)} environment(s) instead of {expected} "
                         f"(is Python {python} installed? asv looks for python{python} on PATH, and needs virtualenv)")
    return [name for name, _ in envs], [folder for _, folder in envs]


# ---------------------------------------------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class ReleaseCheck:
    repo: Path
    config_path: Path
    baseline: str
    candidate: str
    python: str
    results_dir: Path
    output_dir: Path
    bench: List[str]
    factor: float = compare.DEFAULT_FACTOR
    alpha: float = compare.DEFAULT_ALPHA
    rounds: int = DEFAULT_ROUNDS
    quick: bool = False
    machine: Optional[str] = None
    show_stderr: bool = False
    env_dir: Optional[Path] = None
    resolver: Resolver = dataclasses.field(default=lambda reqs, py: pypi.resolve(reqs, py))
    run_id: str = dataclasses.field(default_factory=new_run_id)

    @property
    def samples_per_round(self) -> int:
        """K: the samples each round takes (``-a repeat=K``); fixed so that the rounds are recoverable."""
        return QUICK_REPEAT if self.quick else DEFAULT_REPEAT

    @classmethod
    def from_args(cls, args: argparse.Namespace, index: Optional[pypi.ReleaseIndex] = None) -> "ReleaseCheck":
        repo = find_repo_root()
        config_path = Path(args.config).resolve() if args.config else repo / "asv.conf.json"
        conf = load_asv_config(config_path)
        if not (math.isfinite(args.factor) and args.factor > 1.0):
            raise CheckError(f"--factor must be a finite number greater than 1, not {args.factor!r}")
        if not (math.isfinite(args.alpha) and 0.0 < args.alpha < 1.0):
            raise CheckError(f"--alpha must be between 0 and 1, not {args.alpha!r}")
        candidate, baseline = args.candidate, args.baseline
        if candidate is None or baseline is None:
            index = index or pypi.ReleaseIndex("numba")
            if candidate is None:
                candidate = str(index.newest(pre=args.pre))
            if baseline is None:
                baseline = str(index.previous(candidate, pre=False))
        for label, v in (("baseline", baseline), ("candidate", candidate)):
            try:
                parse_version(v)
            except InvalidVersion:
                raise CheckError(f"--{label} {v!r} is not a version number") from None
        check_on_index(index or pypi.ReleaseIndex("numba"), [baseline, candidate])
        results_dir = Path(args.results_dir).resolve() if args.results_dir else \
            (config_path.parent / conf.get("results_dir", "results")).resolve()
        output_dir = Path(args.output).resolve() if args.output else results_dir / "release-checks"
        # only a missing --rounds takes the default: --rounds 0 is refused, never silently replaced
        rounds = args.rounds if args.rounds is not None else (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
        if rounds < 1:
            raise CheckError("--rounds must be at least 1")
        return cls(repo=repo, config_path=config_path, baseline=baseline, candidate=candidate,
                   python=args.python or default_python(conf), results_dir=results_dir, output_dir=output_dir,
                   bench=list(args.bench or []), factor=args.factor, alpha=args.alpha, rounds=rounds,
                   quick=args.quick, machine=args.machine, show_stderr=args.show_stderr,
                   env_dir=Path(args.env_dir).resolve() if args.env_dir else None)

    # -- steps ---------------------------------------------------------------------------------------------------
    def sides(self, conf: Dict[str, Any]) -> List[SideSpec]:
        out = [side_requirements("baseline", self.baseline, conf, self.python, self.resolver),
               side_requirements("candidate", self.candidate, conf, self.python, self.resolver)]
        # tagged with a variable that does not affect the build (an A/A check's two sides share one installed
        # environment), so that these results are files of their own; see SIDE_ENV_VAR
        for s in out:
            s.env_nobuild = dict(s.env_nobuild, **{SIDE_ENV_VAR: f"{self.run_id}-{s.role}"})
        return out

    def asv_run_args(self, config_file: Path, commit: str, machine: str) -> List[str]:
        args = ["run", f"{commit}^!", "--config", str(config_file), "--machine", machine,
                "--record-samples", "--interleave-rounds", "-a", f"rounds={self.rounds}",
                "-a", f"repeat={self.samples_per_round}"]
        for regex in self.bench:
            args += ["--bench", regex]
        if self.show_stderr:
            args.append("--show-stderr")
        return args

    def run(self) -> int:
        t0 = time.time()
        if self.rounds < compare.MIN_ROUNDS:
            print(f"kbench: {self.rounds} round(s) per side: fewer than {compare.MIN_ROUNDS}, so no row can be "
                  f"tested; every verdict will be 'not tested'", file=sys.stderr)
        conf = load_asv_config(self.config_path)
        commit = head_commit(self.repo)
        sides = self.sides(conf)
        for s in sides:
            print(f"kbench: {s.role}: numba {s.numba} with "
                  + ", ".join(f"{k} {v or '(any)'}" for k, v in s.requirements.items() if k != "numba")
                  + f" [{s.resolved_by}]", file=sys.stderr)
            for note in s.notes:
                print(f"kbench:   note: {note}", file=sys.stderr)
        machine = ensure_machine(self.machine)
        derived = derive_config(conf, self.config_path.parent, sides, self.python, self.results_dir,
                                self.env_dir)
        problems: List[str] = []
        with tempfile.TemporaryDirectory(prefix="kbench-release-check-") as tmp:
            config_file = Path(tmp) / "asv.conf.json"
            asvenv.write_config(derived, config_file)
            env_names, env_paths = asv_environments(config_file, 2, self.python)
            started_ms = (time.time() - 1.0) * 1000.0  # asv's started_at is a JS timestamp
            rc, tail = run_asv(self.asv_run_args(config_file, commit, machine), cwd=self.repo)
        wall = time.time() - t0
        if rc == INTERRUPTED:
            problems.append("interrupted (Ctrl-C): the report holds the results asv saved before it stopped")
        elif rc != 0:
            problems.append(f"asv run exited with status {rc}" + (
                " (a benchmark failed or an environment could not be built)" if rc == 2 else ""))

        benchmarks_json = self.results_dir / "benchmarks.json"
        infos = {}
        if benchmarks_json.is_file():
            try:
                infos = results.read_benchmarks(benchmarks_json)
            except ValueError as exc:
                problems.append(str(exc))
        selection = results.select_combinations(infos, self.bench) if infos else None
        side_results = []
        for s, env_name, env_path in zip(sides, env_names, env_paths):
            probe = probe_environment(env_path)
            env_info = {"numba_requested": s.numba, "requirements": dict(s.requirements),
                        "resolved_by": s.resolved_by, "env_dir": str(env_path), "imported": probe}
            if probe.get("error"):
                problems.append(f"{s.role} environment {env_name}: cannot import its packages: {probe['error']}")
            elif not same_version(probe.get("numba"), s.numba):
                problems.append(f"{s.role} environment {env_name} imported numba {probe.get('numba')}, "
                                f"expected {s.numba}")
            path = Path(results.result_path(str(self.results_dir), machine, commit, env_name))
            if not path.is_file():
                problems.append(f"no results for the {s.role} (numba {s.numba}): {path} was not written; the "
                                f"environment could not be built or nothing ran")
                side = results.Side(label=s.numba, benchmarks={}, measurements={}, env={})
            else:
                try:
                    side = results.load_side(path, benchmarks=infos or None, label=s.numba,
                                             selection=selection, started_after=started_ms)
                except ValueError as exc:
                    problems.append(f"cannot read the results of the {s.role} (numba {s.numba}): {exc}")
                    side = results.Side(label=s.numba, benchmarks={}, measurements={}, env={})
            side.env.update(env_info)
            side.env.setdefault("env_name", env_name)
            side.env["results_file"] = str(path)
            side.env["machine"] = machine
            side_results.append(side)

        rows = compare.compare_sides(side_results[0], side_results[1], self.factor, self.alpha,
                                     expected=selection, infos=infos, samples_per_round=self.samples_per_round)
        failed = compare.rows_with(rows, compare.FAILED)
        for s, side in zip(sides, side_results):
            values = list(side.measurements.values())
            if values and all(m.failed for m in values):
                problems.append(f"every benchmark failed in the {s.role} environment (numba {s.numba}): it "
                                f"probably could not be built or cannot import the project; see asv's output")
        if failed:
            problems.append(f"{len(failed)} benchmark result(s) failed: " + "; ".join(
                f"{r.benchmark}{'(' + r.params_text + ')' if r.params else ''} {r.detail}" for r in failed[:10])
                + (" ..." if len(failed) > 10 else ""))
        if not any(r.ratio is not None for r in rows) and not compare.rows_with(rows, compare.SKIPPED):
            problems.append("nothing ran: no benchmark produced a result on both sides"
                            + (f" (--bench {' '.join(self.bench)})" if self.bench else ""))
        if problems and rc != 0:
            problems.append("last asv output:\n    " + "\n    ".join(tail[-25:]))

        regressions = [r for r in rows if r.gates]
        status = 2 if problems else (1 if regressions else 0)
        report = self._report(commit, machine, sides, side_results, rows, problems, status, wall)
        md = report_md.render_release_check(report)
        # the run id keeps every report: a second check of the same pair (an A/A, a re-run) adds a file
        stem = f"release-check-{self.baseline}-vs-{self.candidate}-{self.run_id}"
        _io.atomic_write_text(self.output_dir / f"{stem}.md", md)
        _io.atomic_write_json(self.output_dir / f"{stem}.json", report_md.json_safe(report))
        print(md)
        print(f"kbench: report written to {self.output_dir / stem}.md and .json", file=sys.stderr)
        for p in problems:
            print(f"kbench release-check: {p}", file=sys.stderr)
        return status

    def _report(self, commit, machine, sides, side_results, rows, problems, status, wall) -> Dict[str, Any]:
        return {
            "kind": "kbench-release-check",
            "format": 1,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "baseline": {"version": self.baseline, "env": side_results[0].env},
            "candidate": {"version": self.candidate, "env": side_results[1].env},
            "commit": commit,
            "machine": machine,
            "python": self.python,
            "settings": {"factor": self.factor, "alpha": self.alpha, "rounds": self.rounds,
                         "samples_per_round": self.samples_per_round, "min_rounds": compare.MIN_ROUNDS,
                         "ratio": compare.RATIO,
                         "test": compare.TEST, "adjust": compare.DEFAULT_ADJUST, "quick": self.quick,
                         "bench": self.bench, "results_dir": str(self.results_dir),
                         "config": str(self.config_path)},
            "summary": compare.summarise(rows),
            "exit_status": status,
            "problems": problems,
            "wall_seconds": round(wall, 1),
            "rows": [r.to_json() for r in rows],
        }
