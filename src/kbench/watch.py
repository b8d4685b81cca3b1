"""Watch the package index for Numba releases and keep the record of which ones were checked.

Used by the ``numba-release-watch`` workflow; run it as ``kbench watch COMMAND``, or as
``python -m kbench.watch COMMAND`` where the project is not installed (the workflow's report job)::

    next               print the newest release (or pre-release) still to check, or nothing
    mark VERSION       append a check to the state file (earlier entries are never dropped)
    outcome            decide one runner's outcome from the release check's JSON report and exit status
    issue-body VERSION print the body of the GitHub issue for VERSION, with a hidden marker
    find-issue VERSION read ``gh issue list --json number,body`` from stdin, print the issue for VERSION
    overall OUTCOME... combine per-runner outcomes into one

Every command exits 0 when it did its job and 2 when it could not (bad input, a damaged state file, or any
other error, which is printed as one line).

The state file (``results/release-checks/checked.json`` by default) looks like::

    {"checked": [
      {"version": "0.62.0rc1", "outcome": "regression", "date": "2025-09-01T06:12:00+00:00",
       "report": {"cpu": "results/release-checks/cpu/....md", "gpu": "results/release-checks/gpu/....md"},
       "runners": {"cpu": "no-regression", "gpu": "regression"}}
    ]}

``report`` is a plain path when one unlabelled report was given, else a mapping label -> path;
``runners`` is there only when per-runner outcomes were given. Checking a version again appends
a new entry, so the file is a history.

A version is settled once one of its checks was not ``broken``. A broken check says nothing about
performance, so ``next`` offers the version again until it has ``max_broken_attempts`` broken
checks (a top-level key of the state file, written by ``mark``; default
:data:`DEFAULT_MAX_BROKEN_ATTEMPTS`); the issue says which attempt it was and whether another follows.

``outcome`` reads the JSON report that ``kbench release-check`` wrote: ``regression`` only when the
report is readable, says exit status 1 like the process did, lists no problems and holds at least
one gating regression; ``no-regression`` when both say 0 with no problems; anything else (a crash,
a missing or damaged report, a report that disagrees with the exit status) is ``broken``.

``--report`` and ``--outcome`` take either ``VALUE`` or ``LABEL=VALUE`` (the label names the
runner: ``cpu``, ``gpu``); both may be repeated.

The release list comes from :class:`kbench.pypi.ReleaseIndex` (final releases and release
candidates, no dev builds); versions are read with :mod:`kbench.versions`. ``next --releases-file`` or the ``release_source`` argument of :func:`main` replace it
(the tests do, so they need no network).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from . import _io, versions
from . import report as report_md

PACKAGE = "numba"
DEFAULT_STATE = Path("results") / "release-checks" / "checked.json"
OUTCOMES = ("regression", "no-regression", "broken")
MARKER_PREFIX = "numba-release-check:"
# how many broken checks of one version before the watcher stops offering it again
DEFAULT_MAX_BROKEN_ATTEMPTS = 3
MAX_ATTEMPTS_KEY = "max_broken_attempts"
REPORT_KIND = "kbench-release-check"
# GitHub refuses issue bodies over 65536 characters; stay well below.
BODY_LIMIT = 60000

ReleaseSource = Callable[[], Iterable[str]]

class WatchError(Exception):
    """A problem the user should see as one line, not a traceback."""


def _clean_version(text: str) -> str:
    text = str(text).strip()
    if not versions.is_valid(text):
        raise WatchError(f"not a release version: {text!r}")
    return text


# --------------------------------------------------------------------------------- release source


def default_release_source() -> list[str]:
    """Every Numba release and pre-release per :class:`kbench.pypi.ReleaseIndex` (which asks pip and caches
    the answer for an hour)."""
    from . import pypi

    try:
        return [str(v) for v in pypi.ReleaseIndex(PACKAGE).releases(pre=True)]
    except pypi.PackageIndexError as exc:
        raise WatchError(str(exc)) from None


def releases_from_file(path: Path) -> list[str]:
    """A JSON list of versions, or one version per line (``#`` starts a comment)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]
    if not isinstance(data, list):
        raise WatchError(f"{path}: expected a JSON list of versions")
    return [str(item["version"]) if isinstance(item, dict) else str(item) for item in data]


# ------------------------------------------------------------------------------------------ state


def load_state(path: Path) -> dict:
    path = Path(path)
    if not path.exists():
        return {"checked": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except json.JSONDecodeError as exc:
        raise WatchError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(data, list):  # a bare list of entries is accepted too
        data = {"checked": data}
    if not isinstance(data, dict):
        raise WatchError(f"{path}: expected a JSON object with a 'checked' list")
    checked = data.setdefault("checked", [])
    if not isinstance(checked, list):
        raise WatchError(f"{path}: 'checked' must be a list")
    for i, entry in enumerate(checked):
        if isinstance(entry, str):  # a bare version string counts as checked with no details
            checked[i] = {"version": entry}
        elif not isinstance(entry, dict) or "version" not in entry:
            raise WatchError(f"{path}: entry {i} has no 'version'")
    limit = data.get(MAX_ATTEMPTS_KEY, DEFAULT_MAX_BROKEN_ATTEMPTS)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise WatchError(f"{path}: {MAX_ATTEMPTS_KEY!r} must be a whole number of at least 1, not {limit!r}")
    return data


def save_state(path: Path, state: dict) -> None:
    """Write the state file atomically (:func:`kbench._io.atomic_write_json`): never half-written."""
    _io.atomic_write_json(path, state)


def checked_versions(state: dict) -> list[str]:
    """Every version with at least one entry, whatever its outcome."""
    return [str(entry["version"]) for entry in state.get("checked", [])]


def max_broken_attempts(state: dict) -> int:
    return int(state.get(MAX_ATTEMPTS_KEY, DEFAULT_MAX_BROKEN_ATTEMPTS))


def completed_before(state: dict, version: str) -> bool:
    """Whether a check of ``version`` that was not broken is recorded (then it is never offered again)."""
    return any(versions.same_version(str(entry["version"]), version) and entry.get("outcome") != "broken"
               for entry in state.get("checked", []))


def retry_status(state: dict, version: str) -> tuple[int, int, bool]:
    """(broken checks of ``version``, the bound, whether a completed check exists), for the issue text."""
    return broken_attempts(state, version), max_broken_attempts(state), completed_before(state, version)


def broken_attempts(state: dict, version: str) -> int:
    """How many checks of ``version`` the state records as broken."""
    return sum(1 for entry in state.get("checked", [])
               if versions.same_version(str(entry["version"]), version) and entry.get("outcome") == "broken")


def settled_versions(state: dict) -> list[str]:
    """The versions ``next`` no longer offers: one check was not broken (an entry without an outcome, from
    an older state file, counts as such), or the broken checks reached :func:`max_broken_attempts`."""
    limit = max_broken_attempts(state)
    broken: dict[str, int] = {}
    settled: list[str] = []
    for entry in state.get("checked", []):
        version = str(entry["version"])
        if entry.get("outcome") == "broken":
            broken[version] = broken.get(version, 0) + 1
            if broken[version] >= limit:
                settled.append(version)
        else:
            settled.append(version)
    return list(dict.fromkeys(settled))


def next_unchecked(
    releases: Iterable[str],
    checked: Iterable[str],
    *,
    pre: bool = True,
    minimum: str | None = None,
) -> str | None:
    """The newest version in ``releases`` that is not in ``checked``; ``None`` when there is none."""
    releases = [str(raw).strip() for raw in releases]
    for version in releases:
        if not versions.is_valid(version):
            print(f"kbench.watch: ignoring {version!r}, not a release version", file=sys.stderr)
    return versions.newest(releases, pre=pre, exclude=checked, minimum=minimum)


def overall_outcome(outcomes: Iterable[str]) -> str:
    """One outcome for several runners: a regression anywhere wins, then a broken run, else none.

    No outcomes at all (every check job lost) is ``broken``.
    """
    seen = [check_outcome(o) for o in outcomes]
    if not seen:
        return "broken"
    for outcome in ("regression", "broken"):
        if outcome in seen:
            return outcome
    return "no-regression"


def check_outcome(text: str) -> str:
    value = str(text).strip().lower()
    if value not in OUTCOMES:
        raise WatchError(f"unknown outcome {text!r}; expected one of {', '.join(OUTCOMES)}")
    return value


def _split_labelled(values: Sequence[str] | None) -> tuple[list[str], dict[str, str]]:
    """``['a', 'cpu=b']`` -> ``(['a'], {'cpu': 'b'})``."""
    plain, labelled = [], {}
    for value in values or []:
        m = re.match(r"^([A-Za-z0-9_.-]+)=(.*)$", value)
        if m and "/" not in m.group(1):
            labelled[m.group(1)] = m.group(2)
        else:
            plain.append(value)
    return plain, labelled


def mark(
    state: dict,
    version: str,
    outcome: str | None,
    reports: Sequence[str] | None = None,
    *,
    runners: Mapping[str, str] | None = None,
    date: str | None = None,
) -> dict:
    """Append a check of ``version`` to ``state`` and return the new entry."""
    version = _clean_version(version)
    runners = {label: check_outcome(o) for label, o in (runners or {}).items()}
    outcome = check_outcome(outcome) if outcome else overall_outcome(runners.values())
    plain, labelled = _split_labelled(reports)
    entry: dict = {
        "version": version,
        "outcome": outcome,
        "date": date or datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if len(plain) == 1 and not labelled:
        entry["report"] = plain[0]
    elif plain or labelled:
        named = {Path(p).stem: p for p in plain}
        named.update(labelled)
        entry["report"] = named
    if runners:
        entry["runners"] = runners
    state.setdefault(MAX_ATTEMPTS_KEY, DEFAULT_MAX_BROKEN_ATTEMPTS)  # the retry bound lives in the state
    state.setdefault("checked", []).append(entry)
    return entry


# ---------------------------------------------------------------------------------------- outcome


def report_outcome(exit_code: int | None, report_path: str | Path | None) -> tuple[str, str]:
    """One runner's outcome and the reason, from ``kbench release-check``'s exit status and JSON report.

    The exit status alone is not trusted: Python exits 1 on an uncaught exception too. ``regression`` needs
    exit status 1 *and* a readable report of that kind that says exit status 1, lists no problems and holds a
    gating regression; ``no-regression`` needs 0 on both sides and no problems. Everything else is
    ``broken``.
    """
    if exit_code not in (0, 1):
        return "broken", f"kbench release-check exited with {exit_code}"
    if not report_path:
        return "broken", f"exit status {exit_code} but no JSON report"
    path = Path(report_path)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "broken", f"exit status {exit_code} but no JSON report at {path}"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return "broken", f"the JSON report {path} cannot be read ({exc})"
    if not isinstance(report, dict) or report.get("kind") != REPORT_KIND:
        return "broken", f"{path} is not a release-check report"
    status = report.get("exit_status")
    if status != exit_code:
        return "broken", f"the report says exit status {status!r}, the process exited with {exit_code}"
    if report.get("problems"):
        return "broken", f"the report lists {len(report['problems'])} problem(s)"
    if exit_code == 0:
        return "no-regression", "exit status 0 and a clean report"
    rows = report.get("rows") if isinstance(report.get("rows"), list) else []
    gating = [r for r in rows if isinstance(r, dict) and r.get("gates")]
    if not gating:
        return "broken", "exit status 1 but the report holds no gating regression"
    return "regression", f"{len(gating)} gating regression(s) in the report"


# ------------------------------------------------------------------------------------------ issue


def marker(version: str) -> str:
    return f"<!-- {MARKER_PREFIX} {_clean_version(version)} -->"


def render_issue_body(
    version: str,
    reports: Mapping[str, str | None],
    outcomes: Mapping[str, str] | None = None,
    *,
    overall: str | None = None,
    run_url: str | None = None,
    attempts: tuple[int, int, bool] | None = None,
    limit: int = BODY_LIMIT,
) -> str:
    """The issue text for ``version``.

    ``reports`` maps a runner label to a report file (``None`` or a missing file: no report);
    ``outcomes`` maps the same labels to outcomes. Markdown reports (``.md``) go in as they are,
    anything else in a code block; each is cut so the body stays under ``limit`` characters.
    ``attempts`` is :func:`retry_status` (broken checks recorded for the version, the most the watcher
    makes, whether a check of it completed): the issue then says whether the watcher will check it again.
    """
    version = _clean_version(version)
    outcomes = {label: check_outcome(o) for label, o in (outcomes or {}).items()}
    overall = check_outcome(overall) if overall else overall_outcome(outcomes.values()) if outcomes else None

    return report_md.render_issue_body(marker(version), version, reports, outcomes, overall, run_url=run_url,
                                       attempts=attempts, limit=limit)


def find_issue(issues: Iterable[Mapping], version: str) -> int | None:
    """The number of the oldest issue whose body carries the marker for ``version``."""
    wanted = marker(version)
    numbers = [
        int(issue["number"])
        for issue in issues
        if isinstance(issue, Mapping) and wanted in str(issue.get("body") or "")
    ]
    return min(numbers) if numbers else None


# -------------------------------------------------------------------------------------------- CLI


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m kbench.watch`` (the same commands as ``kbench watch``)."""
    parser = argparse.ArgumentParser(prog="python -m kbench.watch", description=DESCRIPTION)
    configure(parser)
    return parser


DESCRIPTION = "Numba release watch: what to check next, and the record of checks"


def configure(parser: argparse.ArgumentParser) -> None:
    """The watcher's commands, under ``kbench watch`` or ``python -m kbench.watch``."""
    sub = parser.add_subparsers(dest="watch_command", metavar="COMMAND")
    sub.required = True

    def state_option(p):
        p.add_argument("--state", type=Path, default=DEFAULT_STATE, help=f"state file (default {DEFAULT_STATE})")

    p = sub.add_parser("next", help="print the newest release still to check: never checked, or only broken checks "
                                    "and fewer than max_broken_attempts of them (nothing if none)")
    state_option(p)
    p.add_argument(
        "--pre",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="consider pre-releases and release candidates too (default: yes)",
    )
    p.add_argument("--min-version", help="ignore releases older than this")
    p.add_argument("--releases-file", type=Path, help="read the release list from this file instead of the index")

    p = sub.add_parser("mark", help="record a check of VERSION in the state file")
    p.add_argument("version")
    state_option(p)
    p.add_argument(
        "--outcome",
        action="append",
        required=True,
        help=f"one of {', '.join(OUTCOMES)}; or LABEL=OUTCOME per runner (repeatable)",
    )
    p.add_argument("--report", action="append", help="report file, or LABEL=PATH (repeatable)")
    p.add_argument("--date", help="ISO date of the check (default: now, UTC)")

    p = sub.add_parser("outcome", help="one runner's outcome from kbench release-check's JSON report and exit status")
    p.add_argument("--exit-code", type=int, required=True, help="the exit status of kbench release-check")
    p.add_argument("--report", help="the JSON report it wrote (release-check-<a>-vs-<b>-<run id>.json); empty: none")

    p = sub.add_parser("issue-body", help="print the issue body for VERSION")
    p.add_argument("version")
    p.add_argument("--state", type=Path, help="state file: say which broken attempt this was and whether "
                                              "another follows")
    p.add_argument("--report", action="append", help="report file, or LABEL=PATH (repeatable)")
    p.add_argument("--outcome", action="append", help="OUTCOME, or LABEL=OUTCOME per runner (repeatable)")
    p.add_argument("--run-url", help="link to the workflow run")

    p = sub.add_parser("find-issue", help="read gh issue list --json number,body from stdin; print the issue for VERSION")
    p.add_argument("version")
    p.add_argument("--issues-json", type=Path, help="read the issue list from this file instead of stdin")

    p = sub.add_parser("overall", help="combine per-runner outcomes into one")
    p.add_argument("outcomes", nargs="*")


def _outcome_args(values: Sequence[str] | None) -> tuple[str | None, dict[str, str]]:
    plain, labelled = _split_labelled(values)
    if len(plain) > 1:
        raise WatchError("give one overall --outcome; label the others as LABEL=OUTCOME")
    return (check_outcome(plain[0]) if plain else None), {k: check_outcome(v) for k, v in labelled.items()}


def main(argv: Sequence[str] | argparse.Namespace | None = None, release_source: ReleaseSource | None = None) -> int:
    """Run one watcher command: ``argv`` is the command line of ``python -m kbench.watch``, or the options
    ``kbench watch`` parsed. ``release_source`` replaces the package index (the tests use it)."""
    args = argv if isinstance(argv, argparse.Namespace) else build_parser().parse_args(argv)
    command = args.watch_command
    try:
        if command == "next":
            if args.releases_file is not None:
                releases = releases_from_file(args.releases_file)
            else:
                releases = list((release_source or default_release_source)())
            found = next_unchecked(
                releases,
                settled_versions(load_state(args.state)),
                pre=args.pre,
                minimum=_clean_version(args.min_version) if args.min_version else None,
            )
            if found:
                print(found)
            return 0

        if command == "mark":
            overall, runners = _outcome_args(args.outcome)
            state = load_state(args.state)
            entry = mark(state, args.version, overall, args.report, runners=runners, date=args.date)
            save_state(args.state, state)
            note = ""
            if entry["outcome"] == "broken":
                broken, limit = broken_attempts(state, entry["version"]), max_broken_attempts(state)
                again = broken < limit and not completed_before(state, entry["version"])
                note = f" (broken check {broken} of at most {limit}" + (
                    "; it will be offered again)" if again else "; no more automatic attempts)")
            print(f"{args.state}: {entry['version']} {entry['outcome']}{note}", file=sys.stderr)
            return 0

        if command == "outcome":
            outcome, reason = report_outcome(args.exit_code, args.report)
            print(f"kbench.watch outcome: {outcome}: {reason}", file=sys.stderr)
            print(outcome)
            return 0

        if command == "issue-body":
            overall, runners = _outcome_args(args.outcome)
            plain, labelled = _split_labelled(args.report)
            reports: dict[str, str | None] = {}
            for path in plain:
                reports[Path(path).stem if (len(plain) > 1 or labelled) else "report"] = path
            reports.update(labelled)
            for label in runners:
                reports.setdefault(label, None)
            attempts = None
            if args.state is not None:
                state = load_state(args.state)
                attempts = retry_status(state, args.version)
            sys.stdout.write(
                render_issue_body(args.version, reports, runners, overall=overall, run_url=args.run_url,
                                  attempts=attempts)
            )
            return 0

        if command == "find-issue":
            raw = args.issues_json.read_text(encoding="utf-8") if args.issues_json else sys.stdin.read()
            try:
                issues = json.loads(raw or "[]")
            except json.JSONDecodeError as exc:
                raise WatchError(f"issue list is not JSON ({exc})") from None
            if not isinstance(issues, list):
                raise WatchError("issue list must be a JSON list (gh issue list --json number,body)")
            number = find_issue(issues, args.version)
            if number is not None:
                print(number)
            return 0

        if command == "overall":
            print(overall_outcome(args.outcomes))
            return 0
    except WatchError as exc:
        print(f"kbench.watch {command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kbench.watch {command}: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - any crash is a broken run: exit 2, never Python's 1
        print(f"kbench.watch {command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    raise AssertionError(command)  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
