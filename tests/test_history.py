"""``kbench history``: a chain of releases in one run, each consecutive pair judged by the release-check rule.

asv is replaced by recorded result files (the synthetic fixtures of test_release): the first two releases get
the same recorded results (an A/A pair), the third the candidate fixture, which holds two real regressions.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from kbench import checkrun, cli, compare, history, pypi, report, stats

REPO = Path(__file__).resolve().parents[1]
SYN = Path(__file__).resolve().parent / "data" / "synthetic"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CHAIN = ["0.66.0", "0.67.0", "0.68.1"]
FIXTURES = {"0.66.0": SYN / "baseline.json", "0.67.0": SYN / "baseline.json", "0.68.1": SYN / "candidate.json"}
LLVMLITE = {"0.66.0": "0.48.0", "0.67.0": "0.49.0", "0.68.1": "0.50.0"}
CONFIG = {
    "version": 1, "project": "numba-kernel-bench", "repo": ".", "dvcs": "git", "branches": ["main"],
    "environment_type": "virtualenv", "env_dir": ".asv/env", "benchmark_dir": "benchmarks",
    "results_dir": "results", "html_dir": "html",
    "matrix": {"req": {"numba": ["0.68.1", "0.66.0", "0.67.0"], "llvmlite": ["0.50.0", "0.48.0", "0.49.0"],
                       "numpy": ["2.4.6"], "scipy": ["1.17.1"]}},
}


def resolver(reqs, python):
    numba = next(r.split("==")[1] for r in reqs if r.startswith("numba=="))
    return {"numba": numba, "llvmlite": LLVMLITE[numba], "numpy": "2.4.6", "scipy": "1.17.1"}


def make_history(tmp_path, chain=CHAIN, **kw):
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps(CONFIG))
    return history.ReleaseHistory(repo=REPO, config_path=config, chain=list(chain),
                                  python=f"{sys.version_info[0]}.{sys.version_info[1]}",
                                  results_dir=tmp_path / "results", output_dir=tmp_path / "out",
                                  machine="fixture", resolver=resolver, **kw)


def fake_asv(monkeypatch, check, calls):
    names = [f"env-{v}" for v in check.chain]

    def run_asv(args, cwd, log_tail=80):
        calls.append(list(args))
        assert "--interleave-rounds" in args and f"repeat={check.samples_per_round}" in args
        out = check.results_dir / "fixture"
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(SYN / "benchmarks.json", check.results_dir / "benchmarks.json")
        for v, name in zip(check.chain, names):
            data = json.loads(FIXTURES[v].read_text())
            data["env_name"] = name
            for entry in data["results"].values():
                entry[3] = time.time() * 1000
            (out / f"{COMMIT[:8]}-{name}.json").write_text(json.dumps(data))
        return 0, ["asv output"]

    monkeypatch.setattr(checkrun, "DEFAULT_REPEAT", 2)  # the fixtures' 20 samples are 10 rounds of 2
    monkeypatch.setattr(checkrun, "run_asv", run_asv)
    monkeypatch.setattr(checkrun, "require_head", lambda repo: COMMIT)
    monkeypatch.setattr(checkrun, "ensure_machine", lambda name: "fixture")
    monkeypatch.setattr(checkrun, "asv_environments",
                        lambda path, n, py: (names[:n], [Path(f"/env/{v}") for v in check.chain[:n]]))
    monkeypatch.setattr(checkrun, "probe_environment",
                        lambda p: {"numba": Path(p).name, "llvmlite": "x", "numpy": "2.4.6"})


def test_one_run_one_environment_per_release_and_a_report_per_pair(tmp_path, monkeypatch, capsys):
    check = make_history(tmp_path, bench=[r"time_(regressed|improved|small_shift|bimodal)$", r"Kernel"])
    calls = []
    fake_asv(monkeypatch, check, calls)
    sides = check.sides(check.config())
    assert [s.numba for s in sides] == CHAIN and len({s.env_nobuild[checkrun.SIDE_ENV_VAR] for s in sides}) == 3
    status = check.run()
    out = capsys.readouterr()
    assert status == 1  # the second pair regressed
    stems = sorted(p.stem for p in (tmp_path / "out").glob("release-check-*.json"))
    assert stems == [f"release-check-0.66.0-vs-0.67.0-{check.run_id}", f"release-check-0.67.0-vs-0.68.1-{check.run_id}"]
    first = json.loads((tmp_path / "out" / f"{stems[0]}.json").read_text())
    second = json.loads((tmp_path / "out" / f"{stems[1]}.json").read_text())
    assert first["summary"].get(stats.REGRESSION, 0) == 0 and first["exit_status"] == 0  # A/A: nothing moved
    assert second["summary"][stats.REGRESSION] == 2 and second["exit_status"] == 1
    assert (first["baseline"]["version"], second["candidate"]["version"]) == ("0.66.0", "0.68.1")
    # alpha is shared by the two pairs and the three looks
    assert second["settings"]["pairs"] == 2 and check.alpha_per_look == pytest.approx(check.alpha / 6)
    assert all(r["q_value"] is None or r["adjustment"] == "holm" for r in second["rows"])
    summary = json.loads(next((tmp_path / "out").glob("history-0.66.0-to-0.68.1-*.json")).read_text())
    assert summary["kind"] == history.KIND and summary["releases"] == CHAIN
    assert [(p["baseline"], p["candidate"]) for p in summary["pairs"]] == [("0.66.0", "0.67.0"), ("0.67.0", "0.68.1")]
    assert summary["pairs"][0]["regressions"] == [] and len(summary["pairs"][1]["regressions"]) == 2
    assert summary["pairs"][1]["regressions"][0]["benchmark"].startswith("cases.")
    md = next((tmp_path / "out").glob("history-*.md")).read_text()
    assert md in out.out and "| 0.67.0 → 0.68.1 |" in md and "shared by the 2 release pairs" in md
    assert "`cases.Cases.time_regressed`" in md.split("| 0.67.0 → 0.68.1 |")[1]


def test_confirmation_reruns_the_open_rows_of_every_pair_once(tmp_path, monkeypatch, capsys):
    check = make_history(tmp_path, bench=[r"time_(regressed|bimodal|small_shift)$"], confirm=1, confirm_rounds=4)
    calls = []
    fake_asv(monkeypatch, check, calls)
    check.run()
    capsys.readouterr()
    assert len(calls) == 2 and "--append-samples" in calls[1]
    selected = [calls[1][i + 1] for i, a in enumerate(calls[1]) if a == "--bench"]
    assert selected and not any("time_regressed" in s for s in selected)  # decided: not re-run
    assert len(selected) == len(set(selected))  # a row open in two pairs is re-run once
    summary = json.loads(next((tmp_path / "out").glob("history-*.json")).read_text())
    assert summary["confirmation"][0]["stage"] == 1


def test_releases_default_to_the_matrix_oldest_first(tmp_path, monkeypatch):
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps(CONFIG))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    assert cli.COMMANDS["history"][0] == history.__name__
    history.configure(sub.add_parser("history"))
    monkeypatch.chdir(REPO)
    offline = pypi.ReleaseIndex("numba", fetch=lambda p: (_ for _ in ()).throw(pypi.PackageIndexError("x")),
                                cache_dir=None)
    check = history.ReleaseHistory.from_args(parser.parse_args(["history", "--config", str(config)]), index=offline)
    assert check.chain == CHAIN and (check.baseline, check.candidate) == ("0.66.0", "0.68.1")
    check = history.ReleaseHistory.from_args(parser.parse_args(
        ["history", "--config", str(config), "--releases", "0.68.1", "0.60.0"]), index=offline)
    assert check.chain == ["0.60.0", "0.68.1"]
    with pytest.raises(SystemExit):
        parser.parse_args(["history", "--releases", "zero"])


def test_a_chain_needs_two_distinct_releases(tmp_path):
    with pytest.raises(history.CheckError, match="at least two"):
        make_history(tmp_path, chain=["0.68.1"])
    with pytest.raises(history.CheckError, match="each release once"):
        make_history(tmp_path, chain=["0.68.1", "0.68.1"])


def test_the_matrix_of_the_repository_gives_at_least_ten_releases():
    conf = json.loads((REPO / "asv.conf.json").read_text())
    chain = history.matrix_releases(conf)
    assert len(chain) >= 10 and chain == sorted(chain, key=lambda v: tuple(int(x) for x in v.split(".")))


def test_render_history_says_not_tested_pairs_plainly():
    summary = {"releases": ["0.1.0", "0.2.0"], "commit": COMMIT, "machine": "m", "python": "3.11",
               "settings": {}, "pairs": [{"baseline": "0.1.0", "candidate": "0.2.0", "report": "r",
                                           "summary": {"compared": 0}, "regressions": [], "improvements": []}]}
    md = report.render_history(summary)
    assert "| 0.1.0 → 0.2.0 | none | none | 0 | 0 | 0 | 0 | [r](r.md) |" in md
