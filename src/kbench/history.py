"""``kbench history``: the suite at the current commit under a chain of Numba releases, each consecutive pair
judged by the release check's rule.

A release history is a release check over more than two releases: one environment per release (built once,
not once per pair), every benchmark run in all of them in interleaved rounds within one ``asv run``, and each
consecutive pair (0.58.1 → 0.59.1, 0.59.1 → 0.60.0, ...) compared exactly as ``kbench release-check`` compares
its two sides: rounds as the unit of evidence, Welch's t-test on log round medians, Holm within the pair, and
confirmation stages for the undecided rows. The family-wise error rate ``--alpha`` is shared (Bonferroni) by
the pairs and by the looks, so a history of ten pairs is no likelier to call noise a change than one release
check.

The releases default to the Numba versions of asv.conf.json's matrix, oldest first. Each pair gets a report
of its own, ``release-check-A-vs-B-<run id>.md/.json`` (the same format as a release check's, so the site and
``kbench power`` read them like any other), and the run a summary, ``history-<first>-to-<last>-<run id>``,
that the site's release page leads with.

Exit status: 0 no regression in any pair, 1 at least one pair with a timing regression, 2 the run broke.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
from typing import Any, Dict, List

from . import _io, _options, checkrun, pypi, release, release_sides, repo, stats
from . import report as report_md
from .checkrun import CheckError
from .release_sides import SideSpec, check_on_index
from .versions import parse as parse_version

KIND = report_md.HISTORY_KIND


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--releases", metavar="VERSION", nargs="+",
                        type=_options.option_type("--releases", _options.version),
                        help="the Numba releases, at least two (default: those of asv.conf.json's matrix); "
                             "they are sorted oldest first and each consecutive pair is compared")
    release.add_check_arguments(parser)


def main(args: argparse.Namespace) -> int:
    try:
        checkrun.require_asv()
        return ReleaseHistory.from_args(args).run()
    except (repo.RepoError, pypi.PackageIndexError) as exc:
        print(f"kbench history: {exc}", file=sys.stderr)
        return 2


def matrix_releases(conf: Dict[str, Any]) -> List[str]:
    """The Numba versions the config's matrix lists, oldest first."""
    value = release_sides.matrix_requirements(conf).get("numba")
    values = value if isinstance(value, list) else [value] if value else []
    return sorted({str(v) for v in values}, key=parse_version)


@dataclasses.dataclass
class ReleaseHistory(release.ReleaseCheck):
    """A release check over a chain of releases (``chain``, oldest first); baseline and candidate are its ends."""

    chain: List[str] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.chain) < 2:
            raise CheckError(f"a release history needs at least two releases, got {self.chain!r}")
        if len(set(self.chain)) != len(self.chain):
            raise CheckError(f"a release history names each release once, got {self.chain!r}")
        self.baseline, self.candidate = self.chain[0], self.chain[-1]

    @classmethod
    def from_args(cls, args: argparse.Namespace, index=None) -> "ReleaseHistory":
        setup = checkrun.Setup.options_from_args(args)
        chain = list(args.releases or matrix_releases(repo.load_config(setup["config_path"])))
        try:
            chain = sorted(chain, key=parse_version)
        except ValueError as exc:
            raise CheckError(f"--releases: {exc}") from None
        check_on_index(index or pypi.ReleaseIndex("numba"), chain)
        return cls(chain=chain, **cls.check_options(args), **setup)

    def releases(self) -> List[str]:
        return list(self.chain)

    def sides(self, conf: Dict[str, Any]) -> List[SideSpec]:
        """One environment per release, tagged by its place in the chain."""
        return [self.side(f"numba {v} side", v, conf, tag=f"r{i:02d}") for i, v in enumerate(self.chain)]

    def finish(self, written, status: int, wall: float) -> None:
        summary = self.summary(written, status, wall)
        md = report_md.render_history(summary)
        stem = f"history-{self.chain[0]}-to-{self.chain[-1]}-{self.run_id}"
        _io.atomic_write_text(self.output_dir / f"{stem}.md", md)
        _io.atomic_write_json(self.output_dir / f"{stem}.json", report_md.json_safe(summary))
        print(md)
        print(f"kbench: {len(written)} pair report(s) and the history {self.output_dir / stem}.md (.json) written",
              file=sys.stderr)

    def summary(self, written, status: int, wall: float) -> Dict[str, Any]:
        """The run in one record: per pair its counts, its regressions and improvements, and its report's name."""
        pairs = []
        for stem, rep, _md in written:
            changes = {st: [{k: r[k] for k in ("benchmark", "params", "ratio", "p_value", "q_value", "unit")}
                            for r in report_md.by_effect(r for r in rep["rows"] if r["status"] == st)]
                       for st in (stats.REGRESSION, stats.IMPROVEMENT)}
            pairs.append({"baseline": rep["baseline"]["version"], "candidate": rep["candidate"]["version"],
                          "report": stem, "summary": rep["summary"], "exit_status": rep["exit_status"],
                          "regressions": changes[stats.REGRESSION], "improvements": changes[stats.IMPROVEMENT]})
        first = written[0][1] if written else {}
        return {
            "kind": KIND,
            "format": 1,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "run_id": self.run_id,
            "releases": list(self.chain),
            "commit": first.get("commit"),
            "machine": first.get("machine"),
            "python": self.python,
            "settings": first.get("settings", {}),
            "exit_status": status,
            "problems": first.get("problems", []),
            "confirmation": first.get("confirmation", []),
            "wall_seconds": round(wall, 1),
            "pairs": pairs,
        }
