"""The engine under ``kbench release-check`` and ``kbench bisect``: where and how they run asv.

A :class:`Setup` holds what both commands share (repository, asv config, Python, folders, rounds and samples
per round, the rule's factor and alpha, the machine, the pip resolver, the run id) and does the steps both
take: pin a side (:meth:`Setup.side`), derive a config of exactly those environments and learn asv's names for
them (:meth:`Setup.environments`), build the ``asv run`` command line (:meth:`Setup.asv_run_args`), check that
an environment imports the Numba it was built for (:meth:`Setup.check_environment`) and find its results
(:meth:`Setup.result_file`). :class:`kbench.release.ReleaseCheck` is a Setup plus the two versions;
:class:`kbench.bisect.Bisector` holds one.

asv and git are reached through the module-level names :func:`run_asv`, :func:`probe_environment`,
:func:`asv_environments`, :func:`require_head` and :func:`ensure_machine`, so that the tests can replace them.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _options, asvenv, compare, pypi, results
from .asvenv import INTERRUPTED, ensure_machine, probe_environment, run_asv  # noqa: F401 - see the docstring
from .release_sides import CheckError, Resolver, SideSpec, default_python, derive_config, side_requirements
from .repo import load_config, repo_root, require_head  # noqa: F401 - see the docstring
from .versions import same_version

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


def require_asv() -> None:
    """What release-check and bisect need beyond the project itself: the bench extra."""
    try:
        import asv  # noqa: F401
        import packaging  # noqa: F401
        import virtualenv  # noqa: F401
    except ImportError as exc:
        raise CheckError(f"{exc.name} is not installed here; install the bench extra: pip install -e '.[bench]'")


def asv_environments(config_file: Path, expected: int, python: str):
    """asv's own names and folders for the environments of a derived config, in the config's order; a
    CheckError when there are not ``expected`` of them."""
    envs = asvenv.environments(config_file)
    if len(envs) != expected:
        raise CheckError(f"the derived asv config gives {len(envs)} environment(s) instead of {expected} "
                         f"(is Python {python} installed? asv looks for python{python} on PATH, and needs virtualenv)")
    return [name for name, _ in envs], [folder for _, folder in envs]


@dataclasses.dataclass
class Setup:
    """What release-check and bisect share: ``Setup(**Setup.options_from_args(args))`` (or :meth:`options`)."""

    repo: Path
    config_path: Path
    python: str
    results_dir: Path
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
    def options(cls, config: Optional[str] = None, python: Optional[str] = None, rounds: Optional[int] = None,
                quick: bool = False, factor: float = compare.DEFAULT_FACTOR, alpha: float = compare.DEFAULT_ALPHA,
                machine: Optional[str] = None, show_stderr: bool = False, results_dir: Optional[str] = None,
                env_dir: Optional[str] = None) -> Dict[str, Any]:
        """The checked keyword arguments of a Setup from the command-line options (CheckError when one is
        unusable): the repository and config found, the default Python and folders filled in, and the rounds
        default taken only when ``rounds`` is None (``--rounds 0`` is refused, never silently replaced)."""
        repo = repo_root()
        config_path = Path(config).resolve() if config else repo / "asv.conf.json"
        conf = load_config(config_path)
        if not (math.isfinite(factor) and factor > 1.0):
            raise CheckError(f"--factor must be a finite number greater than 1, not {factor!r}")
        if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
            raise CheckError(f"--alpha must be between 0 and 1, not {alpha!r}")
        rounds = rounds if rounds is not None else (QUICK_ROUNDS if quick else DEFAULT_ROUNDS)
        if rounds < 1:
            raise CheckError("--rounds must be at least 1")
        return dict(repo=repo, config_path=config_path, python=python or default_python(conf),
                    results_dir=Path(results_dir).resolve() if results_dir else
                    (config_path.parent / conf.get("results_dir", "results")).resolve(),
                    factor=factor, alpha=alpha, rounds=rounds, quick=quick, machine=machine,
                    show_stderr=show_stderr, env_dir=Path(env_dir).resolve() if env_dir else None)

    @classmethod
    def options_from_args(cls, args: argparse.Namespace) -> Dict[str, Any]:
        """:meth:`options` from what :func:`add_common_arguments` parsed."""
        return cls.options(config=args.config, python=args.python, rounds=args.rounds, quick=args.quick,
                           factor=args.factor, alpha=args.alpha, machine=args.machine,
                           show_stderr=args.show_stderr, results_dir=args.results_dir, env_dir=args.env_dir)

    # -- the steps ---------------------------------------------------------------------------------------------
    def config(self) -> Dict[str, Any]:
        return load_config(self.config_path)

    def side(self, role: str, version: str, conf: Dict[str, Any], tag: Optional[str] = None) -> SideSpec:
        """The pins of one environment, tagged with :data:`SIDE_ENV_VAR` = ``<run id>-<tag or role>``."""
        s = side_requirements(role, version, conf, self.python, self.resolver)
        s.env_nobuild = dict(s.env_nobuild, **{SIDE_ENV_VAR: f"{self.run_id}-{tag or role}"})
        return s

    def environments(self, conf: Dict[str, Any], sides: Sequence[SideSpec], config_file: Path
                     ) -> Tuple[List[str], List[Path]]:
        """Write the config of exactly these environments to ``config_file``; asv's names and folders for them."""
        derived = derive_config(conf, self.config_path.parent, sides, self.python, self.results_dir,
                                self.env_dir)
        asvenv.write_config(derived, config_file)
        return asv_environments(config_file, len(sides), self.python)

    def asv_run_args(self, config_file: Path, commit: str, machine: str, bench: Sequence[str] = (),
                     interleave: bool = True, rounds: Optional[int] = None, append: bool = False) -> List[str]:
        """``asv run COMMIT^!`` with the samples recorded, R rounds (``rounds``, default the setup's) of exactly
        K samples (interleaved between the environments unless ``interleave`` is false) and these ``--bench``
        expressions; ``append`` keeps the samples already stored and adds these rounds to them."""
        args = ["run", f"{commit}^!", "--config", str(config_file), "--machine", machine, "--record-samples"]
        if append:
            args.append("--append-samples")
        if interleave:
            args.append("--interleave-rounds")
        args += ["-a", f"rounds={rounds or self.rounds}", "-a", f"repeat={self.samples_per_round}"]
        for regex in bench:
            args += ["--bench", regex]
        if self.show_stderr:
            args.append("--show-stderr")
        return args

    def check_environment(self, label: str, numba: str, env_path: Path) -> Tuple[Dict[str, Any], Optional[str]]:
        """What the environment imports, and the problem when it is not the Numba it was built for."""
        probe = probe_environment(env_path)
        if probe.get("error"):
            return probe, f"{label}: cannot import its packages: {probe['error']}"
        if not same_version(probe.get("numba"), numba):
            return probe, f"{label} imported numba {probe.get('numba')}, expected {numba}"
        return probe, None

    def result_file(self, machine: str, commit: str, env_name: str) -> Path:
        return Path(results.result_path(str(self.results_dir), machine, commit, env_name))

    def settings(self) -> Dict[str, Any]:
        """The rule and the sampling, as every report records them."""
        return {"factor": self.factor, "alpha": self.alpha, "rounds": self.rounds,
                "samples_per_round": self.samples_per_round, "min_rounds": compare.MIN_ROUNDS,
                "ratio": compare.RATIO, "test": compare.TEST, "adjust": compare.DEFAULT_ADJUST}
