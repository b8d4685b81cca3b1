"""Exit statuses and option checks of the ``kbench`` command: a broken run exits 2, never 1 (1 means "found a
regression"); bad options are refused by argparse (exit 2) with a message naming the option and the value."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kbench import _options, cli, noise, release

REPO = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parent / "data" / "real"
SYN = Path(__file__).resolve().parent / "data" / "synthetic"
GOOD_RESULTS = REAL / "llvmlite0.49.0-numba0.67.0.json"


def _refused(capsys, argv):
    with pytest.raises(SystemExit) as info:
        cli.build_parser().parse_args(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("argv, option, value", [
    (["release-check", "--rounds", "0"], "--rounds", "0"),
    (["release-check", "--rounds", "-3"], "--rounds", "-3"),
    (["release-check", "--rounds", "two"], "--rounds", "two"),
    (["release-check", "--factor", "nan"], "--factor", "nan"),
    (["release-check", "--factor", "inf"], "--factor", "inf"),
    (["release-check", "--factor", "1.0"], "--factor", "1.0"),
    (["release-check", "--alpha", "7"], "--alpha", "7"),
    (["release-check", "--alpha", "0"], "--alpha", "0"),
    (["release-check", "--alpha", "nan"], "--alpha", "nan"),
    (["release-check", "--bench", "time_(kernel"], "--bench", "time_(kernel"),
    (["release-check", "--bench", "ok", "[unclosed"], "--bench", "[unclosed"),
    (["release-check", "--candidate", "foo"], "--candidate", "foo"),
    (["release-check", "--baseline", "0.6x"], "--baseline", "0.6x"),
    (["bisect", "--bench", "a.B.time_c", "--good", "foo", "--bad", "0.68.1"], "--good", "foo"),
    (["bisect", "--bench", "a.B.time_c", "--good", "0.67.0", "--bad", "bar"], "--bad", "bar"),
    (["bisect", "--bench", "a.B.time_c", "--good", "0.67.0", "--bad", "0.68.1", "--rounds", "0"], "--rounds", "0"),
    (["bisect", "--bench", "a.B.time_c", "--good", "0.67.0", "--bad", "0.68.1", "--alpha", "7"], "--alpha", "7"),
    (["noise", "a.json", "b.json", "--factor", "nan"], "--factor", "nan"),
    (["noise", "a.json", "b.json", "--factor", "0.5"], "--factor", "0.5"),
])
def test_bad_options_are_refused_naming_option_and_value(capsys, argv, option, value):
    err = _refused(capsys, argv)
    assert f"{option} {value!r}" in err, err
    assert "Traceback" not in err


def test_good_options_are_accepted_and_parsed():
    args = cli.build_parser().parse_args(["release-check", "--rounds", "3", "--factor", "1.2", "--alpha",
                                          "0.01", "--bench", "time_.*", "--candidate", "0.62.0-rc1"])
    assert (args.rounds, args.factor, args.alpha, args.bench) == (3, 1.2, 0.01, ["time_.*"])
    assert args.candidate == "0.62.0rc1"  # packaging's normal form
    assert _options.version("--good", " 0.61.0 ") == "0.61.0"


def test_rounds_zero_is_never_replaced_by_the_default(tmp_path, monkeypatch):
    """Built without the parser (a script, or bisect's reuse of the options): --rounds 0 still refused."""
    config = tmp_path / "asv.conf.json"
    config.write_text(json.dumps({"version": 1, "project": "p", "repo": ".", "results_dir": "results"}))
    monkeypatch.chdir(REPO)
    ns = cli.build_parser().parse_args(["release-check", "--config", str(config), "--baseline", "0.67.0",
                                        "--candidate", "0.68.1"])
    ns.rounds = 0
    monkeypatch.setattr(release, "check_on_index", lambda index, versions: None)
    with pytest.raises(release.CheckError, match="--rounds"):
        release.ReleaseCheck.from_args(ns)
    ns.rounds, ns.factor = None, math.nan
    with pytest.raises(release.CheckError, match="--factor"):
        release.ReleaseCheck.from_args(ns)
    ns.factor, ns.alpha = 1.1, 7.0
    with pytest.raises(release.CheckError, match="--alpha"):
        release.ReleaseCheck.from_args(ns)


# ---------------------------------------------------------------------------------------------------------------
# uncaught exceptions
# ---------------------------------------------------------------------------------------------------------------
def test_an_uncaught_exception_exits_2_with_one_line(monkeypatch, capsys):
    import kbench.catalogue

    def boom(args):
        raise RuntimeError("the results folder is on fire")

    monkeypatch.setattr(kbench.catalogue, "main", boom)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.main(["list"]) == 2
    err = capsys.readouterr().err
    assert "kbench list: error: RuntimeError: the results folder is on fire" in err
    assert "Traceback" not in err
    assert cli.main(["--debug", "list"]) == 2
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    assert cli.main(["list"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_ctrl_c_exits_2(monkeypatch, capsys):
    import kbench.catalogue

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(kbench.catalogue, "main", interrupted)
    assert cli.main(["list"]) == 2
    assert "kbench list: interrupted" in capsys.readouterr().err


def test_a_crash_exits_2_from_the_console_entry_point(tmp_path):
    """The real process: ``python -m kbench.cli`` on a damaged file exits 2, not Python's 1."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = subprocess.run([sys.executable, "-m", "kbench.cli", "noise", str(bad), str(GOOD_RESULTS)],
                         capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 2, out.stderr
    assert str(bad) in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------------------------------------------------------
# kbench noise on files it cannot use
# ---------------------------------------------------------------------------------------------------------------
def _damaged(tmp_path):
    cut = tmp_path / "cut.json"
    text = GOOD_RESULTS.read_text()
    cut.write_text(text[: len(text) // 2])  # a write interrupted midway
    folder = tmp_path / "folder"
    folder.mkdir()
    wrong = tmp_path / "benchmarks.json"
    shutil.copy(REAL / "benchmarks.json", wrong)  # JSON, but not a results file
    shaped = tmp_path / "shaped.json"
    shaped.write_text(json.dumps({"version": 2, "result_columns": ["result"], "results": {"a.time_b": 3}}))
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    return {"missing": tmp_path / "missing.json", "cut": cut, "folder": folder, "wrong": wrong,
            "shaped": shaped, "list": listed}


@pytest.mark.parametrize("kind", ["missing", "cut", "folder", "wrong", "shaped", "list"])
def test_noise_on_a_file_it_cannot_use_exits_2_naming_it(tmp_path, capsys, kind):
    path = _damaged(tmp_path)[kind]
    for argv in (["noise", str(path), str(GOOD_RESULTS)], ["noise", str(GOOD_RESULTS), str(path)]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("kbench noise: ") and str(path) in err, err
        assert "error:" not in err  # noise's own message, not the catch-all for crashes
    with pytest.raises(ValueError, match=str(path)):
        noise.measure_noise(str(path), str(GOOD_RESULTS))
