"""``kbench release-check`` and the package-index helpers.

Fast tests run the whole check with asv replaced by recorded result files; the two ``slow`` tests run asv for
real on a tiny part of the suite (an A/A check with one Numba release on both sides, and Numba 0.67.0 against
0.68.1). The slow tests write their results into a temporary folder (never the repository's results/), use
their own asv machine entry in a temporary HOME, and keep their environments in .asv/test-env (or
$KBENCH_TEST_ENV_DIR) so that a second run reuses them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kbench import bisect as kbisect
from kbench import checkrun, cli, compare, pypi, release, release_sides, repo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SYN = DATA / "synthetic"
FIXTURE_COMMIT = "0123456789abcdef0123456789abcdef01234567"

# the tiny subset the real runs use: sum of squares on 10^5 contiguous float64 elements, with Numba's serial
# loop and NumPy as a control that does not depend on Numba at all
SUBSET = r"^sumsq\.SumSquares\.time_kernel\(100000, 'contiguous', '(jit|numpy_sum)', 'float64'\)$"
AA_SUBSET = r"^sumsq\.SumSquares\.time_kernel\(100000, 'contiguous', 'jit', 'float64'\)$"


# ---------------------------------------------------------------------------------------------------------------
# package index
# ---------------------------------------------------------------------------------------------------------------
FAKE_NUMBA = ["0.66.0rc1", "0.66.0", "0.67.0rc1", "0.67.0", "0.68.0rc1", "0.68.0", "0.68.1rc2", "0.68.1",
              "0.69.0.dev0", "0.69.0rc1", "not-a-version"]


def _one(folder, pattern):
    """The one report file matching pattern (reports carry a run id in their name)."""
    found = sorted(Path(folder).glob(pattern))
    assert len(found) == 1, (pattern, sorted(p.name for p in Path(folder).iterdir()))
    return found[0]


def fake_index(tmp_path, versions=FAKE_NUMBA, clock=None):
    calls = []

    def fetch(package):
        calls.append(package)
        return list(versions)

    kwargs = {"clock": clock} if clock else {}
    return pypi.ReleaseIndex("numba", fetch=fetch, cache_dir=tmp_path / "cache", **kwargs), calls


def test_parse_pip_index_output():
    text = ("numba (0.68.1)\nAvailable versions: 0.68.1, 0.68.1rc2, 0.68.0, 0.67.0\n  INSTALLED: 0.68.1\n")
    assert pypi.parse_pip_index_output(text) == ["0.68.1", "0.68.1rc2", "0.68.0", "0.67.0"]
    assert pypi.parse_pip_index_output("nothing here") == []


def test_release_index_defaults(tmp_path):
    index, _ = fake_index(tmp_path)
    assert [str(v) for v in index.releases()] == ["0.66.0", "0.67.0", "0.68.0", "0.68.1"]
    assert str(index.newest()) == "0.68.1"
    assert str(index.previous("0.68.1")) == "0.68.0"  # the release before, in version order
    assert str(index.newest(pre=True)) == "0.69.0rc1"  # never the dev build
    assert str(index.previous("0.69.0rc1")) == "0.68.1"  # a candidate's baseline is a final release
    assert str(index.previous("0.68.1rc2")) == "0.68.0"  # not an earlier pre-release of the same version
    assert [str(v) for v in index.between("0.66.0", "0.68.1")] == ["0.66.0", "0.67.0", "0.68.0", "0.68.1"]
    assert [str(v) for v in index.between("0.66.0", "0.68.1", pre=True)] == \
        ["0.66.0", "0.67.0rc1", "0.67.0", "0.68.0rc1", "0.68.0", "0.68.1rc2", "0.68.1"]
    with pytest.raises(ValueError):
        index.between("0.68.1", "0.66.0")
    with pytest.raises(pypi.PackageIndexError):
        index.previous("0.66.0")


def test_release_index_cache(tmp_path):
    now = [1000.0]
    index, calls = fake_index(tmp_path, clock=lambda: now[0])
    index.releases()
    index.newest()
    assert calls == ["numba"]  # memory cache
    again, calls2 = fake_index(tmp_path, clock=lambda: now[0])
    assert str(again.newest()) == "0.68.1" and calls2 == []  # disk cache
    now[0] += pypi.CACHE_TTL_S + 1
    stale, calls3 = fake_index(tmp_path, clock=lambda: now[0])
    stale.newest()
    assert calls3 == ["numba"]  # expired


def test_release_check_picks_versions_from_the_index(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    monkeypatch.chdir(REPO)
    index, _ = fake_index(tmp_path)
    args = parse(["release-check", "--config", str(config), "--results-dir", str(tmp_path / "res")])
    check = release.ReleaseCheck.from_args(args, index=index)
    assert (check.baseline, check.candidate) == ("0.68.0", "0.68.1")
    assert check.output_dir == (tmp_path / "res" / "release-checks").resolve()
    assert check.rounds == checkrun.DEFAULT_ROUNDS
    args = parse(["release-check", "--config", str(config), "--pre", "--quick"])
    check = release.ReleaseCheck.from_args(args, index=index)
    assert (check.baseline, check.candidate) == ("0.68.1", "0.69.0rc1")
    assert check.rounds == checkrun.QUICK_ROUNDS
    run_args = check.asv_run_args(Path("/tmp/c.json"), "abc", "m")
    assert run_args[:2] == ["run", "abc^!"]
    for flag in ("--record-samples", "--interleave-rounds", f"rounds={checkrun.QUICK_ROUNDS}",
                 f"repeat={checkrun.QUICK_REPEAT}"):
        assert flag in run_args


# ---------------------------------------------------------------------------------------------------------------
# environments and the derived asv config
# ---------------------------------------------------------------------------------------------------------------
BASE_CONFIG = {
    "version": 1, "project": "numba-kernel-bench", "repo": ".", "dvcs": "git", "branches": ["main"],
    "environment_type": "virtualenv", "env_dir": ".asv/env", "benchmark_dir": "benchmarks",
    "results_dir": "results", "html_dir": "html",
    "matrix": {"req": {"numba": ["0.67.0", "0.68.1"], "llvmlite": ["0.49.0", "0.50.0"], "numpy": ["2.4.6"],
                       "scipy": ["1.17.1"]}},
    "exclude": [{"req": {"numba": "0\\.67\\.0", "llvmlite": "(?!0\\.49\\.0$).*"}}],
}
LLVMLITE = {"0.67.0": "0.49.0", "0.68.0": "0.50.0", "0.68.1": "0.50.0", "0.69.0rc1": "0.51.0rc1"}


def fake_resolver(reqs, python):
    """What pip would answer, without asking it: numba==X brings its llvmlite; NumPy and SciPy as pinned."""
    numba = next(r.split("==")[1] for r in reqs if r.startswith("numba=="))
    out = {"numba": numba, "llvmlite": LLVMLITE[numba], "numpy": "2.4.6", "scipy": "1.17.1"}
    for r in reqs:
        if "==" in r and not r.startswith("numba"):
            name, version = r.split("==")
            out[pypi.canonical_name(name)] = version
    return out


def write_config(tmp_path, conf=BASE_CONFIG):
    path = tmp_path / "asv.conf.json"
    path.write_text(json.dumps(conf))
    return path


def parse(argv):
    """Our two commands' options as ``kbench`` parses them (built from our modules only, so that another
    command's module cannot get in the way)."""
    parser = argparse.ArgumentParser(prog="kbench")
    sub = parser.add_subparsers(dest="command")
    for name, module in (("release-check", release), ("bisect", kbisect)):
        assert cli.COMMANDS[name][0] == module.__name__
        module.configure(sub.add_parser(name))
    return parser.parse_args(argv)


def test_side_requirements_pin_llvmlite_and_order_installs():
    side = release_sides.side_requirements("candidate", "0.68.1", BASE_CONFIG, "3.11", fake_resolver)
    assert list(side.requirements.items()) == [("numpy", "2.4.6"), ("llvmlite", "0.50.0"), ("numba", "0.68.1"),
                                               ("scipy", "1.17.1")]
    assert side.resolved_by == "pip"


def test_side_requirements_relax_pins_that_do_not_fit():
    def picky(reqs, python):
        if any(r.startswith("numpy==") for r in reqs):
            raise pypi.PackageIndexError("numba 0.60.0 needs numpy<2.1")
        return {"numba": "0.60.0", "llvmlite": "0.43.0", "numpy": "2.0.2", "scipy": "1.17.1"}

    side = release_sides.side_requirements("baseline", "0.60.0", BASE_CONFIG, "3.11", picky)
    assert side.requirements["numpy"] == "2.0.2" and side.requirements["llvmlite"] == "0.43.0"
    assert side.resolved_by == "pip (relaxed pins)" and side.notes


def test_side_requirements_offline():
    def offline(reqs, python):
        raise pypi.PackageIndexError("no network")

    conf = dict(BASE_CONFIG, include=[{"python": "3.11", "req": {"numba": "0.66.0", "llvmlite": "0.48.0"}}])
    side = release_sides.side_requirements("baseline", "0.66.0", conf, "3.11", offline)
    assert list(side.requirements.items()) == [("numpy", "2.4.6"), ("llvmlite", "0.48.0"), ("numba", "0.66.0"),
                                               ("scipy", "1.17.1")]
    assert side.resolved_by == "config"
    side = release_sides.side_requirements("baseline", "0.65.1", conf, "3.11", offline)
    assert side.requirements["llvmlite"] == "" and side.resolved_by == "unpinned"
    assert list(side.requirements)[:3] == ["numpy", "llvmlite", "numba"]
    # the pairing a matrix expresses with exclude rules (0.67.0 only goes with 0.49.0)
    side = release_sides.side_requirements("baseline", "0.67.0", BASE_CONFIG, "3.11", offline)
    assert side.requirements["llvmlite"] == "0.49.0" and side.resolved_by == "config"
    assert release_sides._config_llvmlite_pair(BASE_CONFIG, "0.68.1") is None  # no rule: both llvmlites remain


def test_versions_not_on_the_index_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    config = write_config(tmp_path)
    index, _ = fake_index(tmp_path)
    args = parse(["release-check", "--config", str(config), "--baseline", "0.67.0", "--candidate", "0.68.2"])
    with pytest.raises(release.CheckError, match="0.68.2 is not on the package index"):
        release.ReleaseCheck.from_args(args, index=index)

    def unreachable(package):
        raise pypi.PackageIndexError("no network")

    offline = pypi.ReleaseIndex("numba", fetch=unreachable, cache_dir=None)
    check = release.ReleaseCheck.from_args(args, index=offline)  # taken on trust
    assert check.candidate == "0.68.2"
    assert "using the versions as given" in capsys.readouterr().err


def make_check(tmp_path, baseline, candidate, bench=(), **kw):
    config = write_config(tmp_path)
    return release.ReleaseCheck(repo=REPO, config_path=config, baseline=baseline, candidate=candidate,
                                python=f"{sys.version_info[0]}.{sys.version_info[1]}",
                                results_dir=tmp_path / "results", output_dir=tmp_path / "out", bench=list(bench),
                                machine="fixture", resolver=fake_resolver, **kw)


def derived_envs(check):
    conf = repo.load_config(check.config_path)
    sides = check.sides(conf)
    derived = release_sides.derive_config(conf, check.config_path.parent, sides, check.python, check.results_dir)
    path = check.config_path.parent / "derived.json"
    path.write_text(json.dumps(derived))
    return sides, derived, checkrun.asv_environments(path, len(sides), check.python)


def test_derived_config_has_exactly_the_two_environments(tmp_path):
    pytest.importorskip("asv")
    pytest.importorskip("virtualenv")
    check = make_check(tmp_path, "0.67.0", "0.68.1")
    sides, derived, (names, paths) = derived_envs(check)
    py = check.python
    tag = f"{checkrun.SIDE_ENV_VAR}{check.run_id}"
    assert names == [f"virtualenv-py{py}-llvmlite0.49.0-numba0.67.0-numpy2.4.6-scipy1.17.1-{tag}-baseline",
                     f"virtualenv-py{py}-llvmlite0.50.0-numba0.68.1-numpy2.4.6-scipy1.17.1-{tag}-candidate"]
    assert paths[0] != paths[1]
    assert derived["results_dir"] == str((tmp_path / "results").resolve())
    assert Path(derived["benchmark_dir"]).is_absolute() and Path(derived["repo"]).is_absolute()


def test_aa_check_gets_two_environments_sharing_one_install(tmp_path):
    pytest.importorskip("asv")
    pytest.importorskip("virtualenv")
    check = make_check(tmp_path, "0.68.1", "0.68.1")
    sides, derived, (names, paths) = derived_envs(check)
    assert len(set(names)) == 2 and all(checkrun.SIDE_ENV_VAR in n for n in names)
    assert paths[0] == paths[1]  # the tag is a run-time variable: one build serves both


def test_a_check_never_writes_into_the_matrix_environments_or_another_checks_files(tmp_path):
    """asv replaces the results of an environment it re-runs at a commit: a release check at a commit the
    matrix has run must file its results under names of its own, and so must a second check."""
    pytest.importorskip("asv")
    pytest.importorskip("virtualenv")
    first = make_check(tmp_path, "0.67.0", "0.68.1", run_id="20261202T050000Z")
    second = make_check(tmp_path, "0.67.0", "0.68.1", run_id="20261202T060000Z")
    _, _, (first_names, first_paths) = derived_envs(first)
    _, _, (second_names, second_paths) = derived_envs(second)
    from kbench import suite

    matrix = {name for name, _ in suite.matrix_environments(str(first.config_path))}
    assert matrix and not matrix & set(first_names) and not set(first_names) & set(second_names)
    assert first_paths == second_paths  # the same installed environments serve every check


def test_a_check_files_results_under_kbenchs_machine_name(monkeypatch, tmp_path):
    from asv import machine as asv_machine

    monkeypatch.setattr(asv_machine.MachineCollection, "get_machine_file_path",
                        staticmethod(lambda: str(tmp_path / "asv-machine.json")))
    monkeypatch.delenv("KBENCH_MACHINE", raising=False)
    from kbench import machine

    assert checkrun.ensure_machine(None) == machine.default_machine_name()
    monkeypatch.setenv("KBENCH_MACHINE", "my-runner")
    assert checkrun.ensure_machine(None) == "my-runner"


# ---------------------------------------------------------------------------------------------------------------
# the whole check with asv replaced by recorded results
# ---------------------------------------------------------------------------------------------------------------
def fake_asv(monkeypatch, check, fixtures, imported=None, rc=0):
    """Make the check 'run' by copying recorded result files where asv would write them."""
    envs = {}
    for role, path in fixtures.items():
        data = json.loads(Path(path).read_text())
        envs[role] = data["env_name"]

    def run_asv(args, cwd, log_tail=80):
        assert "--record-samples" in args and "--interleave-rounds" in args
        assert f"repeat={check.samples_per_round}" in args  # the fixed K that makes rounds recoverable
        out = check.results_dir / "fixture"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(SYN / "benchmarks.json", check.results_dir / "benchmarks.json")
        now = time.time() * 1000
        for role, path in fixtures.items():
            data = json.loads(Path(path).read_text())
            for entry in data["results"].values():
                entry[3] = now  # started_at: written by this run
            (out / f"{FIXTURE_COMMIT[:8]}-{data['env_name']}.json").write_text(json.dumps(data))
        return rc, ["asv output"]

    monkeypatch.setattr(checkrun, "run_asv", run_asv)
    monkeypatch.setattr(checkrun, "require_head", lambda repo: FIXTURE_COMMIT)
    monkeypatch.setattr(checkrun, "ensure_machine", lambda name: "fixture")
    monkeypatch.setattr(checkrun, "asv_environments",
                        lambda path, n, py: ([envs["baseline"], envs["candidate"]], [Path("/b"), Path("/c")]))
    versions = imported or {"/b": check.baseline, "/c": check.candidate}
    monkeypatch.setattr(checkrun, "probe_environment",
                        lambda p: {"numba": versions[str(p)], "llvmlite": "x", "numpy": "2.4.6"})


def run_fake(tmp_path, monkeypatch, capsys, bench, **kw):
    # the fixture's 20 independent samples a side stand for 10 rounds of K = 2
    monkeypatch.setattr(checkrun, "DEFAULT_REPEAT", 2)
    check = make_check(tmp_path, "0.67.0", "0.68.1", bench=bench)
    fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"}, **kw)
    status = check.run()
    out = capsys.readouterr()
    report = json.loads(_one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.json").read_text())
    md = _one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.md").read_text()
    return status, report, md, out


def test_a_second_check_of_the_same_pair_adds_a_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkrun, "DEFAULT_REPEAT", 2)
    for run_id in ("20261202T050000Z", "20261202T060000Z"):
        check = make_check(tmp_path, "0.67.0", "0.68.1", bench=[r"time_regressed$"], run_id=run_id)
        fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"})
        check.run()
    capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "out").glob("*.json"))
    assert names == ["release-check-0.67.0-vs-0.68.1-20261202T050000Z.json",
                     "release-check-0.67.0-vs-0.68.1-20261202T060000Z.json"]


def test_regression_exits_1(tmp_path, monkeypatch, capsys):
    status, report, md, out = run_fake(tmp_path, monkeypatch, capsys,
                                       [r"time_(regressed|improved|small_shift|bimodal)$", r"Kernel"])
    assert status == 1 and report["exit_status"] == 1
    assert report["summary"][compare.REGRESSION] == 2 and not report["problems"]
    assert report["baseline"]["version"] == "0.67.0" and report["candidate"]["version"] == "0.68.1"
    assert report["baseline"]["env"]["requirements"]["llvmlite"] == "0.49.0"
    assert md in out.out  # the Markdown is printed too
    regressions = md.split("## Regressions")[1].split("## Improvements")[0]
    assert "`cases.Cases.time_regressed`" in regressions and "size=100000, target=jit" in regressions
    assert "ms" in regressions and "µs" in regressions
    assert "## Not tested" in md and "GB/s" in md  # track_gbps: 5 rounds of 2 < MIN_ROUNDS
    assert report["settings"]["samples_per_round"] == 2 and report["settings"]["min_rounds"] == compare.MIN_ROUNDS


def test_no_regression_exits_0(tmp_path, monkeypatch, capsys):
    status, report, md, _ = run_fake(tmp_path, monkeypatch, capsys, [r"time_(small_shift|bimodal|skipped)$"])
    assert status == 0
    assert "**Result: no regression**" in md
    assert report["summary"].get(compare.SKIPPED) == 1


def test_failed_benchmark_exits_2(tmp_path, monkeypatch, capsys):
    status, report, md, out = run_fake(tmp_path, monkeypatch, capsys, [])
    assert status == 2
    assert any("time_failed" in p for p in report["problems"])
    assert "time_failed" in out.err
    assert report["summary"][compare.REGRESSION] == 2  # the report is still complete


def test_wrong_numba_in_an_environment_exits_2(tmp_path, monkeypatch, capsys):
    status, report, _, _ = run_fake(tmp_path, monkeypatch, capsys, ["time_small_shift"],
                                    imported={"/b": "0.67.0", "/c": "0.67.0"})
    assert status == 2
    assert any("imported numba 0.67.0, expected 0.68.1" in p for p in report["problems"])


def test_nothing_ran_exits_2(tmp_path, monkeypatch, capsys):
    status, report, _, _ = run_fake(tmp_path, monkeypatch, capsys, ["no_such_benchmark"], rc=1)
    assert status == 2
    assert any("nothing ran" in p for p in report["problems"])
    assert any("status 1" in p for p in report["problems"])


def test_unknown_version_is_reported(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    config = write_config(tmp_path)
    with pytest.raises(SystemExit) as info:  # refused by the option parser, before anything runs
        parse(["release-check", "--config", str(config), "--baseline", "x.y", "--candidate", "0.68.1"])
    assert info.value.code == 2 and "--baseline 'x.y': not a version number" in capsys.readouterr().err


def test_damaged_result_file_makes_a_broken_report(tmp_path, monkeypatch, capsys):
    """A result file cut off midway (asv interrupted while writing it) is a broken run with a report naming
    the file, not a traceback and never a regression."""
    check = make_check(tmp_path, "0.67.0", "0.68.1", bench=[r"time_regressed$"])
    fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"})
    fake_run = checkrun.run_asv

    def run_and_cut(args, cwd, log_tail=80):
        rc, tail = fake_run(args, cwd, log_tail)
        for path in (check.results_dir / "fixture").glob("*.json"):
            if "0.68.1" in path.name:
                text = path.read_text()
                path.write_text(text[: len(text) // 3])
        return rc, tail

    monkeypatch.setattr(checkrun, "run_asv", run_and_cut)
    assert check.run() == 2
    report = json.loads(_one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.json").read_text())
    assert report["exit_status"] == 2
    damaged = [p for p in report["problems"] if "cannot read the results of the candidate" in p]
    assert damaged and "not valid JSON" in damaged[0] and "0.68.1" in damaged[0]
    assert "cannot read the results of the candidate" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# real runs
# ---------------------------------------------------------------------------------------------------------------
def isolated_env(tmp_path):
    """A HOME of our own (so asv's machine file is ours) that still sees pip's config, cache and virtualenv's
    seed wheels."""
    real = Path.home()
    home = tmp_path / "home"
    for rel in (".config/pip", ".cache/pip", ".local/share/virtualenv", ".pip"):
        src = real / rel
        if src.exists():
            (home / rel).parent.mkdir(parents=True, exist_ok=True)
            (home / rel).symlink_to(src)
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home))
    env.setdefault("PIP_CACHE_DIR", str(real / ".cache" / "pip"))
    return env


def env_dir():
    return Path(os.environ.get("KBENCH_TEST_ENV_DIR", REPO / ".asv" / "test-env"))


def run_cli(tmp_path, argv, timeout):
    pytest.importorskip("asv")
    pytest.importorskip("virtualenv")
    if not (REPO / "asv.conf.json").is_file() or not (REPO / "benchmarks").is_dir():
        pytest.skip("needs the repository's asv.conf.json and benchmarks/")
    results = tmp_path / "results"
    # ``kbench release-check ...`` in a fresh process; the parser is built from our module alone, like
    # ``parse`` above, so that work in progress on another command cannot break this test
    runner = ("import argparse, sys; from kbench import release; p = argparse.ArgumentParser(prog='kbench "
              "release-check'); release.configure(p); sys.exit(release.main(p.parse_args(sys.argv[1:])))")
    cmd = [sys.executable, "-c", runner, "--results-dir", str(results), "--env-dir", str(env_dir()),
           "--machine", "kbench-test", *argv]
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=REPO, env=isolated_env(tmp_path), capture_output=True, text=True,
                          timeout=timeout)
    wall = time.time() - t0
    # nothing of ours in the repository's results/ (others may be writing there, so look for our traces only)
    repo_results = REPO / "results"
    if repo_results.exists():
        assert not (repo_results / "kbench-test").exists(), "the test wrote into the repository's results/"
        assert not [p for p in repo_results.glob("release-checks/*") if p.stat().st_mtime >= t0 - 1]
    print(proc.stdout)
    print(proc.stderr[-4000:], file=sys.stderr)
    print(f"wall time {wall:.0f} s", file=sys.stderr)
    return proc, results


@pytest.mark.slow
def test_aa_same_release_on_both_sides_reports_no_regression(tmp_path):
    version = "0.68.1"
    proc, results = run_cli(tmp_path, ["--baseline", version, "--candidate", version, "--bench", AA_SUBSET,
                                       "--rounds", str(compare.MIN_ROUNDS)], timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(_one(results / "release-checks", f"release-check-{version}-vs-{version}-*.json").read_text())
    assert report["summary"].get(compare.REGRESSION, 0) == 0 and not report["problems"]
    rows = report["rows"]
    assert len(rows) == 1 and rows[0]["ratio"] is not None
    m = re.search(r"after (\d+) confirmation round", rows[0]["detail"])  # a borderline row is re-run
    rounds = compare.MIN_ROUNDS + (int(m.group(1)) if m else 0)
    assert rows[0]["rounds"] == [rounds] * 2 and rows[0]["test"] == compare.TEST
    assert rows[0]["baseline"]["n"] == rounds * checkrun.DEFAULT_REPEAT  # exactly K per round
    names = {report[s]["env"]["env_name"] for s in ("baseline", "candidate")}
    assert len(names) == 2  # two result files, one per replica
    for side in ("baseline", "candidate"):
        assert Path(report[side]["env"]["results_file"]).is_file()
        assert report[side]["env"]["imported"]["numba"] == version


@pytest.mark.slow
def test_two_releases_end_to_end(tmp_path):
    baseline, candidate = "0.67.0", "0.68.1"
    proc, results = run_cli(tmp_path, ["--baseline", baseline, "--candidate", candidate, "--bench", SUBSET,
                                       "--rounds", str(compare.MIN_ROUNDS)], timeout=1200)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    stem = str(_one(results / "release-checks", f"release-check-{baseline}-vs-{candidate}-*.json"))[:-len(".json")]
    report = json.loads(Path(f"{stem}.json").read_text())
    assert Path(f"{stem}.md").read_text() in proc.stdout
    assert report["exit_status"] == proc.returncode and not report["problems"]
    assert (report["baseline"]["version"], report["candidate"]["version"]) == (baseline, candidate)
    assert f"Numba {baseline} → {candidate}" in proc.stdout
    for side, version in (("baseline", baseline), ("candidate", candidate)):
        env = report[side]["env"]
        # the result file is where asv keeps it, under the (temporary) results folder
        path = Path(env["results_file"])
        assert path.is_file() and path.parent.parent == results and path.parent.name == "kbench-test"
        assert f"numba{version}" in env["env_name"]
        # the environment really imports the Numba it claims, from inside itself
        assert env["imported"]["numba"] == version
        assert env["imported"]["numba_path"].startswith(env["env_dir"])
        assert env["imported"]["llvmlite"] == env["requirements"]["llvmlite"]
        assert env["imported"]["kernels"]
    rows = report["rows"]
    assert {r["params"]["target"] for r in rows} == {"'jit'", "'numpy_sum'"}
    for r in rows:
        assert r["status"] not in (compare.FAILED, compare.MISSING)
        assert r["test"] == compare.TEST and r["p_value"] is not None
        # confirmation stages append their rounds to the same result files (asv --append-samples)
        m = re.search(r"after (\d+) confirmation round", r["detail"])
        rounds = compare.MIN_ROUNDS + (int(m.group(1)) if m else 0)
        assert r["baseline"]["n"] == r["candidate"]["n"] == rounds * checkrun.DEFAULT_REPEAT
        assert r["rounds"] == [rounds, rounds]


def test_a_report_rewrite_cut_off_by_a_full_disk_keeps_the_previous_report(tmp_path, monkeypatch, capsys):
    from _diskfull import disk_full

    status, report, md, _ = run_fake(tmp_path, monkeypatch, capsys, [r"time_regressed$"])
    out = tmp_path / "out"
    before = {p.name: p.read_text() for p in out.iterdir()}
    check = make_check(tmp_path, "0.67.0", "0.68.1", bench=[r"time_regressed$"])
    fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"})
    with disk_full(monkeypatch, out, budget=200), pytest.raises(OSError):
        check.run()
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    (first,) = [name for name in before if name.startswith("release-check-0.67.0-vs-0.68.1-") and name.endswith(".json")]
    assert json.loads(before[first])["exit_status"] == status == 1


def test_an_interrupted_check_still_reports_what_asv_saved(tmp_path, monkeypatch, capsys):
    status, report, md, _ = run_fake(tmp_path, monkeypatch, capsys, [r"time_regressed$"], rc=checkrun.INTERRUPTED)
    assert status == 2 and report["exit_status"] == 2  # broken, never "regression"
    assert any("interrupted (Ctrl-C)" in p for p in report["problems"])
    assert report["summary"][compare.REGRESSION] == 1  # the finished results are in the report


# ---------------------------------------------------------------------------------------------------------------
# confirmation: more rounds for the undecided rows only
# ---------------------------------------------------------------------------------------------------------------
def _record_asv_calls(monkeypatch):
    calls = []
    inner = checkrun.run_asv

    def recording(args, cwd, log_tail=80):
        calls.append(list(args))
        return inner(args, cwd, log_tail)

    monkeypatch.setattr(checkrun, "run_asv", recording)
    return calls


def test_undecided_rows_are_rerun_alone_with_more_rounds(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkrun, "DEFAULT_REPEAT", 2)
    check = make_check(tmp_path, "0.67.0", "0.68.1", bench=[r"time_(regressed|bimodal|small_shift)$"],
                       confirm=2, confirm_rounds=4)
    fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"})
    calls = _record_asv_calls(monkeypatch)
    check.run()
    capsys.readouterr()
    report = json.loads(_one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.json").read_text())
    confirmed = [r for r in report["rows"] if "confirmation round" in r["detail"]]
    # bimodal (1.13x, noisy) stays undecided, small_shift (1.05x) is close to the factor: both are re-run
    assert {r["benchmark"] for r in confirmed} == {"cases.Cases.time_bimodal", "cases.Cases.time_small_shift"}
    # the first pass, then one stage per allowed look, each selecting exactly the rows still open
    assert len(calls) == 3 and "--append-samples" not in calls[0]
    for call in calls[1:]:
        assert "--append-samples" in call and "rounds=4" in call
        selected = [call[i + 1] for i, a in enumerate(call) if a == "--bench"]
        assert selected and all(s.startswith("^cases\\.Cases\\.") for s in selected)
        assert not any("time_regressed" in s for s in selected)  # decided in the first pass: not re-run
    assert [st["stage"] for st in report["confirmation"]] == [1, 2]
    assert report["settings"]["looks"] == 3
    assert all("after 8 confirmation round(s)" in r["detail"] for r in confirmed)
    md = _one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.md").read_text()
    assert "## Confirmation" in md and "shared by the first pass and up to 2 confirmation stage(s)" in md


def test_confirmation_off_is_one_pass_at_the_full_alpha(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(checkrun, "DEFAULT_REPEAT", 2)
    check = make_check(tmp_path, "0.67.0", "0.68.1", bench=[r"time_(regressed|bimodal)$"], confirm=0)
    fake_asv(monkeypatch, check, {"baseline": SYN / "baseline.json", "candidate": SYN / "candidate.json"})
    calls = _record_asv_calls(monkeypatch)
    check.run()
    capsys.readouterr()
    report = json.loads(_one(tmp_path / "out", "release-check-0.67.0-vs-0.68.1-*.json").read_text())
    assert len(calls) == 1 and report["confirmation"] == [] and report["settings"]["looks"] == 1
    assert check.alpha_per_look == check.alpha


def test_needs_confirmation_rule():
    from kbench import stats
    f = 1.1
    assert stats.needs_confirmation(stats.UNDECIDED, 1.3, True, f)
    assert stats.needs_confirmation(stats.UNCHANGED, 1.06, True, f)  # beyond sqrt(1.1) = 1.049
    assert not stats.needs_confirmation(stats.UNCHANGED, 1.02, True, f)
    assert not stats.needs_confirmation(stats.REGRESSION, 1.5, True, f)
    assert not stats.needs_confirmation(stats.UNDECIDED, 1.3, False, f)  # track_/peakmem_ rows never gate
    assert stats.alpha_per_look(0.01, 3) == pytest.approx(0.01 / 3)
    with pytest.raises(ValueError):
        stats.alpha_per_look(0.01, 0)


def test_a_release_of_the_matrix_keeps_the_matrixs_own_pins():
    """0.58.1 needs NumPy 1.x: the matrix pairs it with 1.26.4, and a check of 0.58.1 asks pip for exactly
    that instead of failing on the first NumPy of the list and relaxing every pin."""
    conf = json.loads((REPO / "asv.conf.json").read_text())
    asked = []

    def strict(reqs, python):
        asked.append(list(reqs))
        numba = next(r.split("==")[1] for r in reqs if r.startswith("numba=="))
        if numba == "0.58.1" and "numpy==1.26.4" not in reqs:
            raise pypi.PackageIndexError("numba 0.58.1 needs numpy<1.27")
        return {"numba": numba, "llvmlite": "0.41.1", "numpy": "1.26.4", "scipy": "1.17.1"}

    side = release_sides.side_requirements("baseline", "0.58.1", conf, "3.11", strict)
    assert side.resolved_by == "pip" and side.requirements["numpy"] == "1.26.4" and not side.notes
    assert asked == [["numba==0.58.1", "numpy==1.26.4", "scipy==1.17.1"]]
    assert release_sides.matrix_pins(conf, "0.57.1", "3.11") is None  # not in the matrix: first values
    assert release_sides.matrix_pins(BASE_CONFIG, "0.68.1", "3.11") is None  # two llvmlites: ambiguous
