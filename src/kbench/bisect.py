"""``kbench bisect``: find the first Numba release at which a benchmark got slower.

The releases from ``--good`` to ``--bad`` come from the package index. The good release is measured first (it is
the reference every other release is compared with), then the bad one (to confirm there is something to find),
then a binary search over the releases in between: each step builds an asv environment with the midpoint
release, runs only the chosen benchmark (and parameter combinations), and compares it with the good release's
rounds using the release-check rule (ratio beyond ``--factor`` and a significant test on the round medians,
see :mod:`kbench.compare`). With ``n`` releases in between that is ``2 + ceil(log2(n + 1))`` measurements at most.

:func:`bisect_releases` is the search alone, on any ``measure(version)`` callable, so it is tested without asv.

Exit status: 0 the first slower release was found; 1 the bad release is not slower than the good one (nothing
to bisect); 2 a run broke (an environment could not be built, the benchmark failed, nothing matched).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

from . import _io, _options, checkrun, compare, pypi, repo, results
from . import report as report_md
from .results import bench_regex  # noqa: F401 - the selection of the measured parameter sets
from .versions import parse as parse_version

M = TypeVar("M")


# ---------------------------------------------------------------------------------------------------------------
# the search
# ---------------------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class BisectResult(Generic[M]):
    first_bad: Optional[str]  # the first release that is slower than the good one (None: not reproduced)
    last_good: Optional[str]  # the release just before it
    measured: List[str]  # versions in the order they were measured
    slower: Dict[str, bool]  # verdict per measured version (the good one maps to False)
    measurements: Dict[str, M]
    releases: List[str]
    reason: str = ""

    @property
    def count(self) -> int:
        return len(self.measured)


def max_measurements(n_releases: int) -> int:
    """Measurements :func:`bisect_releases` needs at most for ``n_releases`` (good and bad included)."""
    inner = max(n_releases - 2, 0)
    return 2 + (math.ceil(math.log2(inner + 1)) if inner else 0)


def bisect_releases(releases: Sequence[str], measure: Callable[[str], M], is_slower: Callable[[M, M], bool],
                    check_bad: bool = True, log: Callable[[str], None] = lambda msg: None) -> BisectResult[M]:
    """Binary search for the first release slower than ``releases[0]`` (the good one).

    ``releases`` are ordered oldest first, ``releases[-1]`` being the bad one. ``measure(version)`` runs the
    benchmark there and returns whatever ``is_slower(good_measurement, measurement)`` compares. Each version is
    measured at most once. The search assumes one step change between good and bad; if performance went down
    and back up in between, it finds *a* transition, not necessarily the first.
    """
    releases = [str(v) for v in releases]
    if len(releases) < 2:
        raise ValueError("need at least a good and a bad release")
    measurements: Dict[str, M] = {}
    order: List[str] = []
    verdict: Dict[str, bool] = {}

    def get(version: str) -> M:
        if version not in measurements:
            log(f"measuring numba {version}")
            measurements[version] = measure(version)
            order.append(version)
        return measurements[version]

    good = get(releases[0])
    verdict[releases[0]] = False
    lo, hi = 0, len(releases) - 1
    if check_bad:
        slower = bool(is_slower(good, get(releases[hi])))
        verdict[releases[hi]] = slower
        if not slower:
            return BisectResult(None, None, order, verdict, measurements, releases,
                                f"numba {releases[hi]} is not slower than {releases[0]}")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        slower = bool(is_slower(good, get(releases[mid])))
        verdict[releases[mid]] = slower
        log(f"numba {releases[mid]}: {'slower' if slower else 'like the good release'}")
        if slower:
            hi = mid
        else:
            lo = mid
    return BisectResult(releases[hi], releases[lo], order, verdict, measurements, releases,
                        f"first slower release: numba {releases[hi]} (last like {releases[0]}: {releases[lo]})")


# ---------------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------------
def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bench", required=True, metavar="NAME",
                        help="full benchmark name, e.g. sumsq.SumSquares.time_kernel")
    parser.add_argument("--good", required=True, metavar="VERSION",
                        type=_options.option_type("--good", _options.version), help="a Numba release that was fast")
    parser.add_argument("--bad", required=True, metavar="VERSION",
                        type=_options.option_type("--bad", _options.version), help="a later Numba release that is slow")
    parser.add_argument("--params", nargs="+", action="extend", metavar="NAME=VALUE",
                        help="restrict a parameterised benchmark, e.g. size=100000 target=jit; parameters not "
                             "given take every value")
    parser.add_argument("--output", metavar="DIR",
                        help="where the report goes (default: <results dir>/bisect)")
    checkrun.add_common_arguments(parser)


def parse_params(items: Optional[Sequence[str]]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for item in items or []:
        if "=" not in item:
            raise checkrun.CheckError(f"--params takes NAME=VALUE, not {item!r}")
        key, value = item.split("=", 1)
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def choose_combinations(info: results.BenchmarkInfo, wanted: Dict[str, List[str]]) -> List[Tuple[str, ...]]:
    """The parameter combinations of ``info`` that match ``wanted`` ({name: [values]}); values are compared
    with asv's stored reprs with or without their quotes."""
    unknown = set(wanted) - set(info.param_names)
    if unknown:
        raise checkrun.CheckError(f"{info.name} has no parameter {', '.join(sorted(unknown))}; it has "
                                 f"{', '.join(info.param_names) or 'none'}")
    chosen = []
    for combo in info.combinations():
        named = dict(zip(info.param_names, combo))
        if all(any(v in (named[k], report_md.unquote(named[k])) for v in vals) for k, vals in wanted.items()):
            chosen.append(combo)
    if not chosen:
        raise checkrun.CheckError(f"no parameter combination of {info.name} matches "
                                 f"{' '.join(f'{k}={v}' for k, vs in wanted.items() for v in vs)}")
    return chosen


class MeasureError(RuntimeError):
    pass


@dataclasses.dataclass
class Bisector:
    """The asv side of a bisection: builds one environment per measured release and runs one benchmark."""

    setup: checkrun.Setup  # the repository, config, Python, rounds, machine... shared with release-check
    bench: str
    wanted: Dict[str, List[str]]
    combos: Optional[List[Tuple[str, ...]]] = None
    info: Optional[results.BenchmarkInfo] = None
    commit: str = ""
    machine: str = ""
    runs: List[Dict[str, Any]] = dataclasses.field(default_factory=list)

    def _environment(self, version: str, tmp: Path) -> Tuple[Path, str, Path]:
        """A config of the one environment for ``version`` in ``tmp``: (its path, asv's name, its folder)."""
        conf = self.setup.config()
        side = self.setup.side("measured", version, conf, tag="bisect")
        path = tmp / f"asv-{version}.json"
        names, paths = self.setup.environments(conf, [side], path)
        return path, names[0], paths[0]

    def discover(self, version: str) -> None:
        """Let asv discover the suite (in the good release's environment) to learn the benchmark's parameters."""
        with tempfile.TemporaryDirectory(prefix="kbench-bisect-") as tmp:
            config_file, _, _ = self._environment(version, Path(tmp))
            rc, tail = checkrun.run_asv(["run", f"{self.commit}^!", "--config", str(config_file), "--machine",
                                         self.machine, "--bench", "just-discover"], cwd=self.setup.repo)
        if rc == checkrun.INTERRUPTED:
            raise KeyboardInterrupt
        infos_path = self.setup.results_dir / "benchmarks.json"
        if rc != 0 or not infos_path.is_file():
            raise MeasureError("asv could not discover the benchmarks:\n    " + "\n    ".join(tail[-20:]))
        infos = results.read_benchmarks(infos_path)
        if self.bench not in infos:
            close = [n for n in infos if self.bench.split(".")[-1] in n][:8]
            raise MeasureError(f"no benchmark named {self.bench}" + (f"; similar: {', '.join(close)}" if close
                                                                      else ""))
        self.info = infos[self.bench]
        self.combos = choose_combinations(self.info, self.wanted) if self.info.params else None
        if self.combos and len(self.combos) > 16:
            print(f"kbench bisect: {len(self.combos)} parameter combinations selected; --params narrows them",
                  file=sys.stderr)

    def measure(self, version: str) -> results.Side:
        c = self.setup
        with tempfile.TemporaryDirectory(prefix="kbench-bisect-") as tmp:
            config_file, env_name, env_path = self._environment(version, Path(tmp))
            args = c.asv_run_args(config_file, self.commit, self.machine,
                                  [bench_regex(self.bench, self.combos)], interleave=False)
            started = (time.time() - 1.0) * 1000.0
            rc, tail = checkrun.run_asv(args, cwd=c.repo)
        if rc == checkrun.INTERRUPTED:  # Ctrl-C: stop the bisection (kbench exits 2)
            raise KeyboardInterrupt
        probe, problem = c.check_environment(f"the environment for numba {version}", version, env_path)
        if problem:
            raise MeasureError(problem)
        path = c.result_file(self.machine, self.commit, env_name)
        if not path.is_file():
            raise MeasureError(f"no results for numba {version} (asv exit status {rc}):\n    "
                               + "\n    ".join(tail[-20:]))
        side = results.load_side(path, benchmarks={self.bench: self.info} if self.info else None,
                                 label=version, selection={self.bench: self.combos}, started_after=started,
                                 env={"imported": probe, "env_name": env_name},
                                 samples_per_round=c.samples_per_round)
        values = list(side.measurements.values())
        if not values:
            raise MeasureError(f"{self.bench} produced no result with numba {version}")
        if any(m.failed for m in values):
            raise MeasureError(f"{self.bench} failed with numba {version} (asv exit status {rc}):\n    "
                               + "\n    ".join(tail[-20:]))
        return side

    def is_slower(self, good: results.Side, other: results.Side) -> bool:
        """Slower by the one rule of :mod:`kbench.compare` (rounds, Welch on log round medians, Holm over the
        selected combinations); undecided and not-tested combinations do not count as slower."""
        rows = compare.compare_sides(good, other, self.setup.factor, self.setup.alpha,
                                     samples_per_round=self.setup.samples_per_round)
        return any(r.status in (compare.REGRESSION, compare.INCREASE) for r in rows)


def main(args: argparse.Namespace) -> int:
    try:
        checkrun.require_asv()
        return _main(args)
    except (repo.RepoError, pypi.PackageIndexError, MeasureError, ValueError) as exc:
        print(f"kbench bisect: {exc}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace, index: Optional[pypi.ReleaseIndex] = None) -> int:
    # bisect keeps its results out of results/ unless told otherwise
    options = checkrun.Setup.options_from_args(args)
    if not args.results_dir:
        options["results_dir"] = (options["repo"] / ".asv" / "bisect-results").resolve()
    setup = checkrun.Setup(**options)
    out_dir = Path(args.output).resolve() if args.output else setup.results_dir / "bisect"
    index = index or pypi.ReleaseIndex("numba")
    good, bad = parse_version(args.good), parse_version(args.bad)
    releases = [str(v) for v in index.between(good, bad, pre=args.pre)]
    print(f"kbench bisect: {len(releases)} releases from {good} to {bad}: {', '.join(releases)}; at most "
          f"{max_measurements(len(releases))} measurements", file=sys.stderr)
    bis = Bisector(setup=setup, bench=args.bench, wanted=parse_params(args.params))
    bis.commit = checkrun.require_head(setup.repo)
    bis.machine = checkrun.ensure_machine(setup.machine)
    bis.discover(releases[0])
    t0 = time.time()
    result = bisect_releases(releases, bis.measure, bis.is_slower,
                             log=lambda msg: print(f"kbench bisect: {msg}", file=sys.stderr))
    report = bisect_report(result, bis, time.time() - t0)
    md = report_md.render_bisect(report)
    stem = f"bisect-{re.sub(r'[^A-Za-z0-9_.-]+', '_', args.bench)}-{good}-to-{bad}"
    _io.atomic_write_text(out_dir / f"{stem}.md", md)
    _io.atomic_write_json(out_dir / f"{stem}.json", report_md.json_safe(report))
    print(md)
    print(f"kbench: report written to {out_dir / stem}.md and .json", file=sys.stderr)
    return 0 if result.first_bad else 1


def bisect_report(result: BisectResult, bis: Bisector, wall: float) -> Dict[str, Any]:
    good = result.measurements[result.releases[0]]
    steps = []
    for version in result.measured:
        side = result.measurements[version]
        rows = compare.compare_sides(good, side, bis.setup.factor, bis.setup.alpha,
                                     samples_per_round=bis.setup.samples_per_round)
        steps.append({"version": version, "slower": result.slower.get(version, False),
                      "imported": side.env.get("imported", {}), "rows": [r.to_json() for r in rows]})
    return {"kind": "kbench-bisect", "format": 1, "benchmark": bis.bench, "params": bis.wanted,
            "good": result.releases[0], "bad": result.releases[-1], "releases": result.releases,
            "first_bad": result.first_bad, "last_good": result.last_good, "reason": result.reason,
            "measured": result.measured, "commit": bis.commit, "machine": bis.machine,
            "settings": dict(bis.setup.settings(), python=bis.setup.python),
            "wall_seconds": round(wall, 1), "steps": steps}
