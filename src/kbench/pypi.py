"""Which Numba releases exist, and what each one needs, as the package index says.

Everything here goes through pip (``pip index versions`` and ``pip install --dry-run --report``), so the index,
mirrors and certificates configured for pip are the ones used. The listing is cached in memory and on disk for
a short while; tests replace the fetcher with a fake (:class:`ReleaseIndex` takes any ``fetch(package)``).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from .versions import Version, parse, parse_all

CACHE_TTL_S = 3600.0
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kbench"

Fetch = Callable[[str], List[str]]


class PackageIndexError(RuntimeError):
    """The package index could not be asked (no network, no such package, pip failed)."""


def pip_index_versions(package: str, python: str = sys.executable, timeout: float = 120.0) -> List[str]:
    """Every version of ``package`` the index offers (pre-releases included), as pip lists them."""
    cmd = [python, "-m", "pip", "index", "versions", package, "--pre", "--disable-pip-version-check"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageIndexError(f"could not run {' '.join(cmd)}: {exc}") from exc
    versions = parse_pip_index_output(proc.stdout)
    if proc.returncode != 0 or not versions:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise PackageIndexError(f"pip could not list the releases of {package}: {' | '.join(tail) or 'no output'}")
    return versions


def parse_pip_index_output(text: str) -> List[str]:
    """The versions in the ``Available versions: a, b, c`` line of ``pip index versions``."""
    for line in text.splitlines():
        m = re.match(r"\s*Available versions:\s*(.*)$", line)
        if m:
            return [v.strip() for v in m.group(1).split(",") if v.strip()]
    return []


class ReleaseIndex:
    """Releases of one package, sorted, with final/pre-release filtering and a small cache.

    ``fetch(package) -> [version strings]`` does the asking (pip by default); the result is kept in memory and,
    unless ``cache_dir`` is None, in ``<cache_dir>/index-<package>.json`` for ``ttl`` seconds.
    """

    def __init__(self, package: str = "numba", fetch: Optional[Fetch] = None,
                 cache_dir: Optional[Path] = DEFAULT_CACHE_DIR, ttl: float = CACHE_TTL_S,
                 clock: Callable[[], float] = time.time):
        self.package = package
        self._fetch = fetch or pip_index_versions
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._ttl = ttl
        self._clock = clock
        self._memory: Optional[List[Version]] = None
        self.fetches = 0  # how many times the fetcher really ran (for tests and logs)

    # -- the listing ------------------------------------------------------------------------------------------
    def _cache_path(self) -> Optional[Path]:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"index-{re.sub(r'[^A-Za-z0-9_.-]', '_', self.package)}.json"

    def _read_disk(self) -> Optional[List[Version]]:
        path = self._cache_path()
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text())
            if self._clock() - float(data["fetched_at"]) > self._ttl:
                return None
            return parse_all(data["versions"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_disk(self, versions: Sequence[Version]) -> None:
        path = self._cache_path()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump({"package": self.package, "fetched_at": self._clock(),
                           "versions": [str(v) for v in versions]}, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written is only slower

    def all_versions(self, refresh: bool = False) -> List[Version]:
        """Every version (final and pre-release), ascending."""
        if self._memory is not None and not refresh:
            return list(self._memory)
        versions = None if refresh else self._read_disk()
        if versions is None:
            self.fetches += 1
            versions = parse_all(self._fetch(self.package))
            if not versions:
                raise PackageIndexError(f"the package index lists no release of {self.package}")
            self._write_disk(versions)
        self._memory = versions
        return list(versions)

    def releases(self, pre: bool = False) -> List[Version]:
        """Final releases ascending; with ``pre`` also release candidates, betas, alphas (never dev builds)."""
        return [v for v in self.all_versions() if not v.is_devrelease and (pre or not v.is_prerelease)]

    # -- questions asked by release-check and bisect -----------------------------------------------------------
    def newest(self, pre: bool = False) -> Version:
        rel = self.releases(pre=pre)
        if not rel:
            raise PackageIndexError(f"no {'' if pre else 'final '}release of {self.package} on the index")
        return rel[-1]

    def previous(self, version, pre: bool = False) -> Version:
        """The newest release strictly older than ``version`` (final releases only unless ``pre``).

        For a pre-release candidate such as 0.69.0rc1 the answer is the last final release before it (0.68.x),
        never another pre-release of the same version.
        """
        v = parse(version)
        older = [r for r in self.releases(pre=pre) if r < v and r.release < v.release]
        if not older:
            raise PackageIndexError(f"no release of {self.package} older than {v} on the index")
        return older[-1]

    def between(self, good, bad, pre: bool = False) -> List[Version]:
        """Releases from ``good`` to ``bad`` inclusive, ascending; both ends are kept even when they are
        pre-releases, the ones in between follow ``pre``."""
        g, b = parse(good), parse(bad)
        if not g < b:
            raise ValueError(f"the good release ({g}) must be older than the bad one ({b})")
        inner = [r for r in self.releases(pre=pre) if g < r < b]
        return [g] + inner + [b]

    def exists(self, version) -> bool:
        return parse(version) in set(self.all_versions())


# -- what a release needs -------------------------------------------------------------------------------------
def resolve(requirements: Sequence[str], python_version: Optional[str] = None, python: str = sys.executable,
            timeout: float = 300.0) -> Dict[str, str]:
    """Ask pip which versions it would install for ``requirements`` (e.g. ``["numba==0.67.0", "numpy"]``) on
    ``python_version`` ("3.11"), without installing anything. Returns {normalised name: version}.

    Uses ``pip install --dry-run --ignore-installed --report``; binary wheels only, so the answer is what a
    fresh virtualenv would get.
    """
    with tempfile.TemporaryDirectory(prefix="kbench-resolve-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [python, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
               "--disable-pip-version-check", "--only-binary=:all:", "--report", report]
        if python_version:
            # pip only accepts an interpreter version together with --target, even for a dry run
            cmd += ["--python-version", python_version, "--target", os.path.join(tmp, "target")]
        cmd += list(requirements)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PackageIndexError(f"could not run pip to resolve {' '.join(requirements)}: {exc}") from exc
        if proc.returncode != 0 or not os.path.isfile(report):
            lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()
                     and not ln.startswith("WARNING: Location")]
            raise PackageIndexError(f"pip cannot resolve {' '.join(requirements)}"
                                    f"{' for Python ' + python_version if python_version else ''}: "
                                    f"{' | '.join(lines[-4:]) or 'no output'}")
        with open(report) as fh:
            data = json.load(fh)
    out = {}
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        if "name" in meta and "version" in meta:
            out[canonical_name(meta["name"])] = meta["version"]
    return out


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: ``LLVMLite`` and ``llvm_lite`` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()
