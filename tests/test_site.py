"""``kbench site``: the whole site built from a small synthetic results folder.

The fixture is written with asv's own API (``asv.results.Results``), so the files are real asv results: two
machines (a CPU box and an ``h200`` GPU box), two Numba environments each, two commits of a throw-away git
repository, a ``benchmarks.json``, environment records like ``kbench run`` writes, ``roofline.*`` ceilings on the
GPU machine only, and one release-check report. The real ``asv publish`` runs on it.
"""
from __future__ import annotations

import datetime
import html.parser
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("asv")

from kbench import compare, site  # noqa: E402
from kbench.site import _publish, model, pages  # noqa: E402
from kbench.site.model import layout, releases, roofline  # noqa: E402
from kbench.site.pages import report  # noqa: E402

NAN = float("nan")
ENVS = {
    "0.67.0": "virtualenv-py3.11-llvmlite0.49.0-numba0.67.0-numpy2.4.6-scipy1.17.1",
    "0.68.1": "virtualenv-py3.11-llvmlite0.50.0-numba0.68.1-numpy2.4.6-scipy1.17.1",
}
CPU = "cpu-2core-amd-epyc"
GPU = "h200"
KBENCH_PAGES = ["index.html", "scaling.html", "layout.html", "releases.html", "roofline.html", "environment.html"]
PLOT_PAGES = ["scaling.html", "scaling-matmul.html", "scaling-sumsq.html", "layout.html", "releases.html",
              "roofline.html"]

# the parameterised benchmarks of the fixture: name -> (param_names, params as asv stores them, unit)
BENCHMARKS = {
    "matmul.Matmul.time_kernel": (["size", "target", "dtype"],
                                  [["16", "64", "256", "1024"], ["'numpy'", "'jit_ikj'", "'cuda_tiled'"],
                                   ["'float32'", "'float64'"]], "seconds"),
    "matmul.Matmul.track_gflops": (["size", "target", "dtype"],
                                   [["16", "64", "256", "1024"], ["'numpy'", "'jit_ikj'", "'cuda_tiled'"],
                                    ["'float32'", "'float64'"]], "GFLOP/s"),
    "matmul.MatmulLayout.time_kernel": (["size", "layout", "target"],
                                        [["64", "256"], ["'CC'", "'CF'", "'FC'", "'FF'"],
                                         ["'numpy'", "'jit_ijk'", "'jit_ikj'"]], "seconds"),
    "sumsq.SumSquares.time_kernel": (["size", "layout", "target", "dtype"],
                                     [["1000", "100000", "10000000", "100000000"], ["'contiguous'", "'strided'"],
                                      ["'numpy_sum'", "'jit'", "'cuda'"], ["'float64'"]], "seconds"),
    "sumsq.SumSquares.track_gbps": (["size", "layout", "target", "dtype"],
                                    [["1000", "100000", "10000000", "100000000"], ["'contiguous'", "'strided'"],
                                     ["'numpy_sum'", "'jit'", "'cuda'"], ["'float64'"]], "GB/s"),
    "compile.CompileTime.time_first_call": (["target", "dtype"], [["'sumsq.jit'", "'matmul.jit_ikj'"],
                                                                   ["'float64'"]], "seconds"),
    "roofline.Roofline.track_peak_gflops": (["device", "dtype"], [["'cpu'", "'gpu'"], ["'float64'"]], "GFLOP/s"),
    "roofline.Roofline.track_triad_gbps": (["device"], [["'cpu'", "'gpu'"]], "GB/s"),
}

# Numba 0.68.1 against 0.67.0 at the commit both measured: jit_ikj matmul at 256 is 1.3x slower (a regression),
# the jit sum of squares 0.8x (an improvement); everything else is unchanged.
REGRESSED = ("matmul.Matmul.time_kernel", {"size": 256, "target": "jit_ikj", "dtype": "float64"}, 1.3)
IMPROVED = ("sumsq.SumSquares.time_kernel", {"size": 100000, "layout": "contiguous", "target": "jit",
                                              "dtype": "float64"}, 0.8)


def _git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _rate(target, gpu):
    """(GFLOP/s for matmul, GB/s for vectors) of a fake target."""
    return {"numpy": (40.0, 12.0), "numpy_sum": (40.0, 12.0), "jit_ikj": (3.0, 9.0), "jit_ijk": (1.0, 1.0),
            "jit": (3.0, 10.0), "cuda_tiled": (9000.0, 3000.0), "cuda": (9000.0, 3000.0)}[target]


def _value(name, p, machine, version, commit_index):
    """The fake measurement of one benchmark and parameter set; NaN where the target cannot run."""
    gpu_machine = machine == GPU
    target = p.get("target")
    if target in ("cuda_tiled", "cuda") and not gpu_machine:
        return NAN
    factor = 1.0
    for bench, params, f in (REGRESSED, IMPROVED):
        if name == bench and all(p.get(k) == v for k, v in params.items()) and version == "0.68.1":
            factor = f
    if commit_index == 1:
        factor *= 5.0  # the newest commit, only measured under one Numba on the CPU machine: must not be compared
    if name == "matmul.Matmul.time_kernel":
        n = p["size"]
        return (2e-6 + 2.0 * n ** 3 / (_rate(target, gpu_machine)[0] * 1e9)) * factor
    if name == "matmul.Matmul.track_gflops":
        n = p["size"]
        return 2.0 * n ** 3 / _value("matmul.Matmul.time_kernel", p, machine, version, commit_index) / 1e9
    if name == "matmul.MatmulLayout.time_kernel":
        n = p["size"]
        penalty = {"CC": 1.0, "CF": 1.5, "FC": 4.0, "FF": 2.0}[p["layout"]] if target.startswith("jit") else 1.0
        return 2.0 * n ** 3 / (_rate(target, gpu_machine)[0] * 1e9) * penalty * factor
    if name == "sumsq.SumSquares.time_kernel":
        n = p["size"]
        stride = 2.0 if p["layout"] == "strided" and n >= 10_000_000 else 1.0
        return (1e-6 + 8.0 * n / (_rate(target, gpu_machine)[1] * 1e9)) * stride * factor
    if name == "sumsq.SumSquares.track_gbps":
        return 8.0 * p["size"] / _value("sumsq.SumSquares.time_kernel", p, machine, version, commit_index) / 1e9
    if name == "compile.CompileTime.time_first_call":
        return 0.25 * factor
    if name == "roofline.Roofline.track_peak_gflops":
        return NAN if not gpu_machine else (60000.0 if p["device"] == "gpu" else 2000.0)
    if name == "roofline.Roofline.track_triad_gbps":
        return NAN if not gpu_machine else (4000.0 if p["device"] == "gpu" else 300.0)
    raise AssertionError(name)


def _record(machine, env_name, version):
    gpus = []
    if machine == GPU:
        gpus = [{"index": 0, "name": "NVIDIA H200", "compute_capability": [9, 0], "architecture": "Hopper",
                 "multiprocessor_count": 132, "total_memory_bytes": 150 * 2 ** 30, "clock_rate_khz": 1980000,
                 "fp32_peak_tflops": 66.9, "driver_version": "12.8"}]
    return {
        "schema": 1, "collected_at": "2026-11-21T12:00:00+00:00", "recorded_at": "2026-11-21T12:00:00+00:00",
        "hostname": f"{machine}-host", "os": "Linux 6.1", "memory_bytes": 64 * 2 ** 30,
        "cpu": {"model": "AMD EPYC 9454", "arch": "x86_64", "logical_cores": 2, "usable_cores": 2},
        "python": {"version": "3.11.9", "implementation": "CPython"},
        "packages": {"numba": version, "llvmlite": "0.50.0" if version == "0.68.1" else "0.49.0", "numpy": "2.4.6",
                     "scipy": "1.17.1", "numba-cuda": "0.30.4" if gpus else None, "cupy": None},
        "numba": {"threading_layer": "omp", "num_threads": 2, "NUMBA_NUM_THREADS": 2},
        "blas": {"name": "openblas", "version": "0.3.30", "num_threads": 2, "num_threads_source": "threadpoolctl"},
        "env": {"OMP_NUM_THREADS": "2"}, "gpus": gpus,
        "gpu_reason": None if gpus else "no CUDA GPU found (numba.cuda.is_available() is False)",
        "cuda": {"simulator": False}, "errors": {},
        "asv_env_name": env_name, "machine": machine, "mode": "matrix", "quick": False,
    }


def make_fixture(root: Path, newest_commit_numba: str = "0.68.1") -> dict:
    """Write a git repository, an asv config, results for two machines and a release-check report under
    ``root``. The newest commit is measured on the CPU machine only, under ``newest_commit_numba`` only.
    Returns the paths and the expected release ratios."""
    from asv import results as asv_results
    from asv import runner

    repo = root / "repo"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    commits = []
    for i in range(2):
        (repo / "file.txt").write_text(f"version {i}\n")
        _git(repo, "add", "file.txt")
        _git(repo, "commit", "-q", "-m", f"commit {i}", "--date", f"2026-11-{20 + i}T12:00:00")
        commits.append(_git(repo, "rev-parse", "HEAD"))
    results_dir = root / "results"
    results_dir.mkdir()
    conf = json.loads((Path(__file__).resolve().parent.parent / "asv.conf.json").read_text())
    conf.update({"repo": str(repo), "results_dir": "results", "html_dir": "html", "branches": ["main"],
                 "benchmark_dir": str(root / "benchmarks"), "env_dir": str(root / "env")})
    conf.pop("regressions_first_commits", None)
    config = root / "asv.conf.json"
    config.write_text(json.dumps(conf, indent=2))
    benchmarks = {"version": 2}
    for name, (pnames, params, unit) in BENCHMARKS.items():
        benchmarks[name] = {"name": name, "param_names": pnames, "params": params, "unit": unit,
                            "type": "time" if ".time_" in name else "track", "version": "1" * 64,
                            "code": f"class X:\n    \"\"\"Fixture benchmark {name}.\"\"\"\n"}
    (results_dir / "benchmarks.json").write_text(json.dumps(benchmarks, indent=2))
    for machine in (CPU, GPU):
        folder = results_dir / machine
        folder.mkdir()
        info = {"arch": "x86_64", "cpu": "AMD EPYC 9454", "machine": machine, "num_cpu": "2" if machine == CPU else "16",
                "os": "Linux 6.1", "ram": str(64 * 2 ** 30), "version": 1}
        (folder / "machine.json").write_text(json.dumps(info, indent=4))
        for version, env_name in ENVS.items():
            (folder / f"environment-{env_name}.json").write_text(json.dumps(_record(machine, env_name, version)))
            for ci, commit in enumerate(commits):
                if ci == 1 and (machine == GPU or version != newest_commit_numba):
                    continue  # the newest commit: only the CPU machine under one Numba
                date = int(_git(repo, "log", "-1", "--format=%ct", commit)) * 1000
                req = {"numpy": "2.4.6", "llvmlite": "0.50.0" if version == "0.68.1" else "0.49.0",
                       "numba": version, "scipy": "1.17.1"}
                params = dict(info, python="3.11", **req)
                params.pop("version")
                res = asv_results.Results(params, req, commit, date, "3.11", env_name, {})
                for name, (pnames, bparams, _) in BENCHMARKS.items():
                    values = []
                    for combo in itertools.product(*bparams):
                        p = {k: model.parse_param(v) for k, v in zip(pnames, combo)}
                        values.append(_value(name, p, machine, version, ci))
                    n = len(values)
                    res.add_result({"name": name, "params": bparams, "version": "1" * 64},
                                   runner.BenchmarkResult(result=values, samples=[None] * n, number=[None] * n,
                                                          errcode=0, stderr="", profile=None),
                                   started_at=datetime.datetime(2026, 11, 21, 12, ci, tzinfo=datetime.timezone.utc),
                                   duration=1.0)
                res.save(str(results_dir))
    checks = results_dir / "release-checks"
    checks.mkdir()
    report = {"kind": "kbench-release-check", "format": 1, "created": "2026-11-21T13:00:00+00:00",
              "baseline": {"version": "0.67.0", "env": ENVS["0.67.0"]},
              "candidate": {"version": "0.68.1", "env": ENVS["0.68.1"]}, "commit": commits[0], "machine": CPU,
              "python": "3.11", "settings": {"factor": 1.1, "alpha": 0.002}, "exit_status": 1, "problems": [],
              "summary": {"regression": 1, "unchanged": 1, "compared": 2, "total": 2}, "wall_seconds": 12.0,
              "rows": [{"benchmark": REGRESSED[0], "params": {k: repr(v) for k, v in REGRESSED[1].items()},
                        "type": "time", "unit": "seconds", "status": "regression", "gates": True, "ratio": 1.3,
                        "p_value": 0.0001, "baseline": {"median": 0.001, "n": 10},
                        "candidate": {"median": 0.0013, "n": 10}},
                       {"benchmark": "compile.CompileTime.time_first_call", "params": {}, "type": "time",
                        "unit": "seconds", "status": "unchanged", "gates": False, "ratio": 1.0,
                        "baseline": {"median": 0.25}, "candidate": {"median": 0.25}}]}
    (checks / "release-check-0.67.0-vs-0.68.1.json").write_text(json.dumps(report, indent=2))
    (checks / "release-check-0.67.0-vs-0.68.1.md").write_text("# Release check\n\nOne regression.\n")
    return {"root": root, "config": config, "results": results_dir, "html": root / "html", "commits": commits}


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fake_vendor(folder: Path) -> Path:
    """A folder with a stand-in for each script asv's pages load (the rewriting is tested, not the scripts)."""
    folder.mkdir(parents=True, exist_ok=True)
    for _, name in _publish.VENDOR_MAP:
        (folder / name).write_text(f"/* stand-in for {name} */\n")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    fx = make_fixture(root)
    before = _snapshot(fx["results"])
    saved = os.environ.get(_publish.VENDOR_ENV)
    os.environ[_publish.VENDOR_ENV] = str(fake_vendor(root / "vendor"))
    try:
        landing = site.build(fx["html"], fx["results"], fx["config"])
    finally:
        if saved is None:
            del os.environ[_publish.VENDOR_ENV]
        else:
            os.environ[_publish.VENDOR_ENV] = saved
    fx["landing"] = landing
    fx["before"] = before
    return fx


# --------------------------------------------------------------------------------------------- link checking

class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
        self.ids = set()
        self.duplicate_ids = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            if a["id"] in self.ids:
                self.duplicate_ids.add(a["id"])
            self.ids.add(a["id"])
        for attr in ("href", "src"):
            if a.get(attr) is not None and tag in ("a", "link", "script", "img"):
                self.links.append((tag, a[attr]))


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


# --------------------------------------------------------------------------------------------- tests

def test_every_page_exists(built):
    kb = built["html"] / "kbench"
    assert built["landing"] == kb / "index.html"
    for name in KBENCH_PAGES + ["scaling-matmul.html", "scaling-sumsq.html", "kbench.css"]:
        assert (kb / name).is_file(), name
    # asv's own pages: graphs, the regressions list and feed
    for name in ("index.html", "index.json", "regressions.json", "regressions.xml"):
        assert (built["html"] / name).is_file(), name
    assert list((built["html"] / "graphs").rglob("*.json"))
    assert (kb / "release-checks" / "release-check-0.67.0-vs-0.68.1.html").is_file()


def test_results_are_not_modified(built):
    assert _snapshot(built["results"]) == built["before"]


def test_links_are_relative_and_resolve(built):
    html_dir = built["html"]
    pages = sorted((html_dir / "kbench").rglob("*.html"))
    assert len(pages) >= 9
    for page in pages:
        parsed = _parse(page)
        assert not parsed.duplicate_ids, f"{page.name}: ids used twice: {parsed.duplicate_ids}"
        for tag, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme == "data":  # inline (the empty favicon)
                continue
            assert not parts.scheme and not parts.netloc, f"{page.name}: absolute link {link}"
            assert not link.startswith("/"), f"{page.name}: root-relative link {link}"
            if not parts.path:  # a fragment on the same page
                assert not parts.fragment or parts.fragment in parsed.ids, f"{page.name}: #{parts.fragment}"
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page.name}: {link} does not resolve"
            assert html_dir.resolve() in target.parents, f"{page.name}: {link} leaves the site"
            if parts.fragment and target.suffix == ".html" and target.parent == (html_dir / "kbench").resolve():
                assert parts.fragment in _parse(target).ids, f"{page.name}: {link}"
    # every kbench page links back to the overview and to asv's pages
    for page in (html_dir / "kbench").glob("*.html"):
        hrefs = {link for _, link in _parse(page).links}
        assert "index.html" in hrefs and "../index.html" in hrefs, page.name


def test_asv_pages_are_local_and_link_to_kbench(built):
    text = (built["html"] / "index.html").read_text()
    assert 'href="kbench/index.html"' in text
    for tag, link in _parse(built["html"] / "index.html").links:
        if tag in ("script", "link"):
            assert not urlsplit(link).netloc, f"asv's index.html still loads {link}"
            assert (built["html"] / link).is_file(), link


def test_asv_scripts_are_never_downloaded(built, tmp_path, monkeypatch):
    """Without a vendor folder (the installed asv 0.6 bundles none) nothing is fetched: asv's pages keep their
    CDN tags and the overview names the missing files and the variable to set."""
    import asv

    monkeypatch.delenv(_publish.VENDOR_ENV, raising=False)

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    folder, why = _publish.vendor_dir()
    if folder is not None:
        pytest.skip(f"the installed asv {asv.__version__} bundles its scripts")
    assert _publish.VENDOR_ENV in why and "jquery-3.3.1.min.js" in why and asv.__version__ in why
    html = tmp_path / "html"
    shutil.copytree(built["html"], html, ignore=shutil.ignore_patterns("kbench", "vendor"))
    (html / "index.html").write_text("<html><body><script src=\"https://cdn.example/jquery.min.js\"></script>"
                                     "</body></html>")
    monkeypatch.setattr(_publish.subprocess, "run", no_subprocess)
    rewritten, missing = _publish.localise(html)
    assert rewritten == 0 and missing == [why]
    assert "https://cdn.example/jquery.min.js" in (html / "index.html").read_text()
    monkeypatch.undo()
    landing = site.build_views(html, built["results"], vendor_status=why)
    assert "jquery-3.3.1.min.js" in landing.read_text()


def test_no_external_resources_in_kbench_pages(built):
    for page in (built["html"] / "kbench").rglob("*.html"):
        text = page.read_text()
        assert "<script" not in text, page.name
        for m in re.finditer(r"(?:src|href)=\"([^\"]+)\"", text):
            assert "://" not in m.group(1), (page.name, m.group(1))
        assert "@import" not in text and "url(http" not in text


def test_svgs_contain_plotted_elements(built):
    kb = built["html"] / "kbench"
    for name in PLOT_PAGES:
        text = (kb / name).read_text()
        svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
        assert svgs, name
        for svg in svgs:
            assert re.search(r'class="(pt|bar|series)"', svg), f"{name}: an SVG without data"
            assert 'class="tick"' in svg, f"{name}: an SVG without tick labels"
            assert 'class="ylabel"' in svg or "ratio" in svg


def test_two_machines_appear(built):
    kb = built["html"] / "kbench"
    for name in ("index.html", "scaling-matmul.html", "roofline.html", "environment.html", "layout.html"):
        text = (kb / name).read_text()
        assert CPU in text and GPU in text, name
    env = (kb / "environment.html").read_text()
    assert "NVIDIA H200" in env and "omp" in env and "openblas" in env


def test_release_ratios_on_the_fixture(built):
    m = model.load(built["results"])
    machines = m.machines
    for machine_name in (CPU, GPU):
        per_series = releases.release_series(m, machines[machine_name])
        assert len(per_series) == 1
        versions, rows = per_series[0].versions, per_series[0].rows
        assert versions == ["0.67.0", "0.68.1"]
        by_key = {(r.benchmark, tuple(sorted(r.params.items()))): r for r in rows}
        for bench, params, expected in (REGRESSED, IMPROVED):
            row = by_key[(bench, tuple(sorted(params.items())))]
            # compared at the older commit, the newest one measured under both releases
            assert row.commit == built["commits"][0]
            assert row.ratios["0.68.1"] == pytest.approx(expected, rel=1e-9)
            assert row.verdict == "not tested" and row.beyond_factor
        unchanged = [r for r in rows if (r.benchmark, tuple(sorted(r.params.items()))) not in
                     {(b, tuple(sorted(p.items()))) for b, p, _ in (REGRESSED, IMPROVED)}]
        assert unchanged and all(r.ratios["0.68.1"] == pytest.approx(1.0) for r in unchanged)
        assert not any(r.beyond_factor for r in unchanged)
        assert all(r.verdict == "not tested" for r in rows)
        assert rows[0].benchmark == REGRESSED[0]  # largest deviation first: |log 1.3| > |log 0.8|
        # skipped GPU targets on the CPU machine are not compared
        assert all(r.params.get("target") not in ("cuda", "cuda_tiled") for r in rows) == (machine_name == CPU)
    page = (built["html"] / "kbench" / "releases.html").read_text()
    assert "1.30\u00d7" in page and "0.80\u00d7" in page
    assert "one run per side: not tested" in page
    # no verdict from the ratios, and the fixture's report predates the round rule: no red, no green
    assert 'class="tag bad"' not in page and 'class="tag good"' not in page
    assert 'class="regression"' not in page and 'class="improvement"' not in page
    assert "old rule: not a verdict" in page
    assert "release-checks/release-check-0.67.0-vs-0.68.1.html" in page
    assert "release-checks/release-check-0.67.0-vs-0.68.1.md" in page
    report_page = (built["html"] / "kbench" / "release-checks" / "release-check-0.67.0-vs-0.68.1.html").read_text()
    assert "not tested (old rule said regression)" in report_page and 'class="regression"' not in report_page


def _current_report(status, rows, summary):
    return {"kind": "kbench-release-check", "format": 1, "created": "2026-11-22T13:00:00+00:00",
            "baseline": {"version": "0.67.0"}, "candidate": {"version": "0.68.1"}, "commit": "c" * 40,
            "machine": CPU, "python": "3.11", "exit_status": status, "problems": [], "summary": summary,
            "settings": {"factor": 1.1, "alpha": 0.01, "rounds": 8, "samples_per_round": 5, "min_rounds": 6,
                         "test": compare.TEST, "adjust": "holm"}, "rows": rows}


def test_releases_page_shows_the_verdicts_of_current_reports(tmp_path):
    reg = {"benchmark": REGRESSED[0], "params": {k: repr(v) for k, v in REGRESSED[1].items()}, "type": "time",
           "unit": "seconds", "status": compare.REGRESSION, "gates": True, "ratio": 1.3, "p_value": 1e-6,
           "q_value": 1e-4, "test": compare.TEST, "baseline": {"median": 1e-3}, "candidate": {"median": 1.3e-3}}
    und = dict(reg, benchmark="sumsq.SumSquares.time_kernel", status=compare.UNDECIDED, gates=False, ratio=1.2,
               p_value=0.01, q_value=0.5)
    with_regression = _current_report(1, [reg, und], {compare.REGRESSION: 1, compare.UNDECIDED: 1, "total": 2})
    with_regression["_path"] = tmp_path / "release-check-0.67.0-vs-0.68.1.json"
    clean = _current_report(0, [und], {compare.UNDECIDED: 1, "total": 1})
    clean["_path"] = tmp_path / "release-check-0.68.1-vs-0.68.1.json"
    m = model.Model(results_dir=tmp_path, machines={}, benchmarks={}, reports=[with_regression, clean])
    page = pages.releases.build(m)["releases.html"]
    assert page.count('class="tag bad">regression</span>') == 1
    assert page.count('class="tag good">no regression</span>') == 1
    assert "1 undecided" in page
    assert 'class="regression"' in page and "1.300\u00d7" in page  # the verdict row of the first report
    detail = report.build_report(with_regression, "x", {})
    assert 'class="regression"' in detail and "undecided" in detail and "q 0.0001" in detail
    broken = dict(clean, exit_status=2)
    assert "run broke" in report.build_report(broken, "y", {})


def test_releases_page_leads_with_the_release_history(tmp_path):
    """A kbench history run: one row per consecutive pair, only backed verdicts named, linked to the pair's
    report; the history comes before the list of reports, and its summary file is no 'damaged report'."""
    from kbench import history as khistory
    from kbench.site.model import records
    reg = {"benchmark": REGRESSED[0], "params": {k: repr(v) for k, v in REGRESSED[1].items()}, "type": "time",
           "unit": "seconds", "status": compare.REGRESSION, "gates": True, "ratio": 2.24, "p_value": 1e-7,
           "q_value": 7e-6, "test": compare.TEST}
    folder = tmp_path / "release-checks"
    folder.mkdir()
    pair_reports = []
    for b, c, rows in (("0.65.1", "0.66.0", [reg]), ("0.66.0", "0.67.0", [])):
        rep = _current_report(1 if rows else 0, rows, {compare.REGRESSION: len(rows), compare.UNCHANGED: 7,
                                                       "compared": 7 + len(rows), "total": 7 + len(rows)})
        rep["baseline"], rep["candidate"] = {"version": b}, {"version": c}
        stem = f"release-check-{b}-vs-{c}-20261202T200000Z"
        (folder / f"{stem}.json").write_text(json.dumps(rep))
        pair_reports.append((stem, rep, ""))
    chain = khistory.ReleaseHistory.__new__(khistory.ReleaseHistory)  # only summary(): no config needed
    chain.chain, chain.run_id, chain.python = ["0.65.1", "0.66.0", "0.67.0"], "20261202T200000Z", "3.11"
    summary = khistory.ReleaseHistory.summary(chain, pair_reports, 1, 3000.0)
    (folder / "history-0.65.1-to-0.67.0-20261202T200000Z.json").write_text(json.dumps(summary))
    problems = []
    reports = records.load_release_checks(tmp_path, problems)
    histories = records.load_histories(tmp_path, problems)
    assert problems == [] and len(reports) == 2 and len(histories) == 1
    m = model.Model(results_dir=tmp_path, machines={}, benchmarks={}, reports=reports, histories=histories)
    page = pages.releases.build(m)["releases.html"]
    assert page.index('id="history"') < page.index('id="reports"')
    row = page.split("0.65.1 \u2192 0.66.0</td>", 1)[1].split("</tr>", 1)[0]
    assert REGRESSED[0] in row and "2.24\u00d7" in row and "q 7e-06" in row
    assert "release-checks/release-check-0.65.1-vs-0.66.0-20261202T200000Z.html" in row
    quiet = page.split("0.66.0 \u2192 0.67.0</td>", 1)[1].split("</tr>", 1)[0]
    assert quiet.count(">none<") == 2
    (folder / "history-broken.json").write_text("{not json")
    problems = []
    assert len(records.load_histories(tmp_path, problems)) == 1 and "unreadable release history" in problems[0]
    empty = model.Model(results_dir=tmp_path, machines={}, benchmarks={}, reports=[])
    assert "No <code>kbench history</code> run" in pages.releases.build(empty)["releases.html"]


def test_history_verdicts_show_later_rechecks_of_the_same_row(tmp_path):
    """A release check of the same pair made after a history run, on the same benchmark and parameters, is
    shown under the history's verdict with its own verdict and a link; an earlier one, another pair's, another
    row's or an untested row is not."""
    from kbench import history as khistory
    from kbench.site.model import records
    params = {k: repr(v) for k, v in REGRESSED[1].items()}
    reg = {"benchmark": REGRESSED[0], "params": params, "type": "time", "unit": "seconds",
           "status": compare.REGRESSION, "gates": True, "ratio": 2.02, "p_value": 1e-7, "q_value": 2e-4,
           "test": compare.TEST}
    folder = tmp_path / "release-checks"
    folder.mkdir()
    rep = _current_report(1, [reg], {compare.REGRESSION: 1, "compared": 1, "total": 1})
    rep["baseline"], rep["candidate"] = {"version": "0.59.1"}, {"version": "0.60.0"}
    stem = "release-check-0.59.1-vs-0.60.0-20261202T200000Z"
    rep["created"] = "2026-12-02T21:00:01+00:00"  # the run's own report, stamped a second after its summary
    (folder / f"{stem}.json").write_text(json.dumps(rep))
    chain = khistory.ReleaseHistory.__new__(khistory.ReleaseHistory)
    chain.chain, chain.run_id, chain.python = ["0.59.1", "0.60.0"], "20261202T200000Z", "3.11"
    summary = khistory.ReleaseHistory.summary(chain, [(stem, rep, "")], 1, 100.0)
    summary["created"] = "2026-12-02T21:00:00+00:00"
    (folder / "history-0.59.1-to-0.60.0-20261202T200000Z.json").write_text(json.dumps(summary))

    def later(name, created, status, ratio, base="0.59.1", cand="0.60.0", row_params=params):
        r = _current_report(0, [dict(reg, status=status, ratio=ratio, params=row_params, gates=False)],
                            {status: 1, "total": 1})
        r["created"], r["baseline"], r["candidate"] = created, {"version": base}, {"version": cand}
        r["machine"] = "cpu-2core-amd-epyc-znver2"
        (folder / f"{name}.json").write_text(json.dumps(r))

    later("release-check-0.59.1-vs-0.60.0-20261207T221513Z", "2026-12-07T22:19:48+00:00", compare.UNCHANGED, 1.039)
    later("release-check-0.59.1-vs-0.60.0-20261201T000000Z", "2026-12-01T00:00:00+00:00", compare.UNCHANGED, 1.111)
    later("release-check-0.60.0-vs-0.61.2-20261207T000000Z", "2026-12-07T00:00:00+00:00", compare.UNCHANGED, 1.222,
          base="0.60.0", cand="0.61.2")
    later("release-check-0.59.1-vs-0.60.0-20261207T000001Z", "2026-12-07T00:00:01+00:00", compare.UNCHANGED, 1.333,
          row_params=dict(params, size="512"))
    later("release-check-0.59.1-vs-0.60.0-20261207T000002Z", "2026-12-07T00:00:02+00:00", compare.NOT_TESTED, 1.444)
    problems = []
    m = model.Model(results_dir=tmp_path, machines={}, benchmarks={},
                    reports=records.load_release_checks(tmp_path, problems),
                    histories=records.load_histories(tmp_path, problems))
    assert problems == []
    page = pages.releases.build(m)["releases.html"]
    row = page.split("0.59.1 \u2192 0.60.0</td>", 1)[1].split("</tr>", 1)[0]
    assert "2.02\u00d7" in row and "re-checked 2026-12-07 on <code>cpu-2core-amd-epyc-znver2</code>" in row
    assert "unchanged 1.04\u00d7" in row
    assert "release-checks/release-check-0.59.1-vs-0.60.0-20261207T221513Z.html" in row
    assert "re-checked 2026-12-02" not in row  # its own pair report is no re-check
    for ratio in ("1.11", "1.22", "1.33", "1.44"):
        assert f"{ratio}\u00d7" not in row, ratio


def test_views_open_on_the_newest_commit(tmp_path):
    """The newest commit measured only under the older Numba: the scaling, memory-order and roofline views
    still open on it (not on the newest Numba's older commit)."""
    fx = make_fixture(tmp_path, newest_commit_numba="0.67.0")
    m = model.load(fx["results"])
    machines = m.machines
    cpu = machines[CPU]
    assert cpu.newest_env().numba == "0.68.1"  # the newest Numba...
    order = model.envs_newest_commit_first(cpu, ["matmul.Matmul.time_kernel"])
    assert [e.numba for e in order] == ["0.67.0", "0.68.1"]  # ...comes second: its results are older
    rf, _ = model.latest_values(order[0], "matmul.Matmul.time_kernel")
    assert rf.commit == fx["commits"][1]
    gpu_order = model.envs_newest_commit_first(machines[GPU], ["matmul.Matmul.time_kernel"])
    assert [e.numba for e in gpu_order] == ["0.68.1", "0.67.0"]  # same commit everywhere: newest Numba first
    newest_short = fx["commits"][1][:8]

    def first_open_block(html_text, machine):
        part = html_text.split(f"Machine <code>{machine}</code>", 1)[1]
        m = re.search(r"<details[^>]*\bopen\b[^>]*>\s*<summary>(.*?)</summary>", part, flags=re.S)
        assert m, "no open block"
        return m.group(1)

    built_pages = {**pages.scaling.build(m), **pages.layout.build(m), **pages.roofline.build(m)}
    for name in ("scaling-matmul.html", "layout.html", "roofline.html"):
        summary = first_open_block(built_pages[name], CPU)
        assert "Numba 0.67.0" in summary and newest_short in summary, (name, summary)


def test_roofline_ceilings_and_placement(built):
    m = model.load(built["results"])
    machines = m.machines
    assert roofline.machine_ceilings(m, machines[CPU]) == []
    ceilings = roofline.machine_ceilings(m, machines[GPU])
    kinds = {(c.device, c.kind): c.value for c in ceilings}
    assert kinds == {("gpu", "compute"): 60000.0, ("gpu", "memory"): 4000.0, ("cpu", "compute"): 2000.0,
                     ("cpu", "memory"): 300.0}
    env = machines[GPU].envs[ENVS["0.68.1"]]
    points, _ = roofline.roofline_points(m, env)
    mm = [p for p in points if p.family == "matmul" and p.target == "numpy" and p.dtype == "float64"]
    assert len(mm) == 1 and mm[0].size == 1024
    assert mm[0].intensity == pytest.approx(2.0 * 1024 ** 3 / (3 * 8 * 1024 ** 2))  # flops / bytes from work()
    assert mm[0].gflops == pytest.approx(2.0 * 1024 ** 3 / mm[0].seconds / 1e9)
    assert {p.device for p in points} == {"cpu", "gpu"}
    page = (built["html"] / "kbench" / "roofline.html").read_text()
    assert "no ceilings measured" in page.lower()
    assert 'class="ceiling"' in page


def test_work_extrapolation_matches_direct_counts():
    # above the input-size limit the counts are extrapolated; they must equal the exact formulas
    assert model.family("sumsq").work(100_000_000, "float64") == pytest.approx((2e8, 8e8))
    assert model.family("matmul").work(8192, "float32") == pytest.approx((2.0 * 8192 ** 3, 4.0 * 3 * 8192 ** 2))
    assert model.family("matmul").work(64, "float64") == pytest.approx((2.0 * 64 ** 3, 8.0 * 3 * 64 ** 2))


def test_memory_order_ratios(built):
    machines = model.load(built["results"]).machines
    env = machines[CPU].envs[ENVS["0.67.0"]]
    _, vals = model.latest_values(env, "matmul.MatmulLayout.time_kernel")
    ratios = layout.matrix_layout_ratios(vals)
    assert ratios[(256, "jit_ikj")] == pytest.approx({"CC": 1.0, "CF": 1.5, "FC": 4.0, "FF": 2.0})
    assert ratios[(64, "numpy")] == pytest.approx({"CC": 1.0, "CF": 1.0, "FC": 1.0, "FF": 1.0})
    _, vals = model.latest_values(env, "sumsq.SumSquares.time_kernel")
    vr = layout.vector_layout_ratios(vals)
    assert vr[("float64", "jit", 10_000_000)] == pytest.approx(2.0)
    assert vr[("float64", "jit", 1000)] == pytest.approx(1.0)
    assert ("float64", "cuda", 1000) not in vr  # skipped on the CPU machine


def test_empty_results_folder(tmp_path):
    (tmp_path / "results").mkdir()
    landing = site.build_views(tmp_path / "html", tmp_path / "results")
    for name in KBENCH_PAGES:
        assert (landing.parent / name).is_file()
    assert "No results" in landing.read_text()
    assert "no machines" in (landing.parent / "roofline.html").read_text().lower()


def test_cli_options(built, tmp_path):
    from kbench import cli

    out = tmp_path / "elsewhere" / "site"
    rc = cli.main(["site", "--config", str(built["config"]), "--results-dir", str(built["results"]),
                   "--html-dir", str(out)])
    assert rc == 0
    assert (out / "index.html").is_file() and (out / "kbench" / "roofline.html").is_file()
    assert not (built["root"] / "html" / "elsewhere").exists()
    assert cli.main(["site", "--config", str(tmp_path / "missing.json")]) == 2


def test_publish_failure_still_writes_views(built, tmp_path):
    # without benchmarks.json asv publish fails; the kernel views still appear, and say so
    results = tmp_path / "results"
    shutil.copytree(built["results"], results)
    (results / "benchmarks.json").unlink()
    with pytest.raises(site.SiteError):
        site.build(tmp_path / "html", results, built["config"])
    landing = tmp_path / "html" / "kbench" / "index.html"
    assert landing.is_file() and "asv publish failed" in landing.read_text()
    from kbench import cli

    # a site that could not be built is a broken run: exit 2 (1 is "regression" to the release watcher)
    assert cli.main(["site", "--config", str(built["config"]), "--results-dir", str(results), "--html-dir",
                     str(tmp_path / "html2")]) == 2


@pytest.mark.slow
def test_site_from_a_real_asv_run(tmp_path):
    """The real asv runs one small benchmark class in this interpreter (existing environment, --quick) into a
    temporary results folder; the site built from that must show it."""
    repo = Path(__file__).resolve().parent.parent
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    conf = json.loads((repo / "asv.conf.json").read_text())
    conf.update({"repo": str(repo), "results_dir": str(tmp_path / "results"), "html_dir": str(tmp_path / "html"),
                 "branches": ["HEAD"], "benchmark_dir": str(repo / "benchmarks"), "env_dir": str(tmp_path / "env")})
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps(conf))
    env = dict(os.environ, HOME=str(tmp_path / "home"))  # asv machine writes ~/.asv-machine.json
    (tmp_path / "home").mkdir()
    asv = [sys.executable, "-m", "asv"]
    subprocess.run(asv + ["machine", "--yes", "--machine", "real-quick", "--config", str(config)], env=env,
                   check=True, capture_output=True)
    run = subprocess.run(asv + ["run", "--config", str(config), "--quick", "-E", f"existing:{sys.executable}",
                                "--set-commit-hash", head.stdout.strip(), "--machine", "real-quick",
                                "-b", "fastmath.FastMath.time_kernel"], env=env, capture_output=True, text=True)
    assert list((tmp_path / "results" / "real-quick").glob("*-existing-*.json")), run.stdout[-3000:] + run.stderr[-3000:]
    landing = site.build(tmp_path / "html", tmp_path / "results", config)
    page = (landing.parent / "scaling-fastmath.html").read_text()
    assert "real-quick" in page and 'class="pt"' in page
    for target in ("numpy", "strict", "fastmath", "reassociated"):
        assert f">{target}<" in page
    roof = (landing.parent / "roofline.html").read_text()
    assert "no ceilings measured" in roof.lower() and "fastmath" in roof


def _model_with(tmp_path, benchmarks):
    """A model of one machine and one result file holding ``{name: (unit, [(params, value)])}``."""
    from kbench.site._asv import Measurement, ResultFile

    rf = ResultFile(path=tmp_path / "r.json", commit="c" * 40, date=1, started=1, env_name="e", params={},
                    names=list(benchmarks),
                    values={n: [Measurement(p, v) for p, v in vals] for n, (_, vals) in benchmarks.items()})
    machine = model.Machine(name="m", info={}, envs={"e": model.Env(machine="m", name="e", files=[rf])}, records={},
                            path=tmp_path)
    infos = {n: {"unit": unit, "type": "track"} for n, (unit, _) in benchmarks.items()}
    return model.Model(results_dir=tmp_path, machines={"m": machine}, benchmarks=infos, reports=[]), machine


def test_ceilings_are_classified_by_declared_unit_and_parameters(tmp_path):
    """The suite's own ceilings: kind and scale from the unit, dtype from the parameter, the GPU probes as GPU;
    a name that sounds like a ceiling but declares no rate unit is none."""
    m, machine = _model_with(tmp_path, {
        "roofline.DeviceBandwidth.track_copy": ("GB/s", [({}, 3000.0)]),
        "roofline.DevicePeakFlops.track_cublas": ("GFLOP/s", [({"dtype": "float32"}, 50000.0)]),
        "roofline.PeakFlops.track_fma": ("GFLOP/s", [({"dtype": "float64"}, 100.0)]),
        "roofline.MemoryBandwidth.track_copy": ("GiB/s", [({}, 10.0)]),
        "roofline.Probe.track_gpu_flops_bandwidth": ("widgets", [({}, 5.0)]),
        "roofline.Probe.track_triad": ("GB/s", [({"device": "gpu"}, 0.0)]),  # no positive value: no ceiling
    })
    got = {(c.name, c.device, c.kind, c.dtype): c.value for c in roofline.machine_ceilings(m, machine)}
    assert got == {("copy", "gpu", "memory", None): 3000.0, ("cublas", "gpu", "compute", "float32"): 50000.0,
                   ("fma", "cpu", "compute", "float64"): 100.0,
                   ("copy", "cpu", "memory", None): pytest.approx(10 * 2 ** 30 / 1e9)}


def test_families_come_from_the_kernels_package():
    fams = model.families()
    assert list(fams)[:2] == ["matmul", "sumsq"]
    mm, ss = fams["matmul"], fams["sumsq"]
    assert (mm.shape, mm.rate, mm.default_layout) == ("matrix", "gflops", "CC")
    assert (ss.shape, ss.rate, ss.default_layout) == ("vector", "gbps", "contiguous")
    assert ss.device("jit") == "cpu" and ss.device("cuda") == "gpu"
    assert ss.order(["zzz", "jit", "numpy_sum"])[-1] == "zzz"  # unknown targets after the registry's
    assert model.family_of("sumsq.SumSquares.time_kernel") == "sumsq" and model.family_of("roofline.X.y") is None


def test_every_page_module_is_built_and_in_the_navigation(built):
    kb = built["html"] / "kbench"
    nav = [href for _, href in _parse(kb / "index.html").links if not href.startswith("..")]
    for module in pages.PAGES:
        assert (kb / module.FILE).is_file(), module.__name__
        assert module.FILE in nav, module.__name__


def test_templates_ship_as_package_data():
    """Every template the pages read is named by pyproject's package-data, so a wheel carries it."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parent.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["kbench"]
    package = root / "src" / "kbench"
    templates = sorted((package / "site" / "templates").iterdir())
    assert templates
    for path in templates:
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel


def test_reading_results_without_a_usable_asv_names_what_is_missing(built, monkeypatch):
    from asv import results as asv_results

    from kbench.site import _asv

    path = next(p for p in (built["results"] / CPU).glob("*.json") if _asv.is_result_file(p))
    assert _asv.read_result(path, {}).values  # the real asv reads it
    monkeypatch.setattr(asv_results.Results, "load", staticmethod(lambda *a, **k: type("R", (), {
        "commit_hash": "c" * 40, "date": 1, "env_name": "e", "params": {}})()))
    with pytest.raises(_asv.AsvUnusable, match="get_all_result_keys"):
        _asv.read_result(path, {})
    monkeypatch.setitem(sys.modules, "asv", None)  # as if asv were not installed
    with pytest.raises(_asv.AsvUnusable, match="asv.results"):
        _asv.read_result(path, {})


def test_unparameterised_results_are_read(tmp_path):
    """asv stores a benchmark without parameters as a list of one value: the STREAM ceilings are such."""
    from asv import results as asv_results
    from asv import runner

    from kbench.site import _asv

    res = asv_results.Results({"machine": "m"}, {}, "c" * 40, 1000, "3.11", "existing-py3.11", {})
    res.add_result({"name": "roofline.MemoryBandwidth.track_copy", "params": [], "version": "1"},
                   runner.BenchmarkResult(result=[36.5], samples=[None], number=[None], errcode=0, stderr="",
                                          profile=None),
                   started_at=datetime.datetime(2026, 11, 21, tzinfo=datetime.timezone.utc), duration=1.0)
    res.save(str(tmp_path))
    path = next(p for p in tmp_path.rglob("*.json") if _asv.is_result_file(p))
    rf = _asv.read_result(path, {})
    assert rf.values == {"roofline.MemoryBandwidth.track_copy": [_asv.Measurement({}, 36.5)]}
