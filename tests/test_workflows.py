"""Publishing and reuse: the GitHub Actions workflows (which cannot run here), the licence, the
citation, the footer that names the version, and the Colab-style smoke run's parameters.

The workflows are linted with actionlint, and every command they run must be one of the
repository's own, exercised by a test or by .ci/run: a workflow that lints clean but calls a
script that no longer takes its flag would otherwise first fail on GitHub.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
sys.path.insert(0, str(ROOT / "tools"))
import build_info  # noqa: E402
import execute_chapters  # noqa: E402

#: The repository commands the workflows may run, and what checks each one.
TESTED = {
    "bash tools/setup.sh": "run first by tools/run_tests.sh (.ci/run)",
    "bash tools/run_tests.sh": "the README's test command, run by .ci/run",
    "bash tools/colab_smoke.sh": "run by .ci/run",
    "bash tools/build_book.sh --no-execute": "test_build_book_no_execute_is_the_tested_strict_build",
}
#: System set-up lines a workflow may run (a package install, git's ownership check in containers).
SYSTEM = (re.compile(r"apt-get update -q"), re.compile(r"apt-get install -y -q --no-install-recommends [a-z0-9 .-]+"),
          re.compile(r'git config --global --add safe\.directory "\$GITHUB_WORKSPACE"'))


def _workflow(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1).
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps():
    for path in WORKFLOWS:
        for job_name, job in _workflow(path.name)["jobs"].items():
            for step in job.get("steps", []):
                yield path.name, job_name, step


def _commands(script: str) -> list[str]:
    return [part.strip() for line in script.strip().splitlines() for part in line.split("&&") if part.strip()]


def test_there_is_a_test_and_a_book_workflow():
    assert {p.name for p in WORKFLOWS} == {"tests.yml", "book.yml"}


def test_workflows_lint_clean():
    actionlint = Path(sys.executable).with_name("actionlint")
    if not actionlint.exists():
        actionlint = shutil.which("actionlint")
    assert actionlint, "actionlint is missing: run `bash tools/setup.sh` (the test extra installs it)"
    proc = subprocess.run([str(actionlint), "-color=false", *map(str, WORKFLOWS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"actionlint found problems:\n{proc.stdout}{proc.stderr}"


def test_every_command_the_workflows_run_is_a_tested_one():
    unknown = []
    for name, job, step in _steps():
        for command in _commands(step.get("run", "")):
            if command in TESTED or any(p.fullmatch(command) for p in SYSTEM):
                continue
            if command.startswith('.venv/bin/python -c "'):
                _check_python_snippet(shlex.split(command)[2])
                continue
            unknown.append(f"{name} / {job}: {command}")
    assert not unknown, ("workflow commands that no test exercises (add a test and list them in "
                         f"TESTED): {unknown}")
    ci = (ROOT / ".ci" / "run").read_text()
    for command, how in TESTED.items():
        script = shlex.split(command)[1]
        assert (ROOT / script).is_file(), f"{command}: {script} does not exist"
        if "by .ci/run" in how:
            assert command in ci or script == "tools/setup.sh", f".ci/run does not run {command}"


def _check_python_snippet(code: str) -> None:
    """A `python -c` line: every name it imports exists (their behaviour has its own tests)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom):
            module = importlib.import_module(node.module)
            missing = [a.name for a in node.names if not hasattr(module, a.name)]
            assert not missing, f"{code!r}: {node.module} has no {missing}"


def test_ci_runs_the_colab_smoke_run_before_the_tests():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    smoke = next(i for i, ln in enumerate(lines) if "tools/colab_smoke.sh" in ln)
    assert lines[-1] == "bash tools/run_tests.sh" and smoke < len(lines) - 1, (
        "tools/run_tests.sh must be .ci/run's last command (its output ends with pytest's summary)")


def test_actions_are_pinned_to_a_release():
    for name, job, step in _steps():
        if "uses" in step:
            assert re.fullmatch(r"actions/[a-z-]+@v\d+\.\d+\.\d+", step["uses"]), (
                f"{name} / {job}: pin {step['uses']} to a full release version (actions/x@vN.N.N)")


def test_book_is_deployed_from_main_and_release_tags_and_previewed_on_pull_requests():
    book = _workflow("book.yml")
    assert book["on"]["push"] == {"branches": ["main"], "tags": ["v*"]} and "pull_request" in book["on"]
    build, deploy = book["jobs"]["build"], book["jobs"]["deploy"]
    uses = {s.get("uses", "").split("@")[0]: s for s in build["steps"]}
    assert uses["actions/upload-artifact"]["if"] == "github.event_name == 'pull_request'"
    assert uses["actions/upload-pages-artifact"]["if"] == "github.event_name != 'pull_request'"
    assert uses["actions/upload-pages-artifact"]["with"]["path"] == "_build/html"
    assert deploy["if"] == "github.event_name != 'pull_request'" and deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert book["permissions"] == {"contents": "read"}, "only the deploy job may write to Pages"


def test_tests_workflow_caches_mnist_where_the_tests_look():
    tests = _workflow("tests.yml")["jobs"]["tests"]
    cache = next(s for s in tests["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "data/MNIST", "data_root() defaults to <book>/data (README, Data)"


def test_build_book_no_execute_is_the_tested_strict_build(tmp_path):
    """`tools/build_book.sh --no-execute` (what book.yml deploys) executes nothing and builds with
    the flags of tests/test_book.py's strict build; other arguments are refused."""
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "build_book.sh", tmp_path / "tools")
    log = tmp_path / "calls"
    for stub in ("tools/setup.sh", "tools/fetch_mathjax.sh", ".venv/bin/python", ".venv/bin/jupyter-book"):
        path = tmp_path / stub
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'#!/bin/sh\necho "{stub} $*" >> "{log}"\n')
        path.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "INTRIGUING_DATA"}
    run = [["bash", "tools/build_book.sh", "--no-execute"], ["bash", "tools/build_book.sh"]]
    for args in run:
        subprocess.run(args, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    calls = log.read_text().splitlines()
    flags = "--warningiserror --nitpick --keep-going --all"
    assert calls == ["tools/setup.sh ", "tools/fetch_mathjax.sh ", f".venv/bin/jupyter-book build . {flags}",
                     "tools/setup.sh ", ".venv/bin/python tools/execute_chapters.py",
                     ".venv/bin/python tools/intro_findings.py", "tools/fetch_mathjax.sh ",
                     f".venv/bin/jupyter-book build . {flags}"]
    test_book = (ROOT / "tests" / "test_book.py").read_text()
    assert '"--warningiserror", "--nitpick", "--keep-going", "--all"' in test_book
    bad = subprocess.run(["bash", "tools/build_book.sh", "--execute"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--no-execute" in bad.stderr


# --------------------------------------------------------------------------- the Colab-style run

def _smoke_runs() -> dict[str, list[str]]:
    """chapter -> the -p names tools/colab_smoke.sh gives it."""
    text = (ROOT / "tools" / "colab_smoke.sh").read_text().replace("\\\n", " ")
    runs = {}
    for line in text.splitlines():
        if line.startswith("run_chapter "):
            words = shlex.split(line)
            runs[words[1]] = [words[i + 1] for i, w in enumerate(words) if w == "-p"]
    return runs


def test_colab_smoke_run_executes_every_chapter_with_parameters_it_has():
    runs = _smoke_runs()
    chapters = sorted(p.stem for p in execute_chapters.chapter_paths([]))
    assert sorted(runs) == chapters, "tools/colab_smoke.sh must run every chapter"
    for chapter, names in runs.items():
        nb = execute_chapters.source_notebook(ROOT / "chapters" / f"{chapter}.py")
        cell = next(c for c in nb.cells if "parameters" in execute_chapters.tags(c))
        unknown = set(names) - execute_chapters.parameter_names(cell.source)
        assert not unknown, f"tools/colab_smoke.sh gives {chapter} parameters it does not have: {unknown}"


def test_results_page_knows_every_chapter_that_records_results():
    from intriguing import results

    committed = sorted(p.stem for p in (ROOT / "results").glob("*.json"))
    assert list(results.RECORDED) == committed, (
        "intriguing.results.RECORDED (what the results page fetches on a fresh Colab runtime) must "
        f"list the chapters of results/*.json in order: {committed}")


# --------------------------------------------------------------------------- licence, citation, footer

def test_licence_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "Copyright (c) 2026 The intriguing-book authors" in text


def test_citation_file_is_valid_cff_1_2_0():
    schema = json.loads((ROOT / "tests" / "data" / "citation-file-format-1.2.0.schema.json").read_text())
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in
              jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(citation)]
    assert not errors, f"CITATION.cff does not follow CFF 1.2.0: {errors}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert citation["version"] == project["version"] and citation["license"] == "MIT"
    assert citation["repository-code"] == config["repository"]["url"]
    assert citation["url"] == config["html"]["baseurl"].rstrip("/") + "/"
    assert citation["title"] == config["title"]


def test_pages_url_is_the_repositorys():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    owner, name = config["repository"]["url"].removeprefix("https://github.com/").split("/")
    assert config["html"]["baseurl"] == f"https://{owner}.github.io/{name}/"
    assert config["html"]["use_issues_button"] is True


def test_footer_names_ref_and_commit_of_the_checkout(monkeypatch):
    monkeypatch.delenv("BOOK_REF", raising=False)
    monkeypatch.setenv("GITHUB_REF_NAME", "v9.9.9")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    ref, got, _ = build_info.build_ref(ROOT)
    assert (ref, got) == ("v9.9.9", commit)
    monkeypatch.setenv("BOOK_REF", "feature-x")
    assert build_info.build_ref(ROOT)[0] == "feature-x"
    html = build_info.footer("https://github.com/o/r", "main", commit, True)
    assert f'<a href="https://github.com/o/r/tree/{commit}">{commit[:12]}</a>' in html
    assert "<code>main</code>" in html and "uncommitted changes" in html


def test_footer_outside_git_says_unknown(tmp_path):
    assert build_info.build_ref(tmp_path) == ("unknown", "unknown", False)
    assert "unknown" in build_info.footer("https://github.com/o/r", "unknown", "unknown", False)
