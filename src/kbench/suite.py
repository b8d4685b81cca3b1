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
import datetime
import importlib
import json
import os
import re
import subprocess
import sys
from typing import Any, Dict, List, Optional, Tuple

from . import _io, results

CONFIG_NAME = "asv.conf.json"
QUICK_SUFFIX = "-quick"
# keys of an environment record that change on every run without the environment changing
_VOLATILE_KEYS = ("collected_at", "recorded_at", "commit", "errors")


# ---------------------------------------------------------------------------------------------- naming

def default_machine_name(cpu: Optional[Dict[str, Any]] = None, gpus: Optional[List[Dict[str, Any]]] = None,
                         simulator: Optional[bool] = None) -> str:
    """A stable name for the *kind* of host: ``cpu-<N>core-<cpu model>``, plus ``-gpu-<model>`` (with a
    count when there are several) on a GPU host, or ``-cudasim`` under the CUDA simulator.

    The name, not the hostname, identifies results, so two identical cloud instances share a history.
    """
    from . import machine

    if cpu is None:
        cpu = machine.cpu_info()
    if gpus is None or simulator is None:
        g = machine.gpu_info()
        gpus = g["gpus"] if gpus is None else gpus
        simulator = bool((g.get("cuda") or {}).get("simulator")) if simulator is None else simulator
    cores = cpu.get("usable_cores") or cpu.get("logical_cores") or 0
    name = f"cpu-{cores}core-{machine._slug(cpu.get('model') or 'unknown')}"
    if gpus:
        count = f"{len(gpus)}x-" if len(gpus) > 1 else ""
        name += f"-gpu-{count}{machine._slug(gpus[0].get('name') or 'unknown', limit=30)}"
    elif simulator:
        name += "-cudasim"
    return name


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


# ---------------------------------------------------------------------------------------------- config

def find_config(start: Optional[str] = None) -> Optional[str]:
    """The nearest asv.conf.json at or above ``start`` (default: the current directory)."""
    path = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(path, CONFIG_NAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def load_config(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _git(root: str, *args: str) -> Optional[str]:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def head_commit(root: str) -> Optional[str]:
    return _git(root, "rev-parse", "HEAD")


def _dirty_paths(root: str, paths: Tuple[str, ...]) -> List[str]:
    out = _git(root, "status", "--porcelain", "--", *paths)
    return [line[3:] for line in out.splitlines()] if out else []


# ---------------------------------------------------------------------------------------------- asv

def _asv(*args: str) -> List[str]:
    return [sys.executable, "-m", "asv", *args]


def platform_python() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl-C


def _call(cmd: List[str], cwd: str) -> int:
    """Run ``cmd`` and return its exit status (127: it could not start).

    On Ctrl-C the child, which got the same SIGINT, is left to finish on its own (asv then stops after saving
    the results it has), rather than being killed halfway through writing a result file; a second Ctrl-C
    kills it. Returns :data:`INTERRUPTED` then.
    """
    print("$ " + " ".join(cmd), flush=True)
    try:
        from .harness import asv_subprocess_env

        proc = subprocess.Popen(cmd, cwd=cwd, env=asv_subprocess_env(cwd))
    except OSError as exc:
        print(f"kbench run: could not start {cmd[0]}: {exc}", file=sys.stderr)
        return 127
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print("kbench run: interrupted; waiting for asv to stop (Ctrl-C again to kill it)", file=sys.stderr,
              flush=True)
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
        return INTERRUPTED


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
    from asv import config as asv_config
    from asv import environment

    root = os.path.dirname(config_path)
    previous = os.getcwd()
    os.chdir(root)  # asv resolves env_dir and reads pyproject.toml relative to the config's folder
    try:
        conf = asv_config.Config.load(config_path)
        envs = []
        for env in environment.get_environments(conf, None, verbose=False):
            python = os.path.join(os.path.abspath(conf.env_dir), env.dir_name, "bin", "python")
            if os.name == "nt":
                python = os.path.join(os.path.abspath(conf.env_dir), env.dir_name, "Scripts", "python.exe")
            envs.append((env.name, python))
        return envs
    finally:
        os.chdir(previous)


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
    """The :func:`kbench.machine.collect` record of another interpreter (an asv environment's python)."""
    from . import machine

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the environment's own packages, not ours
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(python)))  # its own folder: nothing to shadow
    out = subprocess.run([python, "-c", _PROBE, os.path.abspath(machine.__file__)], capture_output=True,
                         text=True, timeout=timeout, env=env, cwd=cwd, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{python}: the machine probe failed ({out.returncode}): {out.stderr.strip()[-500:]}")
    text = out.stdout
    start = text.find("{")  # tolerate anything a library printed before the JSON
    return json.loads(text[start:])


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
    return _call(_asv("publish", "--config", config_path, "--html-dir", html_dir), cwd=root)


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


def main(args: argparse.Namespace) -> int:
    config_path = os.path.abspath(args.config) if args.config else find_config()
    if not config_path or not os.path.isfile(config_path):
        print(f"kbench run: no {CONFIG_NAME} found (run from the repository, or pass --config)", file=sys.stderr)
        return 2
    try:
        import asv  # noqa: F401
    except ImportError:
        print("kbench run: asv is not installed here; install the bench extra (pip install -e '.[bench]')",
              file=sys.stderr)
        return 2
    root = os.path.dirname(config_path)
    conf = load_config(config_path)
    results_dir = os.path.join(root, conf.get("results_dir", "results"))
    html_dir = os.path.join(root, conf.get("html_dir", "html"))

    from . import machine as machine_mod

    # the record of this interpreter doubles as the source of the default machine name
    local_record = machine_mod.collect() if args.mode == "existing" else None
    name = args.machine or os.environ.get("KBENCH_MACHINE") or None
    if not name:
        if local_record is not None:
            name = default_machine_name(local_record.get("cpu") or {}, local_record.get("gpus") or [],
                                        bool((local_record.get("cuda") or {}).get("simulator")))
        else:
            name = default_machine_name()
    if args.quick and not name.endswith(QUICK_SUFFIX):
        name += QUICK_SUFFIX
    try:
        check_machine_name(name)
    except ValueError as exc:
        print(f"kbench run: {exc}", file=sys.stderr)
        return 2

    commit = head_commit(root)
    if not commit:
        print(f"kbench run: {root} is not a git checkout with a commit; asv records results per commit",
              file=sys.stderr)
        return 2
    print(f"kbench run: machine {name}, commit {commit[:8]}, mode {args.mode}" + (" (quick)" if args.quick else ""))
    dirty = _dirty_paths(root, ("src", conf.get("benchmark_dir", "benchmarks")))
    if dirty:
        where = "installed from the HEAD commit" if args.mode == "matrix" else "the working tree"
        print(f"kbench run: note: uncommitted changes ({', '.join(dirty[:5])}{' ...' if len(dirty) > 5 else ''}); "
              f"results are filed under {commit[:8]} but the kernels are {where} and the benchmarks the working "
              "tree's", file=sys.stderr)

    branches = conf.get("branches") or []
    missing = [b for b in branches if _git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{b}") is None]
    if branches and len(missing) == len(branches):
        print(f"kbench run: note: asv looks up the branch(es) {', '.join(missing)} named in {CONFIG_NAME}, even in "
              f"existing-environment mode, and this checkout has none of them locally (a detached CI checkout?); "
              f"create one first, e.g. git branch {missing[0]} HEAD", file=sys.stderr)

    # 1. the machine, under a fixed name (asv run copies it to results/<name>/machine.json)
    from .harness import ensure_asv_machine

    try:
        ensure_asv_machine(name)
    except ValueError as exc:
        print(f"kbench run: {exc}", file=sys.stderr)
        return 2

    # 2. the environments and what already exists for them
    if args.mode == "existing":
        try:
            asv_existing_name = existing_env_name(sys.executable)
        except Exception as exc:
            print(f"kbench run: could not work out asv's name for this interpreter ({exc})", file=sys.stderr)
            return 2
        canonical, canonical_reqs = canonical_existing_env(local_record)
        python_version = ".".join(str((local_record.get("python") or {}).get("version")
                                      or platform_python()).split(".")[:2])
        env_names = [(canonical, sys.executable)]
    else:
        env_names = matrix_environments(config_path)
    existing = [env for env, _ in env_names if _result_exists(results_dir, name, commit, env)]
    damaged = damaged_results(results_dir, name, commit, existing)
    if damaged:
        for line in damaged:
            print(f"kbench run: {line}", file=sys.stderr)
        print("kbench run: the damaged result file is left as it is; move it away (or restore it from git) and "
              "run again", file=sys.stderr)
        return 2

    cmd = _asv("run", "--config", config_path, "--machine", name)
    if args.mode == "existing":
        cmd += ["--environment", f"existing:{sys.executable}", "--set-commit-hash", commit]
    else:
        cmd += [f"{commit}^!"]
    for regex in args.bench:
        cmd += ["--bench", regex]
    if args.quick:
        cmd.append("--quick")
    if args.show_stderr:
        cmd.append("--show-stderr")
    if existing and not args.quick:
        # never overwrite: keep every successful result already recorded for this commit
        cmd.append("--skip-existing-successful")
        print(f"kbench run: results for {commit[:8]} already exist in {len(existing)} environment(s); benchmarks "
              "with a successful result there are skipped, not re-measured (commit first, or use another "
              "--machine, to measure again)")
        if args.mode == "existing":
            # same interpreter path, same commit, other packages: new timings would land in the same result
            # file as the old ones, one environment name for two different environments. Refuse.
            old_record_path = os.path.join(results_dir, name, record_filename(env_names[0][0]))
            old_versions = None
            if os.path.isfile(old_record_path):
                try:
                    old_record = _io.read_json(old_record_path, "environment record")
                    if not isinstance(old_record, dict):
                        raise ValueError(f"{old_record_path}: not an environment record (a JSON object)")
                    old_versions = _key_versions(old_record)
                except ValueError as exc:
                    print(f"kbench run: {exc}; the packages of the earlier results cannot be compared (the "
                          f"record is kept in the .history.jsonl file when it is replaced)", file=sys.stderr)
            new_versions = _key_versions(local_record)
            if old_versions and old_versions != new_versions:
                changed = ", ".join(f"{k} {old_versions.get(k)} -> {new_versions.get(k)}"
                                    for k in sorted(set(old_versions) | set(new_versions))
                                    if old_versions.get(k) != new_versions.get(k))
                print(f"kbench run: results for {commit[:8]} in {env_names[0][0]} were taken with other packages "
                      f"({changed}); they are kept, and new timings would be mixed into them. Run with another "
                      "--machine name, or commit first.", file=sys.stderr)
                return 2

    # 3. the benchmarks
    if args.mode == "existing":  # after every refusal above, so that nothing staged is left behind
        try:
            stage_existing_results(results_dir, name, commit, canonical, asv_existing_name,
                                   os.path.abspath(sys.executable))
        except (OSError, ValueError) as exc:
            print(f"kbench run: {exc}", file=sys.stderr)
            return 2
    try:
        run_rc = _call(cmd, cwd=root)
    finally:
        if args.mode == "existing":  # also after a failed or interrupted run: what asv saved is kept
            adopt_existing_results(results_dir, name, commit, asv_existing_name, canonical, canonical_reqs,
                                   python_version)
    if run_rc < 0:  # killed by a signal: report it the way a shell would
        run_rc = 128 - run_rc
    if run_rc == INTERRUPTED:
        print("kbench run: interrupted; recording the environments of the results asv saved, no site",
              file=sys.stderr)
    elif run_rc != 0:
        print(f"kbench run: asv run exited with {run_rc}", file=sys.stderr)

    # 4. one environment record per environment that has results at this commit
    for env_name, python in env_names:
        if not _result_exists(results_dir, name, commit, env_name):
            continue
        try:
            if args.mode == "existing":
                record = dict(local_record)
            else:
                record = record_in_env(python)
        except Exception as exc:
            print(f"kbench run: could not record environment {env_name}: {exc}", file=sys.stderr)
            continue
        record["harness"] = harness_versions(record)
        record.update({"asv_env_name": env_name, "machine": name, "mode": args.mode, "quick": bool(args.quick),
                       "recorded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
        print("kbench run: environment record " + write_record(results_dir, name, env_name, record))

    # 5. the site
    site_rc = 0
    if not args.no_site and run_rc != INTERRUPTED:
        site_rc = build_site(config_path, html_dir)
        if site_rc == 0:
            rel = os.path.relpath(html_dir, os.getcwd())
            print(f"\nThe site is in {html_dir}. To view it:\n"
                  f"    python -m http.server -d {rel}     (then open http://localhost:8000)\n"
                  f"    or: asv preview --config {os.path.relpath(config_path, os.getcwd())}")
        else:
            print(f"kbench run: building the site failed ({site_rc})", file=sys.stderr)
    return 2 if (run_rc or site_rc) else 0  # a broken run exits 2, never 1 (whatever asv's status was)
