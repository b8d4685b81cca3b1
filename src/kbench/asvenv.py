"""asv's environments and asv itself, as the commands drive them.

* derived configs: :func:`derive_config` (exactly the given environments, for release-check and bisect) and
  :func:`scratch_config` (everything under a temporary folder, for selfcheck), written by :func:`write_config`;
* asv's own names and folders for a config's environments: :func:`environments`;
* running asv: :func:`run_asv` (output read and echoed, the last lines kept) and :func:`call` (output left on
  the terminal), both letting asv stop on its own at Ctrl-C and then returning :data:`INTERRUPTED`;
* the one environment probe: :func:`probe` runs a piece of Python in an environment's interpreter, away from
  our ``PYTHONPATH``, and returns the JSON it prints; :func:`probe_environment` asks it what really imports;
* the machine results are filed under: :func:`machine_name` and :func:`ensure_machine`.

Every asv subprocess gets :func:`kbench.harness.asv_subprocess_env`.
"""
from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .harness import asv_subprocess_env, ensure_asv_machine

INTERRUPTED = 130  # the status of an asv run stopped by Ctrl-C, as a shell reports it
MACHINE_ENV_VAR = "KBENCH_MACHINE"


# ---------------------------------------------------------------------------------------------------------------
# derived configs
# ---------------------------------------------------------------------------------------------------------------
def _absolute(conf: Dict[str, Any], base_dir: Path) -> Dict[str, Any]:
    """A copy of ``conf`` whose repo, benchmark, environment and html folders are absolute (a derived config
    lives in a temporary folder); a repo given as a URL stays as it is."""
    conf = json.loads(json.dumps(conf))
    for key, default in (("repo", "."), ("benchmark_dir", "benchmarks"), ("env_dir", "env"),
                         ("html_dir", "html")):
        value = conf.get(key, default)
        if key == "repo" and re.match(r"^[a-z+]+://", str(value)):
            continue
        conf[key] = str((Path(base_dir) / value).resolve())
    return conf


def derive_config(base: Dict[str, Any], base_dir: Path, include: Sequence[Mapping[str, Any]], python: str,
                  results_dir: Path, env_dir: Optional[Path] = None) -> Dict[str, Any]:
    """The repository's config with its matrix replaced by exactly the ``include`` environments (asv include
    entries: python, req, env, env_nobuild), as virtualenvs of ``python``. Paths become absolute; an
    ``exclude`` rule that matches every Python switches the regular matrix off."""
    conf = _absolute(base, base_dir)
    conf["results_dir"] = str(Path(results_dir).resolve())
    if env_dir is not None:
        conf["env_dir"] = str(Path(env_dir).resolve())
    conf["environment_type"] = "virtualenv"
    conf["pythons"] = [python]
    conf["matrix"] = {}
    conf["exclude"] = [{"python": ".*"}]
    conf["include"] = [dict(entry) for entry in include]
    conf.pop("conda_channels", None)
    conf.pop("conda_environment_file", None)
    return conf


def scratch_config(base: Dict[str, Any], root: str, tmp: str) -> Dict[str, Any]:
    """The repository's config with results, html and environments under ``tmp`` and HEAD as the branch, so a
    run leaves nothing in the repository."""
    conf = _absolute(base, Path(root))
    conf.update(repo=root, results_dir=os.path.join(tmp, "results"), html_dir=os.path.join(tmp, "html"),
                env_dir=os.path.join(tmp, "env"), branches=["HEAD"])
    return conf


def write_config(conf: Dict[str, Any], path: "str | os.PathLike[str]") -> Path:
    path = Path(path)
    path.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return path


def environments(config_file: "str | os.PathLike[str]") -> List[Tuple[str, Path]]:
    """(asv's name, folder) of every environment of a config, in asv's order. asv resolves env_dir and reads
    pyproject.toml relative to the config's folder, so it is asked from there."""
    from asv import config as asv_config
    from asv import environment as asv_environment

    config_file = os.path.abspath(config_file)
    previous = os.getcwd()
    os.chdir(os.path.dirname(config_file))
    try:
        conf = asv_config.Config.load(config_file)
        envs = list(asv_environment.get_environments(conf, None, verbose=False))
        return [(env.name, Path(os.path.abspath(conf.env_dir)) / env.dir_name) for env in envs]
    finally:
        os.chdir(previous)


def env_python(env_dir: "str | os.PathLike[str]") -> Path:
    """The interpreter of an environment asv built."""
    return Path(env_dir) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


# ---------------------------------------------------------------------------------------------------------------
# running asv
# ---------------------------------------------------------------------------------------------------------------
def asv_entry(argv: Optional[Sequence[str]] = None) -> int:
    """asv's command line, except that the working directory stays where it is.

    ``asv --config PATH`` changes into the config's folder; a derived config lives in a temporary folder, but
    asv must run from the repository root (it reads pyproject.toml from there and tells the benchmarks so in
    ASV_CONF_DIR). Every path in a derived config is absolute, so nothing else depends on the folder.
    """
    from asv import commands, util
    from asv.console import log

    parser, _ = commands.make_argparser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 1
    log.enable(args.verbose)
    if getattr(args, "config", None):
        args.config = os.path.abspath(args.config)
    try:
        result = args.func(args)
    except util.UserError as exc:
        log.error(str(exc))
        return 1
    finally:
        log.flush()
    return int(result or 0)


def run_asv(asv_args: Sequence[str], cwd: Path, log_tail: int = 80) -> "tuple[int, List[str]]":
    """Run asv (through :func:`asv_entry`) in ``cwd``; its output goes to our stderr as it comes. Returns the
    exit status and the last lines of output.

    On Ctrl-C, asv (which got the same SIGINT) is left to stop on its own while its output is still read, so
    it is neither killed nor cut off by a closed pipe halfway through saving a result file; a second Ctrl-C
    kills it. The status is then :data:`INTERRUPTED`."""
    cmd = [sys.executable, "-c", "import sys; from kbench.asvenv import asv_entry; sys.exit(asv_entry())",
           *asv_args]
    env = asv_subprocess_env(str(cwd), dict(os.environ, PYTHONUNBUFFERED="1"))
    tail: "collections.deque[str]" = collections.deque(maxlen=log_tail)
    print("kbench: asv " + " ".join(asv_args), file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            bufsize=1)
    assert proc.stdout is not None

    def drain() -> None:
        for line in proc.stdout:
            sys.stderr.write(line)
            tail.append(line.rstrip("\n"))

    try:
        drain()
        return proc.wait(), list(tail)
    except KeyboardInterrupt:
        print("kbench: interrupted; letting asv stop and keep what it saved (Ctrl-C again to kill it)",
              file=sys.stderr, flush=True)
        try:
            drain()
            proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
        tail.append("interrupted (Ctrl-C)")
        return INTERRUPTED, list(tail)


def asv_command(*args: str) -> List[str]:
    """``python -m asv ARGS`` with this interpreter."""
    return [sys.executable, "-m", "asv", *args]


def call(cmd: List[str], cwd: str, who: str = "kbench run") -> int:
    """Run ``cmd`` with its output on our terminal and return its exit status (127: it could not start).

    On Ctrl-C the child, which got the same SIGINT, is left to finish on its own (asv then stops after saving
    the results it has), rather than being killed halfway through writing a result file; a second Ctrl-C
    kills it. Returns :data:`INTERRUPTED` then.
    """
    print("$ " + " ".join(cmd), flush=True)
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=asv_subprocess_env(cwd))
    except OSError as exc:
        print(f"{who}: could not start {cmd[0]}: {exc}", file=sys.stderr)
        return 127
    try:
        return proc.wait()
    except KeyboardInterrupt:
        print(f"{who}: interrupted; waiting for asv to stop (Ctrl-C again to kill it)", file=sys.stderr,
              flush=True)
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
        return INTERRUPTED


# ---------------------------------------------------------------------------------------------------------------
# the environment probe
# ---------------------------------------------------------------------------------------------------------------
def probe(python: "str | os.PathLike[str]", code: str, *args: str, timeout: float = 300.0,
          cwd: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Run ``code`` (which prints one JSON object, possibly after other output) with the interpreter
    ``python`` and return that object. The environment's own packages are what it sees: our PYTHONPATH is
    dropped (unless ``env`` is given, which is then used as it is) and it runs in a folder with nothing to
    shadow them. A failure is a RuntimeError."""
    if env is None:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(env), cwd=cwd or tempfile.gettempdir(), check=False)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr or proc.stdout).strip()[-500:])
    start = proc.stdout.find("{")  # tolerate anything a library printed before the JSON
    try:
        return json.loads(proc.stdout[start:]) if start >= 0 else json.loads(proc.stdout)
    except ValueError:
        raise RuntimeError(f"unexpected probe output: {proc.stdout[-300:]!r}") from None


IMPORTS_PROBE = r"""
import json, sys
out = {"python": sys.version.split()[0]}
for mod in ("numba", "llvmlite", "numpy", "scipy", "kernels"):
    try:
        m = __import__(mod)
        out[mod] = getattr(m, "__version__", "?")
        out[mod + "_path"] = getattr(m, "__file__", None)
    except Exception as exc:
        out[mod] = None
        out[mod + "_error"] = repr(exc)
print(json.dumps(out))
"""


def probe_environment(env_dir: Path) -> Dict[str, Any]:
    """What really imports in an environment asv built: the versions (and files) of Python, Numba, llvmlite,
    NumPy, SciPy and the kernels; ``{"error": ...}`` when its interpreter is missing or the probe fails."""
    python = env_python(env_dir)
    if not python.exists():
        return {"error": f"no Python at {python}"}
    try:
        return probe(python, IMPORTS_PROBE)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc)}


# ---------------------------------------------------------------------------------------------------------------
# the machine
# ---------------------------------------------------------------------------------------------------------------
def machine_name(name: Optional[str] = None, record: Optional[Dict[str, Any]] = None) -> str:
    """The machine name results are filed under: ``name``, else ``$KBENCH_MACHINE``, else the name derived
    from the host kind (:func:`kbench.machine.default_machine_name`, from ``record`` when given), never asv's
    hostname default."""
    if name:
        return name
    if os.environ.get(MACHINE_ENV_VAR):
        return os.environ[MACHINE_ENV_VAR]
    from .machine import default_machine_name

    if record is not None:
        return default_machine_name(record.get("cpu") or {}, record.get("gpus") or [],
                                    bool((record.get("cuda") or {}).get("simulator")),
                                    (record.get("numba") or {}).get("host_cpu_name"))
    return default_machine_name()


def ensure_machine(name: Optional[str] = None, record: Optional[Dict[str, Any]] = None) -> str:
    """:func:`machine_name`, with a complete asv machine entry for it (asv run would otherwise ask questions
    on the terminal)."""
    return ensure_asv_machine(machine_name(name, record))
