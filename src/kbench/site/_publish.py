"""Running ``asv publish`` and making its pages work offline.

asv 0.6 loads jQuery, flot, bootstrap and friends from public CDNs. When a folder with the same libraries (MIT
licensed, the versions asv used to bundle) is at hand (``$KBENCH_ASV_VENDOR``, or the installed asv's own
``www/vendor``; see ``vendor_dir``), they are copied to ``<html>/vendor/`` after publishing and asv's script and
style tags are pointed at them, so the history graphs draw without a network. Nothing is downloaded. A link to
the kernel views is added to asv's navigation bar.
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
VENDOR_ENV = "KBENCH_ASV_VENDOR"  # a folder holding the files of VENDOR_MAP


def vendor_dir() -> Tuple[Optional[Path], str]:
    """The folder holding the scripts asv's pages load, and "" or why there is none.

    ``$KBENCH_ASV_VENDOR`` when set, else the installed asv's own ``www/vendor`` (asv bundled these files
    before 0.6). Nothing is downloaded: without such a folder the reason names the installed asv, the files
    that are missing and the variable to set, and asv's pages keep loading their scripts from CDNs."""
    wanted = sorted({local for _, local in VENDOR_MAP})
    given = os.environ.get(VENDOR_ENV)
    if given:
        folder, where = Path(given), f"${VENDOR_ENV} ({given})"
    else:
        try:
            import asv
        except ImportError:
            return None, "asv is not installed, so its pages were not built"
        folder = Path(asv.__file__).resolve().parent / "www" / "vendor"
        where = f"the installed asv {getattr(asv, '__version__', '?')} ({folder})"
    missing = [name for name in wanted if not (folder / name).is_file()]
    if not missing:
        return folder, ""
    return None, (f"{where} lacks {', '.join(missing)}; asv's pages load them from CDNs. Set {VENDOR_ENV} to a "
                  "folder holding these files (asv 0.5's asv/www/vendor) to make them work offline")


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
    VENDOR_DIR, why = vendor_dir()
    if VENDOR_DIR is None:
        return 0, [why]
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
