"""kbench.watch: picking the next Numba release to check, the state file, the issue text. No network."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kbench import pypi, versions, watch

# A made-up slice of Numba's history, deliberately out of order.
RELEASES = [
    "0.60.0",
    "0.61.0rc1",
    "0.61.0rc2",
    "0.61.0",
    "0.61.2",
    "0.62.0rc1",
    "0.59.1",
    "0.62.0.dev0",
]


def fake_source(releases=RELEASES):
    calls = []

    def source():
        calls.append(1)
        return list(releases)

    source.calls = calls
    return source


def run(argv, capsys, source=None, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = watch.main([str(a) for a in argv], release_source=source)
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------------------------------- versions


def test_version_order_follows_pep440():
    ordered = [
        "0.9.10",
        "0.61.0",
        "0.62.0.dev1",
        "0.62.0a1",
        "0.62.0b2",
        "0.62.0rc1",
        "0.62.0rc2",
        "0.62.0",
        "0.62.0.post1",
        "0.62.1rc1",
        "1.0",
    ]
    shuffled = ordered[5:] + ordered[:5]
    assert sorted(shuffled, key=versions.parse) == ordered
    assert versions.same_version("0.62", "0.62.0")


@pytest.mark.parametrize("text", ["0.61.0", "0.62.0rc1", "1.0.dev3", "0.60.0.post1"])
def test_valid_versions(text):
    assert versions.is_valid(text)


@pytest.mark.parametrize("text", ["", "latest", "0.61.0 -->", "0.61; rm -rf /", "0.61.0\n<!--"])
def test_invalid_versions_are_refused(text):
    assert not versions.is_valid(text)
    with pytest.raises(watch.WatchError):
        watch.marker(text)


def test_prerelease_detection():
    assert versions.is_prerelease("0.62.0rc1")
    assert versions.is_prerelease("0.62.0.dev0")
    assert not versions.is_prerelease("0.61.2")
    assert not versions.is_prerelease("0.61.2.post1")


# ----------------------------------------------------------------------------------------- next


def test_next_is_newest_including_prereleases():
    assert watch.next_unchecked(RELEASES, []) == "0.62.0rc1"


def test_next_without_prereleases():
    assert watch.next_unchecked(RELEASES, [], pre=False) == "0.61.2"


def test_next_skips_checked_versions_and_walks_back():
    assert watch.next_unchecked(RELEASES, ["0.62.0rc1"]) == "0.62.0.dev0"
    assert watch.next_unchecked(RELEASES, ["0.62.0rc1", "0.62.0.dev0", "0.61.2"]) == "0.61.0"


def test_next_nothing_when_everything_checked():
    assert watch.next_unchecked(RELEASES, RELEASES) is None
    assert watch.next_unchecked([], []) is None


def test_next_respects_minimum():
    assert watch.next_unchecked(RELEASES, ["0.62.0rc1", "0.62.0.dev0"], minimum="0.62") is None


def test_next_ignores_junk_in_the_release_list(capsys):
    assert watch.next_unchecked(["0.61.0", "not-a-version"], []) == "0.61.0"
    assert "not-a-version" in capsys.readouterr().err


def test_next_cli_uses_injected_source_and_state(tmp_path, capsys):
    state = tmp_path / "checked.json"
    source = fake_source()
    rc, out, _ = run(["next", "--state", state], capsys, source)
    assert (rc, out) == (0, "0.62.0rc1\n")
    assert source.calls  # the injected source was used, not the network

    state.write_text(json.dumps({"checked": [{"version": v} for v in RELEASES]}))
    rc, out, _ = run(["next", "--state", state], capsys, fake_source())
    assert (rc, out) == (0, "")


def test_next_cli_no_pre(tmp_path, capsys):
    rc, out, _ = run(["next", "--state", tmp_path / "s.json", "--no-pre"], capsys, fake_source())
    assert out == "0.61.2\n"


def test_next_cli_releases_file(tmp_path, capsys):
    listing = tmp_path / "releases.txt"
    listing.write_text("# from somewhere\n0.61.0\n0.61.1  # patch\n")
    rc, out, _ = run(["next", "--state", tmp_path / "s.json", "--releases-file", listing], capsys)
    assert out == "0.61.1\n"
    listing.write_text(json.dumps(["0.61.0", {"version": "0.63.0rc1"}]))
    rc, out, _ = run(["next", "--state", tmp_path / "s.json", "--releases-file", listing], capsys)
    assert out == "0.63.0rc1\n"


def test_parse_pip_index_output():
    text = (
        "WARNING: pip index is currently an experimental command.\n"
        "numba (0.62.0rc1)\n"
        "Available versions: 0.62.0rc1, 0.61.2, 0.61.0\n"
        "  INSTALLED: 0.61.2\n"
    )
    assert pypi.parse_pip_index_output(text) == ["0.62.0rc1", "0.61.2", "0.61.0"]
    assert pypi.parse_pip_index_output("ERROR: No matching distribution found for numba") == []


def test_an_unreachable_index_is_one_line(monkeypatch, capsys):
    class Offline:
        def __init__(self, package):
            assert package == "numba"

        def releases(self, pre=False):
            raise pypi.PackageIndexError("no network")

    monkeypatch.setattr(pypi, "ReleaseIndex", Offline)
    with pytest.raises(watch.WatchError, match="no network"):
        watch.default_release_source()


def test_real_kbench_pypi_is_used_with_a_fake_fetcher(monkeypatch, tmp_path):
    pypi = pytest.importorskip("kbench.pypi")
    real = pypi.ReleaseIndex

    def offline(package="numba", **kwargs):
        kwargs.update(fetch=lambda pkg: ["0.60.0", "0.61.0rc1", "0.61.0", "0.62.0.dev1"], cache_dir=None)
        return real(package, **kwargs)

    monkeypatch.setattr(pypi, "ReleaseIndex", offline)
    assert watch.default_release_source() == ["0.60.0", "0.61.0rc1", "0.61.0"]
    assert watch.next_unchecked(watch.default_release_source(), ["0.61.0"]) == "0.61.0rc1"


# ----------------------------------------------------------------------------------------- mark


def test_mark_records_and_keeps_history(tmp_path, capsys):
    state = tmp_path / "release-checks" / "checked.json"
    rc, _, _ = run(
        ["mark", "0.61.0", "--state", state, "--outcome", "no-regression", "--report", "r/0.61.0.txt",
         "--date", "2025-01-02T03:04:05+00:00"],
        capsys,
    )
    assert rc == 0
    rc, _, _ = run(["mark", "0.62.0rc1", "--state", state, "--outcome", "regression", "--report", "r/rc1.txt"], capsys)
    rc, _, _ = run(["mark", "0.61.0", "--state", state, "--outcome", "broken"], capsys)
    data = json.loads(state.read_text())
    assert [e["version"] for e in data["checked"]] == ["0.61.0", "0.62.0rc1", "0.61.0"]
    first = data["checked"][0]
    assert first == {
        "version": "0.61.0",
        "outcome": "no-regression",
        "date": "2025-01-02T03:04:05+00:00",
        "report": "r/0.61.0.txt",
    }
    assert data["checked"][1]["date"]  # filled in
    assert state.read_text().endswith("\n")


def test_mark_keeps_unknown_fields_and_old_entries(tmp_path, capsys):
    state = tmp_path / "checked.json"
    state.write_text(json.dumps({"note": "keep me", "checked": [{"version": "0.50.0", "extra": 1}, "0.49.0"]}))
    rc, _, _ = run(["mark", "0.51.0", "--state", state, "--outcome", "no-regression"], capsys)
    assert rc == 0
    data = json.loads(state.read_text())
    assert data["note"] == "keep me"
    assert data["checked"][0] == {"version": "0.50.0", "extra": 1}
    assert data["checked"][1] == {"version": "0.49.0"}
    assert data["checked"][2]["version"] == "0.51.0"
    # and next now knows all three
    assert watch.next_unchecked(["0.49.0", "0.50.0", "0.51.0"], watch.checked_versions(data)) is None


def test_mark_per_runner(tmp_path, capsys):
    state = tmp_path / "checked.json"
    rc, _, _ = run(
        ["mark", "0.62.0rc1", "--state", state,
         "--outcome", "cpu=no-regression", "--outcome", "gpu=broken",
         "--report", "cpu=results/a-cpu.txt", "--report", "gpu=results/a-gpu.txt"],
        capsys,
    )
    assert rc == 0
    entry = json.loads(state.read_text())["checked"][0]
    assert entry["outcome"] == "broken"
    assert entry["runners"] == {"cpu": "no-regression", "gpu": "broken"}
    assert entry["report"] == {"cpu": "results/a-cpu.txt", "gpu": "results/a-gpu.txt"}


def test_mark_rejects_bad_input(tmp_path, capsys):
    state = tmp_path / "checked.json"
    rc, _, err = run(["mark", "0.61.0", "--state", state, "--outcome", "slower"], capsys)
    assert rc == 2 and "unknown outcome" in err
    rc, _, err = run(["mark", "nope", "--state", state, "--outcome", "broken"], capsys)
    assert rc == 2 and "not a release version" in err
    assert not state.exists()
    state.write_text("{not json")
    rc, _, err = run(["mark", "0.61.0", "--state", state, "--outcome", "broken"], capsys)
    assert rc == 2 and "not valid JSON" in err
    assert state.read_text() == "{not json"  # left alone


# -------------------------------------------------------------------------------------- outcome


@pytest.mark.parametrize(
    "outcomes, expected",
    [
        (["no-regression", "no-regression"], "no-regression"),
        (["no-regression", "regression"], "regression"),
        (["broken", "no-regression"], "broken"),
        (["broken", "regression"], "regression"),
        ([], "broken"),
    ],
)
def test_overall_outcome(outcomes, expected, capsys):
    assert watch.overall_outcome(outcomes) == expected
    rc, out, _ = run(["overall", *outcomes], capsys)
    assert (rc, out) == (0, expected + "\n")


# ---------------------------------------------------------------------------------------- issue


def test_issue_body_has_marker_and_report(tmp_path, capsys):
    report = tmp_path / "report.txt"
    report.write_text("kernel  before  after  ratio\nsumsq   1.0ms   1.5ms  1.50\n")
    rc, out, _ = run(["issue-body", "0.62.0rc1", "--report", report, "--outcome", "regression"], capsys)
    assert rc == 0
    assert out.startswith("<!-- numba-release-check: 0.62.0rc1 -->\n")
    assert "Outcome: regression" in out
    assert "sumsq   1.0ms   1.5ms  1.50" in out
    assert out.count("```") == 2


def test_issue_body_per_runner_and_missing_report(tmp_path, capsys):
    cpu = tmp_path / "cpu.md"
    cpu.write_text("| bench | ratio |\n| --- | --- |\n| sumsq | 1.01 |\n")
    rc, out, _ = run(
        ["issue-body", "0.62.0", "--report", f"cpu={cpu}", "--report", f"gpu={tmp_path / 'missing.txt'}",
         "--outcome", "cpu=no-regression", "--outcome", "gpu=broken", "--run-url", "https://example.invalid/run/1"],
        capsys,
    )
    assert rc == 0
    assert "Outcome: broken" in out
    assert "| cpu | no-regression |" in out and "| gpu | broken |" in out
    assert "| sumsq | 1.01 |" in out  # markdown goes in as it is
    assert "No report: the gpu check did not produce one" in out
    assert "https://example.invalid/run/1" in out


def test_issue_body_fences_backticks_and_truncates(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("```\ninner fence\n```\n" + "x" * 200_000)
    body = watch.render_issue_body("0.62.0", {"cpu": str(report)}, {"cpu": "no-regression"})
    assert len(body) <= watch.BODY_LIMIT
    assert "````text" in body  # a longer fence than the report's own
    assert "truncated" in body


def test_find_issue_by_marker(capsys, monkeypatch):
    issues = [
        {"number": 7, "body": "<!-- numba-release-check: 0.62.0 -->\nold"},
        {"number": 12, "body": "<!-- numba-release-check: 0.62.0rc1 -->\n..."},
        {"number": 3, "body": "mentions numba-release-check: 0.62.0rc1 but not as the marker"},
        {"number": 15, "body": "<!-- numba-release-check: 0.62.0rc1 -->\nduplicate from long ago"},
        {"number": 20, "body": None},
    ]
    assert watch.find_issue(issues, "0.62.0rc1") == 12
    assert watch.find_issue(issues, "0.62.0") == 7
    assert watch.find_issue(issues, "0.62.0rc2") is None

    rc, out, _ = run(["find-issue", "0.62.0rc1"], capsys, stdin=json.dumps(issues), monkeypatch=monkeypatch)
    assert (rc, out) == (0, "12\n")
    rc, out, _ = run(["find-issue", "0.63.0"], capsys, stdin="[]", monkeypatch=monkeypatch)
    assert (rc, out) == (0, "")
    rc, out, err = run(["find-issue", "0.63.0"], capsys, stdin="oops", monkeypatch=monkeypatch)
    assert rc == 2 and "not JSON" in err


def test_issue_body_round_trips_through_find_issue(tmp_path):
    body = watch.render_issue_body("0.61.0rc2", {"cpu": None}, {"cpu": "broken"})
    assert watch.find_issue([{"number": 1, "body": body}], "0.61.0rc2") == 1
    assert watch.find_issue([{"number": 1, "body": body}], "0.61.0") is None


def test_module_runs_as_script(tmp_path):
    import subprocess

    listing = tmp_path / "r.txt"
    listing.write_text("0.1.0\n")
    src = Path(watch.__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, "-m", "kbench.watch", "next", "--state", str(tmp_path / "s.json"), "--releases-file", str(listing)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "0.1.0\n"


def test_markdown_report_cut_inside_a_code_block_is_closed(tmp_path):
    report = tmp_path / "r.md"
    report.write_text("# Report\n\n```text\n" + "line\n" * 30_000 + "```\n\nafter\n")
    body = watch.render_issue_body("0.62.0", {"cpu": str(report)}, {"cpu": "broken"})
    assert len(body) <= watch.BODY_LIMIT
    assert "truncated" in body
    fences = [line for line in body.splitlines() if line.lstrip().startswith("```")]
    assert len(fences) % 2 == 0


def test_kbench_watch_is_a_subcommand_like_the_others(capsys):
    from kbench import cli

    assert cli.main(["watch", "overall", "no-regression", "broken"]) == 0
    assert capsys.readouterr().out == "broken\n"
    assert cli.main(["watch", "overall", "sideways"]) == 2
    assert "kbench.watch overall: unknown outcome" in capsys.readouterr().err
