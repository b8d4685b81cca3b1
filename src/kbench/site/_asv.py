"""Running ``asv publish`` and making its pages work offline.

asv 0.6 loads jQuery, flot, bootstrap and friends from public CDNs. The same libraries (MIT licensed, the
versions asv used to bundle) are taken from asv 0.5.1's source distribution on the package index (cached after
the first build; see ``vendor_dir``); after publishing they are copied to
``<html>/vendor/`` and asv's script and style tags are pointed at them, so the history graphs draw without a
network. A link to the kernel views is added to asv's navigation bar.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

VENDOR_NOTICE = Path(__file__).resolve().parent.parent / "site_assets" / "VENDOR.md"
# The last asv release that bundled its JavaScript. The files are not kept in this repository: the build takes
# them from that release's source distribution on the package index, once, into a cache folder.
VENDOR_RELEASE = "asv==0.5.1"
VENDOR_MEMBER = "asv-0.5.1/asv/www/vendor/"


def vendor_dir() -> Optional[Path]:
    """A folder holding asv 0.5.1's bundled scripts: ``$KBENCH_ASV_VENDOR``, or a cache filled from the package
    index on first use. None when neither is available (asv's pages then load their scripts from CDNs)."""
    import os
    import subprocess
    import tarfile

    given = os.environ.get("KBENCH_ASV_VENDOR")
    if given:
        return Path(given) if Path(given).is_dir() else None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kbench" / "asv-0.5.1-vendor"
    wanted = {local for _, local in VENDOR_MAP}
    if cache.is_dir() and all((cache / name).is_file() for name in wanted):
        return cache
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
                               ":all:", VENDOR_RELEASE, "-d", tmp], capture_output=True, text=True)
        archives = list(Path(tmp).glob("asv-*.tar.gz"))
        if proc.returncode != 0 or not archives:
            return None
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archives[0]) as tar:
            for member in tar.getmembers():
                name = member.name[len(VENDOR_MEMBER):] if member.name.startswith(VENDOR_MEMBER) else ""
                if name in wanted and member.isfile():
                    (cache / name).write_bytes(tar.extractfile(member).read())
    return cache if all((cache / name).is_file() for name in wanted) else None

# (substring of the CDN address, local file in VENDOR_DIR); the first match wins
VENDOR_MAP: List[Tuple[str, str]] = [
    ("jquery.flot.time", "jquery.flot-0.8.3.time.min.js"),
    ("jquery.flot.selection", "jquery.flot-0.8.3.selection.min.js"),
    ("jquery.flot.categories", "jquery.flot-0.8.3.categories.min.js"),
    ("jquery.flot.orderbars", "jquery.flot.orderBars.js"),
    ("jquery.flot", "jquery.flot-0.8.3.min.js"),
    ("stupidtable", "stupidtable.js"),
    ("md5", "md5.js"),
    ("bootstrap.min.css", "bootstrap-3.1.0.min.css"),
    ("bootstrap", "bootstrap-3.1.0.min.js"),
    ("jquery", "jquery-3.3.1.min.js"),
]

_TAG = re.compile(r"<(script|link)\b[^>]*?\b(src|href)=\"(https?:)?//[^\"]+\"[^>]*>", re.IGNORECASE)
_ATTR_DROP = re.compile(r"\s+(integrity|crossorigin|referrerpolicy)=\"[^\"]*\"", re.IGNORECASE)

KBENCH_NAV = ('<li id="nav-li-kbench"><a href="kbench/index.html" title="scaling, memory order, Numba releases, '
              'roofline, environments">Kernel views</a></li>')


class PublishError(RuntimeError):
    pass


def _git(repo: str, *args: str) -> Optional[str]:
    try:
        out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def load_config(path: Path) -> Dict:
    try:
        from asv import util

        return util.load_json(str(path), js_comments=True)
    except ImportError:  # pragma: no cover - asv is needed for publishing anyway
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)


def resolve(config_path: Path, conf: Dict, key: str, default: str) -> Path:
    """A path of the config, relative to the config's folder as asv reads it."""
    value = conf.get(key, default)
    path = Path(value)
    return path if path.is_absolute() else (config_path.parent / path).resolve()


def derived_config(config_path: Path, conf: Dict, results_dir: Path, html_dir: Path) -> Tuple[Dict, List[str]]:
    """A copy of the config with absolute paths (it is written elsewhere) and the requested folders; branches
    the repository does not have locally are replaced by HEAD so that a detached CI checkout still publishes."""
    notes = []
    new = dict(conf)
    base = config_path.parent
    repo = conf.get("repo", ".")
    if not re.match(r"^[a-z]+://|^git@", str(repo)):
        new["repo"] = str((base / repo).resolve())
    for key, default in (("benchmark_dir", "benchmarks"), ("env_dir", "env")):
        new[key] = str(resolve(config_path, conf, key, default))
    new["results_dir"] = str(results_dir)
    new["html_dir"] = str(html_dir)
    if os.path.isdir(new.get("repo", "")):
        branches = conf.get("branches") or []
        have = [b for b in branches if _git(new["repo"], "rev-parse", "--verify", "--quiet", b) is not None]
        if branches and not have and _git(new["repo"], "rev-parse", "--verify", "--quiet", "HEAD"):
            new["branches"] = ["HEAD"]
            notes.append(f"none of the configured branches ({', '.join(branches)}) exists in this checkout; "
                         "published against HEAD")
    return new, notes


def publish(config_path: Path, results_dir: Path, html_dir: Path) -> Tuple[bool, str]:
    """Run ``asv publish`` into ``html_dir``. Returns (ok, log text)."""
    conf = load_config(config_path)
    derived, notes = derived_config(config_path, conf, results_dir, html_dir)
    with tempfile.TemporaryDirectory(prefix="kbench-site-") as tmp:
        cfg = Path(tmp) / "asv.conf.json"
        cfg.write_text(json.dumps(derived, indent=2), encoding="utf-8")
        cmd = [sys.executable, "-m", "asv", "publish", "--config", str(cfg), "--html-dir", str(html_dir), "--no-pull"]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=str(config_path.parent))
        except OSError as exc:
            return False, f"could not start asv: {exc}"
    text = "\n".join(notes + [out.stdout, out.stderr]).strip()
    ok = out.returncode == 0 and (html_dir / "index.html").is_file()
    return ok, text


def localise(html_dir: Path) -> Tuple[int, List[str]]:
    """Point asv's pages at local copies of their CDN scripts and styles, and add the kernel-views link.

    Returns (number of tags rewritten, addresses that could not be made local)."""
    missing: List[str] = []
    rewritten = 0
    VENDOR_DIR = vendor_dir()
    if VENDOR_DIR is None:
        return 0, [f"asv's scripts could not be fetched ({VENDOR_RELEASE} from the package index); its pages will "
                   "load them from CDNs"]
    target = html_dir / "vendor"
    used = set()

    def swap(match: "re.Match[str]") -> str:
        nonlocal rewritten
        tag = match.group(0)
        url = re.search(r"\b(?:src|href)=\"([^\"]+)\"", tag).group(1)
        low = url.lower()
        if match.group(1).lower() == "link" and "stylesheet" not in tag.lower():
            return tag
        for needle, local in VENDOR_MAP:
            if needle in low and (VENDOR_DIR / local).is_file():
                if local.endswith(".css") != low.endswith(".css"):
                    continue
                used.add(local)
                rewritten += 1
                new = tag.replace(url, f"vendor/{local}")
                return _ATTR_DROP.sub("", new)
        missing.append(url)
        return tag

    for page in sorted(html_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        new = _TAG.sub(swap, text)
        if page.name == "index.html" and "nav-li-kbench" not in new:
            anchor = re.search(r"<li id=\"nav-li-regressions\">.*?</li>", new, flags=re.S)
            if anchor:
                new = new[: anchor.end()] + "\n\t" + KBENCH_NAV + new[anchor.end():]
            else:
                new = new.replace("<body>", '<body><p><a href="kbench/index.html">Kernel views</a></p>', 1)
        if new != text:
            page.write_text(new, encoding="utf-8")
    if used:
        target.mkdir(exist_ok=True)
        for name in used:
            shutil.copy2(VENDOR_DIR / name, target / name)
        if VENDOR_NOTICE.is_file():
            shutil.copy2(VENDOR_NOTICE, target / "README.md")
    return rewritten, missing
