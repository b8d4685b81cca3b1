"""``kbench site``: build the results site into the html folder.

1. ``asv publish`` writes asv's own pages (history graphs per benchmark and parameter across commits and
   environments, the regressions list and its Atom feed) into ``<html>/``; their scripts are then pointed at
   local copies when those are at hand (``_publish.vendor_dir``; nothing is downloaded) so they work offline,
   and their navigation bar gets a link to the kernel views.
2. The kernel views go to ``<html>/kbench/``, built from the results JSON with inline SVG charts:
   ``index.html`` (overview), ``scaling.html`` and ``scaling-<family>.html``, ``layout.html``,
   ``releases.html`` (plus ``release-checks/`` with the release-check reports), ``roofline.html`` and
   ``environment.html``. Every link is relative, so the folder works from anywhere, served or copied.

The results folder is only read, once, into :mod:`.model` (asv's files through :mod:`._asv` alone); each
page is a module of :mod:`.pages` and its prose a template in ``templates/``. See docs/site.md for what each
view shows and where each thing lives.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Optional, Union

from . import _asv, _prose, _publish, model, pages
from .pages import report

KBENCH_SUBDIR = "kbench"
CONFIG_NAME = "asv.conf.json"

PathLike = Union[str, Path]


class SiteError(RuntimeError):
    """The kernel views were written, but asv's part of the site could not be built."""


class OutputFolderError(ValueError):
    """The html folder would put the results or the repository at risk: asv publish empties its output folder
    first, and the kernel views replace ``<html>/kbench``."""


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_output_folder(html_dir: PathLike, results_dir: PathLike, repo_dir: Optional[PathLike] = None) -> Path:
    """Refuse an html folder that would be emptied over something it must not touch; returns it resolved.

    Refused: the results folder itself, a folder inside it or one that holds it (asv publish clears its
    output folder, so ``--html-dir results`` would delete every result), and the repository root or a folder
    that holds it. A folder inside the repository, such as the default ``html/``, is fine. Raises
    :class:`OutputFolderError` saying which.
    """
    html, results = Path(html_dir).resolve(), Path(results_dir).resolve()
    why = None
    if html == results:
        why = "is the results folder"
    elif _within(html, results):
        why = f"is inside the results folder {results}"
    elif _within(results, html):
        why = f"holds the results folder {results}"
    elif repo_dir is not None:
        repo = Path(repo_dir).resolve()
        if html == repo:
            why = "is the repository"
        elif _within(repo, html):
            why = f"holds the repository {repo}"
    if why:
        raise OutputFolderError(f"the html folder {html} {why}; building the site empties it first, so choose "
                                f"another --html-dir")
    return html


def _copy_reports(m: model.Model, out_dir: Path) -> None:
    """Copy the release-check reports into ``<kbench>/release-checks/`` and write an html page for each."""
    for rep in m.reports:
        links = m.report_links(rep)
        folder = (out_dir / links["html"]).parent
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(rep["_path"], out_dir / links["json"])
        if "md" in links:
            shutil.copy2(rep["_markdown"], out_dir / links["md"])
        clean = {k: v for k, v in rep.items() if not k.startswith("_")}
        text = report.build_report(clean, rep["_path"].stem, {k: Path(v).name for k, v in links.items()})
        (out_dir / links["html"]).write_text(text, encoding="utf-8")


def build_views(html_dir: PathLike, results_dir: PathLike, asv_status: str = "", vendor_status: str = "") -> Path:
    """Write the kernel views into ``<html_dir>/kbench`` from ``results_dir``; returns the landing page.
    Raises :class:`OutputFolderError` when ``<html_dir>/kbench`` is, holds or lies inside ``results_dir``."""
    html_dir, results_dir = Path(html_dir), Path(results_dir)
    check_output_folder(html_dir / KBENCH_SUBDIR, results_dir)
    out = html_dir / KBENCH_SUBDIR
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    m = model.load(results_dir, asv_status=asv_status, vendor_status=vendor_status)
    for problem in m.problems:
        print(f"kbench site: {problem}", file=sys.stderr)
    _copy_reports(m, out)
    (out / "kbench.css").write_text(_prose.asset("kbench.css"), encoding="utf-8")
    for module in pages.PAGES:
        for name, text in module.build(m).items():
            (out / name).write_text(text, encoding="utf-8")
    return out / "index.html"


def build(html_dir: Optional[PathLike] = None, results_dir: PathLike = "results",
          config: PathLike = CONFIG_NAME) -> Path:
    """Build the whole site: ``asv publish`` into ``html_dir``, then the kernel views into ``html_dir/kbench``.

    ``html_dir`` defaults to the config's ``html_dir``; relative paths are taken from the current directory.
    Returns the path of the kernel views' landing page. Raises :class:`SiteError` (after writing the kernel
    views) when asv publish fails, FileNotFoundError when the config is missing, and
    :class:`OutputFolderError` (before anything is written) for an html folder that is, holds or lies inside
    the results folder, or is or holds the folder of the config (the repository); ``_asv.AsvUnusable`` when
    the installed asv cannot read result files.
    """
    config_path = Path(config).resolve()
    if not config_path.is_file():
        raise FileNotFoundError(f"no asv configuration at {config_path}")
    conf = _publish.load_config(config_path)
    html = Path(html_dir).resolve() if html_dir is not None else _publish.resolve(config_path, conf, "html_dir", "html")
    results = Path(results_dir).resolve()
    if not results.is_dir():
        raise FileNotFoundError(f"no results folder at {results}")
    check_output_folder(html, results, config_path.parent)
    ok, log = _publish.publish(config_path, results, html)
    asv_status = ""
    vendor_status = ""
    if ok:
        rewritten, missing = _publish.localise(html)
        if missing:
            vendor_status = ("Some of asv's scripts still load from the internet, so its graphs need a network: "
                             + ", ".join(missing))
            print(f"kbench site: {vendor_status}", file=sys.stderr)
    else:
        tail = [line for line in log.splitlines() if line.strip()][-6:]
        asv_status = "asv publish failed: " + " / ".join(tail) if tail else "asv publish failed"
        html.mkdir(parents=True, exist_ok=True)
    landing = build_views(html, results, asv_status=asv_status, vendor_status=vendor_status)
    if not ok:
        raise SiteError(f"{asv_status} (the kernel views were written to {landing.parent})")
    return landing


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html-dir", metavar="DIR", default=None,
                        help="where the site goes (default: html_dir of the asv config, i.e. html/)")
    parser.add_argument("--results-dir", metavar="DIR", default=None,
                        help="the asv results to read (default: results_dir of the asv config, i.e. results/)")
    parser.add_argument("--config", metavar="PATH", default=CONFIG_NAME,
                        help="the asv configuration (default: %(default)s in the current directory)")


def _find_config(start: Path) -> Optional[Path]:
    for folder in [start, *start.parents]:
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def main(args: argparse.Namespace) -> int:
    config = Path(args.config)
    if not config.is_file() and args.config == CONFIG_NAME:
        config = _find_config(Path.cwd()) or config  # from a subfolder of the repository too
    if not config.is_file():
        print(f"kbench site: no asv configuration at {config} (run from the repository root, or pass --config)",
              file=sys.stderr)
        return 2
    results_dir = args.results_dir
    if results_dir is None:
        results_dir = _publish.resolve(config.resolve(), _publish.load_config(config), "results_dir", "results")
    try:
        landing = build(args.html_dir, results_dir, config)
    except (FileNotFoundError, OutputFolderError, SiteError, _asv.AsvUnusable) as exc:
        print(f"kbench site: {exc}", file=sys.stderr)
        return 2
    root = landing.parent.parent
    print(f"kbench site: asv's pages in {root}, the kernel views in {landing.parent}")
    print(f"    open {root / 'index.html'} through a web server, e.g. python -m http.server -d {root}")
    return 0
