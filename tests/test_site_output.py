"""``kbench site`` refuses an html folder that would be emptied over the results or the repository (asv
publish clears its output folder first; the kernel views replace <html>/kbench)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kbench import cli, site


def _repo(tmp_path):
    repo = tmp_path / "repo"
    results = repo / "results"
    (results / "m").mkdir(parents=True)
    (results / "m" / "0123abcd-env.json").write_text('{"version": 2}')
    config = repo / "asv.conf.json"
    config.write_text(json.dumps({"version": 1, "project": "p", "repo": ".", "results_dir": "results",
                                  "html_dir": "html"}))
    return repo, results, config


def _files(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("html, why", [
    ("results", "is the results folder"),
    ("results/m", "is inside the results folder"),
    ("results/site", "is inside the results folder"),
    (".", "holds the results folder"),
    ("..", "holds the results folder"),
])
def test_site_refuses_an_html_folder_over_results_or_repository(tmp_path, capsys, html, why):
    repo, results, config = _repo(tmp_path)
    before = _files(repo)
    target = (repo / html)
    assert cli.main(["site", "--config", str(config), "--results-dir", str(results), "--html-dir",
                     str(target)]) == 2
    err = capsys.readouterr().err
    assert why in err and "--html-dir" in err, err
    assert _files(repo) == before  # nothing deleted, nothing written
    with pytest.raises(site.OutputFolderError, match=why):
        site.build(target, results, config)


def test_repository_root_is_refused_even_when_results_live_elsewhere(tmp_path):
    repo, _, config = _repo(tmp_path)
    elsewhere = tmp_path / "other-results"
    elsewhere.mkdir()
    with pytest.raises(site.OutputFolderError, match="is the repository"):
        site.build(repo, elsewhere, config)
    with pytest.raises(site.OutputFolderError, match="holds the repository"):
        site.check_output_folder(tmp_path, tmp_path.parent / "somewhere-else", repo)


def test_ordinary_html_folders_are_accepted(tmp_path):
    repo, results, _ = _repo(tmp_path)
    assert site.check_output_folder(repo / "html", results, repo) == (repo / "html").resolve()
    assert site.check_output_folder(tmp_path / "public" / "site", results, repo) == \
        (tmp_path / "public" / "site").resolve()


def test_kernel_views_never_replace_the_results(tmp_path):
    """build_views writes <html>/kbench after emptying it: a results folder named kbench there is refused."""
    results = tmp_path / "kbench"
    results.mkdir()
    (results / "benchmarks.json").write_text("{}")
    with pytest.raises(site.OutputFolderError):
        site.build_views(tmp_path, results)
    assert (results / "benchmarks.json").read_text() == "{}"
