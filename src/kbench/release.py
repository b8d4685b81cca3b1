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
import dataclasses
import datetime
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from . import _io, _options, checkrun, compare, pypi, repo, results, stats
from . import report as report_md
from .checkrun import CheckError  # noqa: F401 - the error of this command
from .release_sides import SideSpec, check_on_index
from .versions import InvalidVersion, parse as parse_version


DEFAULT_CONFIRM = 2  # confirmation stages: with the first pass, three looks at alpha / 3 each


# ---------------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------------
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baseline", metavar="VERSION",
                        type=_options.option_type("--baseline", _options.version),
                        help="Numba release to compare against (default: the release before the candidate)")
    parser.add_argument("--candidate", metavar="VERSION",
                        type=_options.option_type("--candidate", _options.version),
                        help="Numba release under test (default: the newest release on the package index)")
    add_check_arguments(parser)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every check that compares releases (``release-check`` and ``history``)."""
    parser.add_argument("--bench", metavar="REGEX", nargs="+", action="extend",
                        type=_options.option_type("--bench", _options.regex),
                        help="only benchmarks matching one of these regular expressions (asv --bench)")
    parser.add_argument("--output", metavar="DIR",
                        help="where the reports go (default: <results dir>/release-checks)")
    parser.add_argument("--confirm", metavar="N", default=DEFAULT_CONFIRM,
                        type=_options.option_type("--confirm", _options.non_negative_int),
                        help="confirmation stages at most: re-run only the undecided and borderline timing rows "
                             "with more rounds (default %(default)s; 0 turns it off). The significance level "
                             "of each look is alpha / (1 + N), so the family-wise error rate stays alpha")
    parser.add_argument("--confirm-rounds", metavar="N",
                        type=_options.option_type("--confirm-rounds", _options.positive_int),
                        help="rounds each confirmation stage adds (default: as many as the first pass)")
    parser.add_argument("--confirm-budget", metavar="MINUTES",
                        type=_options.option_type("--confirm-budget", _options.positive_float),
                        help="start no confirmation stage once the check has run this long")
    checkrun.add_common_arguments(parser)


def main(args: argparse.Namespace) -> int:
    try:
        checkrun.require_asv()
        check = ReleaseCheck.from_args(args)
        return check.run()
    except (repo.RepoError, pypi.PackageIndexError) as exc:
        print(f"kbench release-check: {exc}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class ReleaseCheck(checkrun.Setup):
    """A :class:`kbench.checkrun.Setup` plus the two releases, the benchmarks and where the reports go."""

    baseline: str = ""
    candidate: str = ""
    output_dir: Optional[Path] = None
    bench: List[str] = dataclasses.field(default_factory=list)
    confirm: int = DEFAULT_CONFIRM  # confirmation stages at most (0: none)
    confirm_rounds: Optional[int] = None  # rounds each stage adds (default: the first pass's)
    confirm_budget_s: Optional[float] = None  # no new stage starts after this many seconds of the check
    _infos: Dict[str, Any] = dataclasses.field(default_factory=dict, init=False, repr=False)  # benchmarks.json

    def __post_init__(self) -> None:
        if self.output_dir is None:
            self.output_dir = Path(self.results_dir) / "release-checks"

    @classmethod
    def from_args(cls, args: argparse.Namespace, index: Optional[pypi.ReleaseIndex] = None) -> "ReleaseCheck":
        """The check the options describe: the candidate defaults to the newest release on the index (final
        releases only unless ``--pre``), the baseline to the last final release before it; both must be on
        the index (when it can be reached)."""
        setup = checkrun.Setup.options_from_args(args)
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
        return cls(baseline=baseline, candidate=candidate, **cls.check_options(args), **setup)

    @staticmethod
    def check_options(args: argparse.Namespace) -> Dict[str, Any]:
        """The keyword arguments of :func:`add_check_arguments`'s options (beyond the Setup's)."""
        return dict(bench=list(args.bench or []), confirm=args.confirm, confirm_rounds=args.confirm_rounds,
                    confirm_budget_s=None if args.confirm_budget is None else 60.0 * args.confirm_budget,
                    output_dir=Path(args.output).resolve() if args.output else None)

    # -- what is compared: a release check is the one-pair case of a chain of releases ------------------------
    def releases(self) -> List[str]:
        """The Numba releases measured, in order; each consecutive pair is compared."""
        return [self.baseline, self.candidate]

    @property
    def pairs(self) -> List[Tuple[int, int]]:
        n = len(self.releases())
        return [(i, i + 1) for i in range(n - 1)]

    def sides(self, conf: Dict[str, Any]) -> List[SideSpec]:
        """Baseline and candidate, each tagged so that their results are files of their own (an A/A check's two
        sides share one installed environment); see :data:`kbench.checkrun.SIDE_ENV_VAR`."""
        return [self.side("baseline", self.baseline, conf), self.side("candidate", self.candidate, conf)]

    def run(self) -> int:
        t0 = time.time()
        if self.rounds < compare.MIN_ROUNDS:
            print(f"kbench: {self.rounds} round(s) per side: fewer than {compare.MIN_ROUNDS}, so no row can be "
                  f"tested; every verdict will be 'not tested'", file=sys.stderr)
        conf = self.config()
        commit = checkrun.require_head(self.repo)
        sides = self.sides(conf)
        for s in sides:
            print(f"kbench: {s.role}: numba {s.numba} with "
                  + ", ".join(f"{k} {v or '(any)'}" for k, v in s.requirements.items() if k != "numba")
                  + f" [{s.resolved_by}]", file=sys.stderr)
            for note in s.notes:
                print(f"kbench:   note: {note}", file=sys.stderr)
        machine = checkrun.ensure_machine(self.machine)
        problems: List[str] = []
        stages: List[Dict[str, Any]] = []
        with tempfile.TemporaryDirectory(prefix="kbench-release-check-") as tmp:
            config_file = Path(tmp) / "asv.conf.json"
            env_names, env_paths = self.environments(conf, sides, config_file)
            started_ms = (time.time() - 1.0) * 1000.0  # asv's started_at is a JS timestamp
            rc, tail = checkrun.run_asv(self.asv_run_args(config_file, commit, machine, self.bench), cwd=self.repo)
            side_results = self._read_sides(sides, env_names, env_paths, machine, commit, started_ms, problems)
            rows = self._compare(*side_results)
            extra: Dict[Any, int] = {}
            # confirmation (Pinpoint's approach): more rounds for the undecided and borderline rows only
            while rc == 0 and len(stages) < self.confirm:
                pending = {(p, self._key(r)): r for p, prows in rows.items() for r in prows
                           if stats.needs_confirmation(r.status, r.ratio, r.gates or r.type in stats.GATING_TYPES,
                                                       self.factor)}
                if not pending:
                    break
                rerun = {self._key(r): r for r in pending.values()}
                if self.confirm_budget_s is not None and time.time() - t0 > self.confirm_budget_s:
                    stages.append({"stage": len(stages) + 1, "rows": len(pending), "skipped": "budget spent"})
                    break
                s0 = time.time()
                print(f"kbench: confirmation stage {len(stages) + 1}: {len(pending)} row(s) undecided or close "
                      f"to the factor, {self.rounds_to_confirm} more round(s) each", file=sys.stderr)
                rc, tail = checkrun.run_asv(self.asv_run_args(config_file, commit, machine,
                                                              self._regexes(rerun.values()),
                                                              rounds=self.rounds_to_confirm,
                                                              append=True), cwd=self.repo)
                for key in pending:
                    extra[key] = extra.get(key, 0) + self.rounds_to_confirm
                side_results = self._read_sides(sides, env_names, env_paths, machine, commit, started_ms,
                                                problems if rc else [])
                rows = self._compare(*side_results)
                after = {(p, self._key(r)): r.status for p, prows in rows.items() for r in prows
                         if (p, self._key(r)) in pending}
                stages.append({"stage": len(stages) + 1, "rows": len(pending), "rounds": self.rounds_to_confirm,
                               "seconds": round(time.time() - s0, 1),
                               "decided": sum(1 for st in after.values() if st != stats.UNDECIDED),
                               "still_undecided": sum(1 for st in after.values() if st == stats.UNDECIDED)})
            for p, prows in rows.items():
                for r in prows:
                    if extra.get((p, self._key(r))):
                        r.detail = (r.detail + "; " if r.detail else "") + \
                            f"{r.status} after {extra[(p, self._key(r))]} confirmation round(s)"
        wall = time.time() - t0
        if rc == checkrun.INTERRUPTED:
            problems.append("interrupted (Ctrl-C): the report holds the results asv saved before it stopped")
        elif rc != 0:
            problems.append(f"asv run exited with status {rc}" + (
                " (a benchmark failed or an environment could not be built)" if rc == 2 else ""))
        all_rows = [r for prows in rows.values() for r in prows]
        failed = {(r.benchmark, r.params_text, r.detail): r for r in compare.rows_with(all_rows, compare.FAILED)}
        for s, side in zip(sides, side_results):
            values = list(side.measurements.values())
            if values and all(m.failed for m in values):
                problems.append(f"every benchmark failed in the {s.role} environment (numba {s.numba}): it "
                                f"probably could not be built or cannot import the project; see asv's output")
        if failed:
            problems.append(f"{len(failed)} benchmark result(s) failed: " + "; ".join(
                f"{b}{'(' + pt + ')' if pt else ''} {d}" for (b, pt, d) in list(failed)[:10])
                + (" ..." if len(failed) > 10 else ""))
        if not any(r.ratio is not None for r in all_rows) and not compare.rows_with(all_rows, compare.SKIPPED):
            problems.append("nothing ran: no benchmark produced a result on both sides"
                            + (f" (--bench {' '.join(self.bench)})" if self.bench else ""))
        if problems and rc != 0:
            problems.append("last asv output:\n    " + "\n    ".join(tail[-25:]))

        status = 2 if problems else (1 if any(r.gates for r in all_rows) else 0)
        versions = self.releases()
        written = []
        for (i, j), prows in rows.items():
            pair_status = 2 if problems else (1 if any(r.gates for r in prows) else 0)
            report = self._report(commit, machine, (versions[i], versions[j]), (side_results[i], side_results[j]),
                                  prows, problems, pair_status, wall)
            report["confirmation"] = stages
            md = report_md.render_release_check(report)
            # the run id keeps every report: a second check of the same pair (an A/A, a re-run) adds a file
            stem = f"release-check-{versions[i]}-vs-{versions[j]}-{self.run_id}"
            _io.atomic_write_text(self.output_dir / f"{stem}.md", md)
            _io.atomic_write_json(self.output_dir / f"{stem}.json", report_md.json_safe(report))
            written.append((stem, report, md))
        self.finish(written, status, wall)
        for p in problems:
            print(f"kbench release-check: {p}", file=sys.stderr)
        return status

    def finish(self, written, status: int, wall: float) -> None:
        """Print what was written: the one report of a release check."""
        for stem, _report, md in written:
            print(md)
            print(f"kbench: report written to {self.output_dir / stem}.md and .json", file=sys.stderr)

    def _compare(self, *side_results) -> Dict[Tuple[int, int], List[Any]]:
        """The rows of every consecutive pair, each pair its own family at :attr:`alpha_per_look`."""
        infos = self._infos
        selection = results.select_combinations(infos, self.bench) if infos else None
        return {(i, j): compare.compare_sides(side_results[i], side_results[j], self.factor, self.alpha_per_look,
                                              expected=selection, infos=infos,
                                              samples_per_round=self.samples_per_round)
                for i, j in self.pairs}

    # -- confirmation ------------------------------------------------------------------------------------------
    @property
    def looks(self) -> int:
        """How many times a row may be tested: the first pass and each confirmation stage."""
        return 1 + self.confirm

    @property
    def alpha_per_look(self) -> float:
        """alpha shared (Bonferroni) by the looks and by the release pairs; Holm within each pair."""
        return stats.alpha_per_look(self.alpha, self.looks) / len(self.pairs)

    @property
    def rounds_to_confirm(self) -> int:
        return self.confirm_rounds or self.rounds

    @staticmethod
    def _key(row) -> Any:
        return row.benchmark, tuple(row.params.values())

    @staticmethod
    def _regexes(rows) -> List[str]:
        """``--bench`` expressions selecting exactly these rows' parameter sets."""
        combos: Dict[str, List[tuple]] = {}
        for r in rows:
            combos.setdefault(r.benchmark, []).append(tuple(r.params.values()))
        return [results.bench_regex(name, cs) for name, cs in combos.items()]

    def _read_sides(self, sides, env_names, env_paths, machine, commit, started_ms, problems):
        """The :class:`kbench.results.Side` of every environment as the result files hold them now (and the
        benchmark infos in ``self._infos``); what cannot be read goes to ``problems``."""
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
            probe, problem = self.check_environment(f"{s.role} environment {env_name}", s.numba, env_path)
            env_info = {"numba_requested": s.numba, "requirements": dict(s.requirements),
                        "resolved_by": s.resolved_by, "env_dir": str(env_path), "imported": probe}
            if problem and problem not in problems:
                problems.append(problem)
            path = self.result_file(machine, commit, env_name)
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
        self._infos = infos
        return side_results

    def _report(self, commit, machine, versions, side_results, rows, problems, status, wall) -> Dict[str, Any]:
        return {
            "kind": "kbench-release-check",
            "format": 1,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "baseline": {"version": versions[0], "env": side_results[0].env},
            "candidate": {"version": versions[1], "env": side_results[1].env},
            "commit": commit,
            "machine": machine,
            "python": self.python,
            "settings": dict(self.settings(), quick=self.quick, bench=self.bench, looks=self.looks,
                             confirm=self.confirm, confirm_rounds=self.rounds_to_confirm, pairs=len(self.pairs),
                             exact_series=list(stats.EXACT_SERIES), exact_tolerance=stats.EXACT_TOLERANCE,
                             results_dir=str(self.results_dir), config=str(self.config_path)),
            "summary": compare.summarise(rows),
            "exit_status": status,
            "problems": problems,
            "wall_seconds": round(wall, 1),
            "rows": [r.to_json() for r in rows],
        }
