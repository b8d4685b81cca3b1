"""``kbench run``: record this machine with asv, run the suite, store an environment record, build the site.

Default (``--existing``): asv's existing-environment mode. The benchmarks run in *this* interpreter, with
whatever Numba is installed here, and the results are recorded against the repository's HEAD commit
(``asv run --environment existing:<python> --set-commit-hash <HEAD>``). Nothing is installed and nothing is
downloaded, so this is the mode for a GPU machine without internet access. asv names the environment after
the interpreter's path (``existing-py_<path>``); results keep that name.

``--matrix``: every environment of asv.conf.json's matrix (one per Numba release), built by asv under
``.asv/env`` with the project installed from the HEAD commit.

Results are never deleted or overwritten: when this machine already has results for HEAD in an
environment, asv is told to skip the benchmarks that already have a successful result there
(``--skip-existing-successful``). ``--quick`` runs (one sample, no warm-up: smoke tests, not measurements)
are recorded under their own machine name, ``<machine>-quick``, so they never mix with real timings.

Exit status: 0 when asv ran and the site was built, 2 otherwise (never 1). Ctrl-C lets asv stop on its own
(it keeps the results it saved), records the environments of those results and skips the site.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import json
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple

from . import _io, asvenv, repo, results
from .asvenv import INTERRUPTED  # noqa: F401 - the status kbench run reports for Ctrl-C
from .harness import ensure_asv_machine

CONFIG_NAME = repo.CONFIG_NAME
QUICK_SUFFIX = "-quick"
# keys of an environment record that change on every run without the environment changing
_VOLATILE_KEYS = ("collected_at", "recorded_at", "commit", "errors")


# ---------------------------------------------------------------------------------------------- naming

def check_machine_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}", name or ""):
        raise ValueError(
            f"machine name {name!r} is not usable as a results folder name "
            "(letters, digits, '.', '_', '+', '-'; at most 100 characters)"
        )
    return name


def record_filename(env_name: str) -> str:
    """``environment-<asv env name>.json``; very long names are hashed the way asv hashes result files."""
    return f"environment-{results.env_file_stem(env_name)}.json"


def platform_python() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


# ---------------------------------------------------------------------------------------------- asv

def existing_env_name(python: str = None) -> str:
    """The name asv gives the existing environment of ``python`` (``existing-py_<path with _ for />``)."""
    from asv import environment, util

    python = os.path.abspath(util.which(python or sys.executable))
    return environment.get_env_name("existing", python.replace(os.path.sep, "_"), {}, {})


def canonical_existing_env(record: Dict[str, Any]) -> Tuple[str, Dict[str, str]]:
    """The name under which existing-environment results are filed, and the requirements it stands for.

    asv names an existing environment after its interpreter's path (``existing-py_<path>``), so the same
    machine with the same packages would start a new series in every clone folder. kbench files them instead
    under the Python version and the versions of the packages that change timings, written the way asv writes
    matrix environments: ``existing-py3.11-llvmlite0.50.0-numba0.68.1-numpy2.4.6-scipy1.17.1``."""
    from asv import environment

    py = (record.get("python") or {}).get("version") or f"{sys.version_info[0]}.{sys.version_info[1]}"
    py = ".".join(str(py).split(".")[:2])
    packages = record.get("packages") or {}
    reqs = {k: str(packages[k]) for k in _KEY_PACKAGES if packages.get(k)}
    return environment.get_env_name("existing", py, reqs, {}), reqs


def stage_existing_results(results_dir: str, machine_name: str, commit: str, canonical: str, asv_name: str,
                           python: str) -> None:
    """Before ``asv run``: give asv the results already filed under ``canonical`` under the name asv looks for
    (so ``--skip-existing-successful`` sees them and asv adds to them). Refuses when both files exist: merging
    two histories of one commit is not something to do silently."""
    canon_path = results.result_path(results_dir, machine_name, commit, canonical)
    asv_path = results.result_path(results_dir, machine_name, commit, asv_name)
    if not os.path.isfile(canon_path):
        return
    if os.path.isfile(asv_path):
        raise ValueError(f"both {canon_path} and {asv_path} exist (an interrupted run?); keep the one you want "
                         "and move the other out of results/ before running again")
    with open(canon_path, encoding="utf-8") as fh:
        data = json.load(fh)
    data["env_name"] = asv_name
    data["python"] = python
    data.setdefault("params", {})["python"] = python
    _io.atomic_write_json(asv_path, data, indent=None)


def adopt_existing_results(results_dir: str, machine_name: str, commit: str, asv_name: str, canonical: str,
                           requirements: Dict[str, str], python_version: str) -> Optional[str]:
    """After ``asv run``: file asv's path-named result file under ``canonical``, with the interpreter path
    replaced by the Python version and the key package versions as requirements (as in a matrix file). An
    unchanged file is left untouched. Returns the path written, or None when asv wrote nothing."""
    asv_path = results.result_path(results_dir, machine_name, commit, asv_name)
    canon_path = results.result_path(results_dir, machine_name, commit, canonical)
    if not os.path.isfile(asv_path):
        return None
    with open(asv_path, encoding="utf-8") as fh:
        data = json.load(fh)
    data["env_name"] = canonical
    data["python"] = python_version
    data["requirements"] = dict(requirements)
    params = data.setdefault("params", {})
    params["python"] = python_version
    params.update(requirements)
    old = None
    if os.path.isfile(canon_path):
        with open(canon_path, encoding="utf-8") as fh:
            old = json.load(fh)
    if old != data:
        _io.atomic_write_json(canon_path, data, indent=None)
    os.remove(asv_path)
    return canon_path


def matrix_environments(config_path: str) -> List[Tuple[str, str]]:
    """(asv env name, path of its python) for every environment of the config's matrix."""
    return [(name, str(asvenv.env_python(folder))) for name, folder in asvenv.environments(config_path)]


def _result_exists(results_dir: str, machine_name: str, commit: str, env_name: str) -> bool:
    return os.path.isfile(results.result_path(results_dir, machine_name, commit, env_name))


def damaged_results(results_dir: str, machine_name: str, commit: str, env_names: List[str]) -> List[str]:
    """One line per existing asv result file of these environments at ``commit`` that cannot be read (cut off
    by an interrupted write, say). asv would stop on such a file with a traceback of its own; kbench run
    names it and leaves it as it is."""
    problems = []
    for env_name in env_names:
        path = results.result_path(results_dir, machine_name, commit, env_name)
        if os.path.isfile(path):
            try:
                _io.load_asv_results(path)
            except ValueError as exc:
                problems.append(str(exc))
    return problems


# ---------------------------------------------------------------------------------------------- records

# Loads this checkout's machine.py by path inside another interpreter: the record then has the same format
# for every environment, whichever kbench (if any) that environment has installed. machine.py needs only the
# standard library to start, so this works in any environment with a Python.
_PROBE = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('kbench_machine_probe', sys.argv[1])\n"
    "mod = importlib.util.module_from_spec(spec)\n"
    "sys.modules[spec.name] = mod\n"
    "spec.loader.exec_module(mod)\n"
    "sys.exit(mod.main(type('Args', (), {'json': True})()))\n"
)


def record_in_env(python: str, timeout: float = 600.0) -> Dict[str, Any]:
    """The :func:`kbench.machine.collect` record of another interpreter (an asv environment's python), through
    the one environment probe (:func:`kbench.asvenv.probe`), run from the environment's own folder."""
    from . import machine

    cwd = os.path.dirname(os.path.dirname(os.path.abspath(python)))  # its own folder: nothing to shadow
    try:
        return asvenv.probe(python, _PROBE, os.path.abspath(machine.__file__), timeout=timeout, cwd=cwd)
    except RuntimeError as exc:
        raise RuntimeError(f"{python}: the machine probe failed: {exc}") from None


def _comparable(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record without its volatile keys, with ``blas.libraries`` in a fixed order: threadpoolctl lists the
    libraries in load order, which can change between two runs of the same environment, so two records are
    compared by content, not by the order of that list."""
    out = {k: v for k, v in record.items() if k not in _VOLATILE_KEYS}
    blas = out.get("blas")
    if isinstance(blas, dict) and isinstance(blas.get("libraries"), list):
        libs = sorted(blas["libraries"], key=lambda lib: json.dumps(lib, sort_keys=True, default=str))
        out["blas"] = dict(blas, libraries=libs)
    return out


def write_record(results_dir: str, machine_name: str, env_name: str, record: Dict[str, Any]) -> str:
    """Store ``record`` as ``results/<machine>/environment-<env>.json`` without losing an older record.

    Same environment as last time: the file is left as it is. A changed environment (another Numba, another
    driver): the previous record is appended to ``environment-<env>.history.jsonl`` (a name asv does not read
    as results) before the new one takes its place. Returns a one-line description of what happened.
    """
    folder = os.path.join(results_dir, machine_name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, record_filename(env_name))
    old = None
    status = "new"
    if os.path.isfile(path):
        status = "updated; the previous record is kept in the .history.jsonl file next to it"
        try:
            with open(path, encoding="utf-8") as fh:
                old = json.load(fh)
        except (OSError, ValueError):
            old = None
        if old is not None and _comparable(old) == _comparable(record):
            return f"{path} (unchanged)"
        history = path[: -len(".json")] + ".history.jsonl"
        with open(path, encoding="utf-8", errors="replace") as fh:
            previous_text = fh.read()
        if old is not None:
            line = json.dumps(old, sort_keys=True)
        else:  # not JSON: keep it verbatim
            line = json.dumps({"unparsed_previous_record": previous_text})
        _io.atomic_append_line(history, line)
    # both writes are atomic: an interrupted one leaves the history and the record as they were
    _io.atomic_write_json(path, record, sort_keys=True)
    return f"{path} ({status})"


def harness_versions(record: Dict[str, Any]) -> Dict[str, Optional[str]]:
    """What took the measurements: the asv that drove the run (this process) and the asv_runner that the
    environment's benchmark processes imported (from the environment's own record)."""
    from importlib import metadata

    try:
        driver = metadata.version("asv")
    except metadata.PackageNotFoundError:
        driver = None
    return {"asv": driver, "asv_runner": ((record.get("packages") or {}).get("asv_runner"))}


# packages whose version change makes an environment a different one for the benchmarks
_KEY_PACKAGES = ("numba", "llvmlite", "numpy", "scipy", "numba-cuda", "cupy")


def _key_versions(record: Optional[Dict[str, Any]]) -> Dict[str, Optional[str]]:
    packages = (record or {}).get("packages") or {}
    return {k: packages.get(k) for k in _KEY_PACKAGES}


# ---------------------------------------------------------------------------------------------- site

def build_site(config_path: str, html_dir: str) -> int:
    """``kbench.site.build(html_dir)`` when that module exists, else plain ``asv publish``."""
    root = os.path.dirname(config_path)
    try:
        site = importlib.import_module("kbench.site")
    except ModuleNotFoundError as exc:
        if exc.name != "kbench.site":
            raise
        site = None
    if site is not None and hasattr(site, "build"):
        print(f"Building the site with kbench.site into {html_dir}", flush=True)
        previous = os.getcwd()
        os.chdir(root)
        try:
            rc = site.build(html_dir)
        except Exception as exc:
            print(f"kbench run: the site builder failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            os.chdir(previous)
        return rc if isinstance(rc, int) else 0
    print("kbench.site is not available; publishing the plain asv site", flush=True)
    return asvenv.call(asvenv.asv_command("publish", "--config", config_path, "--html-dir", html_dir), cwd=root)


# ---------------------------------------------------------------------------------------------- command

def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--machine", metavar="NAME", default=None,
                        help="results are filed under this machine name (default: $KBENCH_MACHINE, else a name "
                             "derived from the host kind, e.g. cpu-16core-amd-epyc-9454-gpu-nvidia-h200)")
    parser.add_argument("--bench", "-b", metavar="REGEX", action="append", default=[],
                        help="run only benchmarks matching this regular expression (repeatable; passed to asv -b)")
    parser.add_argument("--quick", action="store_true",
                        help="run every benchmark once, no warm-up: a smoke test. Recorded under <machine>-quick, "
                             "never with real measurements")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--existing", dest="mode", action="store_const", const="existing",
                      help="(default) benchmark this interpreter and the Numba installed in it, recording the "
                           "results against HEAD; installs and downloads nothing")
    mode.add_argument("--matrix", dest="mode", action="store_const", const="matrix",
                      help="benchmark HEAD in every environment of asv.conf.json's matrix (one per Numba release); "
                           "builds the environments under .asv/env (needs PyPI the first time)")
    parser.set_defaults(mode="existing")
    parser.add_argument("--no-site", action="store_true", help="do not build the html site afterwards")
    parser.add_argument("--show-stderr", "-e", action="store_true", help="show the benchmarks' stderr (asv -e)")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help=f"the asv configuration (default: the nearest {CONFIG_NAME} at or above the current "
                             "directory)")


class RunError(Exception):
    """The run cannot go on; each argument is one line of the reason (printed as ``kbench run: LINE``)."""


@dataclasses.dataclass
class Run:
    """What one ``kbench run`` works on, filled in step by step by :func:`main`."""

    args: argparse.Namespace
    config_path: str
    root: str
    conf: Dict[str, Any]
    name: str = ""  # the machine name results are filed under
    commit: str = ""
    local_record: Optional[Dict[str, Any]] = None  # the record of this interpreter (--existing only)
    env_names: List[Tuple[str, str]] = dataclasses.field(default_factory=list)  # (asv env name, its python)
    existing: List[str] = dataclasses.field(default_factory=list)  # envs with results at this commit already
    asv_existing_name: str = ""  # --existing: asv's path-derived name, and the name kbench files it under
    canonical: str = ""
    canonical_reqs: Dict[str, str] = dataclasses.field(default_factory=dict)
    python_version: str = ""

    @property
    def mode(self) -> str:
        return self.args.mode

    @property
    def results_dir(self) -> str:
        return os.path.join(self.root, self.conf.get("results_dir", "results"))

    @property
    def html_dir(self) -> str:
        return os.path.join(self.root, self.conf.get("html_dir", "html"))

    def has_results(self, env_name: str) -> bool:
        return _result_exists(self.results_dir, self.name, self.commit, env_name)


def open_run(args: argparse.Namespace) -> Run:
    """Step 1: the config, asv, the machine name and the commit (with notes about a dirty tree and branches)."""
    config_path = os.path.abspath(args.config) if args.config else repo.find_config()
    if not config_path or not os.path.isfile(config_path):
        raise RunError(f"no {CONFIG_NAME} found (run from the repository, or pass --config)")
    try:
        import asv  # noqa: F401
    except ImportError:
        raise RunError("asv is not installed here; install the bench extra (pip install -e '.[bench]')") from None
    root = os.path.dirname(config_path)
    try:
        conf = repo.load_config(config_path)
    except repo.RepoError as exc:
        raise RunError(str(exc)) from None
    run = Run(args=args, config_path=config_path, root=root, conf=conf)

    from . import machine as machine_mod

    # the record of this interpreter doubles as the source of the default machine name
    run.local_record = machine_mod.collect() if args.mode == "existing" else None
    name = asvenv.machine_name(args.machine, run.local_record)
    if args.quick and not name.endswith(QUICK_SUFFIX):
        name += QUICK_SUFFIX
    try:
        run.name = check_machine_name(name)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    run.commit = repo.head_commit(root) or ""
    if not run.commit:
        raise RunError(f"{root} is not a git checkout with a commit; asv records results per commit")
    print(f"kbench run: machine {run.name}, commit {run.commit[:8]}, mode {args.mode}"
          + (" (quick)" if args.quick else ""))
    _note_checkout(run)
    return run


def _note_checkout(run: Run) -> None:
    """Notes (never refusals) about uncommitted changes and branches asv will not find."""
    dirty = repo.dirty_paths(run.root, ("src", run.conf.get("benchmark_dir", "benchmarks")))
    if dirty:
        where = "installed from the HEAD commit" if run.mode == "matrix" else "the working tree"
        print(f"kbench run: note: uncommitted changes ({', '.join(dirty[:5])}{' ...' if len(dirty) > 5 else ''}); "
              f"results are filed under {run.commit[:8]} but the kernels are {where} and the benchmarks the "
              "working tree's", file=sys.stderr)
    branches = run.conf.get("branches") or []
    missing = [b for b in branches if not repo.has_branch(run.root, b)]
    if branches and len(missing) == len(branches):
        print(f"kbench run: note: asv looks up the branch(es) {', '.join(missing)} named in {CONFIG_NAME}, even in "
              f"existing-environment mode, and this checkout has none of them locally (a detached CI checkout?); "
              f"create one first, e.g. git branch {missing[0]} HEAD", file=sys.stderr)


def find_environments(run: Run) -> None:
    """Step 2: the machine entry asv needs (asv run copies it to results/<name>/machine.json), the environments
    and which of them already have results at this commit (refusing a damaged result file)."""
    try:
        ensure_asv_machine(run.name)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    if run.mode == "existing":
        try:
            run.asv_existing_name = existing_env_name(sys.executable)
        except Exception as exc:
            raise RunError(f"could not work out asv's name for this interpreter ({exc})") from None
        run.canonical, run.canonical_reqs = canonical_existing_env(run.local_record)
        run.python_version = ".".join(str((run.local_record.get("python") or {}).get("version")
                                          or platform_python()).split(".")[:2])
        run.env_names = [(run.canonical, sys.executable)]
    else:
        run.env_names = matrix_environments(run.config_path)
    run.existing = [env for env, _ in run.env_names if run.has_results(env)]
    damaged = damaged_results(run.results_dir, run.name, run.commit, run.existing)
    if damaged:
        raise RunError(*damaged, "the damaged result file is left as it is; move it away (or restore it from "
                                 "git) and run again")


def asv_run_command(run: Run) -> List[str]:
    """Step 3: the ``asv run`` command line; with results already there, skip what succeeded (never overwrite)
    and refuse to mix timings of other packages into an existing environment's file."""
    args = run.args
    cmd = asvenv.asv_command("run", "--config", run.config_path, "--machine", run.name)
    if run.mode == "existing":
        cmd += ["--environment", f"existing:{sys.executable}", "--set-commit-hash", run.commit]
    else:
        cmd += [f"{run.commit}^!"]
    for regex in args.bench:
        cmd += ["--bench", regex]
    if args.quick:
        cmd.append("--quick")
    if args.show_stderr:
        cmd.append("--show-stderr")
    if run.existing and not args.quick:
        # never overwrite: keep every successful result already recorded for this commit
        cmd.append("--skip-existing-successful")
        print(f"kbench run: results for {run.commit[:8]} already exist in {len(run.existing)} environment(s); "
              "benchmarks with a successful result there are skipped, not re-measured (commit first, or use "
              "another --machine, to measure again)")
        if run.mode == "existing":
            _refuse_other_packages(run)
    return cmd


def _refuse_other_packages(run: Run) -> None:
    """Same interpreter path, same commit, other packages: new timings would land in the same result file as
    the old ones, one environment name for two different environments. Refuse."""
    env_name = run.env_names[0][0]
    old_record_path = os.path.join(run.results_dir, run.name, record_filename(env_name))
    old_versions = None
    if os.path.isfile(old_record_path):
        try:
            old_record = _io.read_json(old_record_path, "environment record")
            if not isinstance(old_record, dict):
                raise ValueError(f"{old_record_path}: not an environment record (a JSON object)")
            old_versions = _key_versions(old_record)
        except ValueError as exc:
            print(f"kbench run: {exc}; the packages of the earlier results cannot be compared (the record is "
                  f"kept in the .history.jsonl file when it is replaced)", file=sys.stderr)
    new_versions = _key_versions(run.local_record)
    if old_versions and old_versions != new_versions:
        changed = ", ".join(f"{k} {old_versions.get(k)} -> {new_versions.get(k)}"
                            for k in sorted(set(old_versions) | set(new_versions))
                            if old_versions.get(k) != new_versions.get(k))
        raise RunError(f"results for {run.commit[:8]} in {env_name} were taken with other packages ({changed}); "
                       "they are kept, and new timings would be mixed into them. Run with another --machine "
                       "name, or commit first.")


def run_benchmarks(run: Run, cmd: List[str]) -> int:
    """Step 4: asv itself. In --existing mode the results filed under the canonical name are staged for asv
    first and adopted back afterwards, also after a failed or interrupted run (what asv saved is kept)."""
    if run.mode == "existing":  # after every refusal above, so that nothing staged is left behind
        try:
            stage_existing_results(run.results_dir, run.name, run.commit, run.canonical, run.asv_existing_name,
                                   os.path.abspath(sys.executable))
        except (OSError, ValueError) as exc:
            raise RunError(str(exc)) from None
    try:
        run_rc = asvenv.call(cmd, cwd=run.root)
    finally:
        if run.mode == "existing":
            adopt_existing_results(run.results_dir, run.name, run.commit, run.asv_existing_name, run.canonical,
                                   run.canonical_reqs, run.python_version)
    if run_rc < 0:  # killed by a signal: report it the way a shell would
        run_rc = 128 - run_rc
    if run_rc == INTERRUPTED:
        print("kbench run: interrupted; recording the environments of the results asv saved, no site",
              file=sys.stderr)
    elif run_rc != 0:
        print(f"kbench run: asv run exited with {run_rc}", file=sys.stderr)
    return run_rc


def record_environments(run: Run) -> None:
    """Step 5: one environment record per environment that has results at this commit."""
    for env_name, python in run.env_names:
        if not run.has_results(env_name):
            continue
        try:
            record = dict(run.local_record) if run.mode == "existing" else record_in_env(python)
        except Exception as exc:
            print(f"kbench run: could not record environment {env_name}: {exc}", file=sys.stderr)
            continue
        record["harness"] = harness_versions(record)
        record.update({"asv_env_name": env_name, "machine": run.name, "mode": run.mode,
                       "quick": bool(run.args.quick),
                       "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
        print("kbench run: environment record " + write_record(run.results_dir, run.name, env_name, record))


def publish(run: Run) -> int:
    """Step 6: the site, and how to look at it."""
    site_rc = build_site(run.config_path, run.html_dir)
    if site_rc == 0:
        rel = os.path.relpath(run.html_dir, os.getcwd())
        print(f"\nThe site is in {run.html_dir}. To view it:\n"
              f"    python -m http.server -d {rel}     (then open http://localhost:8000)\n"
              f"    or: asv preview --config {os.path.relpath(run.config_path, os.getcwd())}")
    else:
        print(f"kbench run: building the site failed ({site_rc})", file=sys.stderr)
    return site_rc


def main(args: argparse.Namespace) -> int:
    try:
        run = open_run(args)
        find_environments(run)
        run_rc = run_benchmarks(run, asv_run_command(run))
    except RunError as exc:
        for line in exc.args:
            print(f"kbench run: {line}", file=sys.stderr)
        return 2
    record_environments(run)
    site_rc = publish(run) if not args.no_site and run_rc != INTERRUPTED else 0
    return 2 if (run_rc or site_rc) else 0  # a broken run exits 2, never 1 (whatever asv's status was)
