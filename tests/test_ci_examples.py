"""The CI examples run as they are: their shell steps are run here, in order, in a
data repository made by ``kzru init``, the way a GitHub runner runs them (bash with
``-eo pipefail``, ``GITHUB_ENV`` and ``GITHUB_STEP_SUMMARY`` files). Only the steps
that install the engine (``pip install``) and the ``uses:`` actions are left out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kzru_reports.errors import Problem

from .readers import ROOT, pdf_text

EXAMPLES = ROOT / "examples" / "ci"
BIN = Path(sys.executable).parent
needs_tools = pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("bash") is None or not (BIN / "kzru").exists(),
    reason="needs git, bash and the kzru program installed beside this Python",
)
GIT_ID = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text("utf-8"))


def run_job(job: dict[str, Any], repo: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """Each shell step of ``job``: (name, exit code, output); stops at the first failure
    unless a step runs ``if: always()``, as a runner does."""
    results: list[tuple[str, int, str]] = []
    env_file = repo.parent / "github-env"
    env_file.touch()
    failed = False
    for step in job["steps"]:
        script = step.get("run")
        if script is None or "pip install" in script:
            continue
        if failed and "always()" not in str(step.get("if", "")):
            continue
        extra = dict(
            line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
        )
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=repo,
            env={**env, **extra, "GITHUB_ENV": str(env_file)},
            capture_output=True,
            text=True,
        )
        results.append((step.get("name", ""), proc.returncode, proc.stdout + proc.stderr))
        failed = failed or proc.returncode != 0
    return results


@pytest.fixture
def data_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "briefings"
    env = {
        **os.environ,
        **GIT_ID,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "HOME": str(tmp_path),
    }
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run(["kzru", "init", str(repo)], env=env, check=True, capture_output=True)
    subprocess.run(["git", "init", "-q", str(repo)], env=env, check=True)
    commit(repo, env, "first data")
    return repo, env


def commit(repo: Path, env: dict[str, str], message: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, env=env, check=True)


def test_the_workflows_install_the_engine_from_a_tagged_git_source() -> None:
    for name in ("briefing-packs.yml", "briefing-packs-sharded.yml"):
        flow = workflow(name)
        engine = flow["env"]["KZRU_ENGINE"]
        assert engine.startswith("kzru-reports @ git+https://")
        assert "@v" in engine.split("git+https://", 1)[1]  # a tag, not a branch
        installs = [
            s["run"]
            for job in flow["jobs"].values()
            for s in job["steps"]
            if "pip" in s.get("run", "")
        ]
        assert installs and all(r == 'pip install "$KZRU_ENGINE"' for r in installs)


@needs_tools
def test_validate_job_annotates_each_problem(data_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = data_repo
    job = workflow("briefing-packs.yml")["jobs"]["validate"]
    [(_, code, out)] = run_job(job, repo, env)
    assert (code, out.strip()) == (0, "ok")
    sample = next((repo / "data").glob("*.yaml"))
    text = sample.read_text("utf-8").replace("kind: declaration", "kind: treaty", 1)
    sample.write_text(text, "utf-8")
    [(_, code, out)] = run_job(job, repo, env)
    line = text[: text.index("kind: treaty")].count("\n") + 1
    assert code == 1
    assert out.startswith(f"::error file=data/{sample.name},line={line},col=")
    assert "'treaty' is not one of declaration" in out


@needs_tools
@pytest.mark.slow
def test_build_job_keeps_packs_and_summarises_what_changed(
    data_repo: tuple[Path, dict[str, str]],
) -> None:
    repo, env = data_repo
    job = workflow("briefing-packs.yml")["jobs"]["build"]
    summary = Path(env["GITHUB_STEP_SUMMARY"])
    results = run_job(job, repo, env)
    assert [code for _, code, _ in results] == [0, 0, 0], results
    assert "First build" in summary.read_text()
    assert (repo / "build" / "manifest.json").exists()
    assert len(list((repo / "build").rglob("*.pdf"))) == 12

    sample = next((repo / "data").glob("*.yaml"))
    text = sample.read_text("utf-8").replace("value: 20000000000", "value: 21400000000", 1)
    sample.write_text(text, "utf-8")
    commit(repo, env, "trade figure to October")
    summary.write_text("")
    results = run_job(job, repo, env)
    assert [code for _, code, _ in results] == [0, 0, 0], results
    said = summary.read_text()
    assert "Since the last scheduled build" in said
    assert "value 20,000,000,000 -> 21,400,000,000 USD" in said
    memo = next((repo / "build").rglob("analyst/*-memo.pdf")).read_bytes()
    assert "value USD 21.4 billion (was USD 20 billion)" in pdf_text(memo)

    summary.write_text("")  # a second run of the same commit: nothing new
    run_job(job, repo, env)
    assert "```" not in summary.read_text()


def test_github_annotation_escapes_what_would_break_the_command() -> None:
    problem = Problem("data/a,b:c.yaml", "100% wrong\nsecond line", "x.y", 3, 5)
    assert problem.as_github() == (
        "::error file=data/a%2Cb%3Ac.yaml,line=3,col=5,title=x.y::100%25 wrong\\nsecond line"
    )
    assert Problem("", "no file").as_github() == "::error::no file"


def test_validate_formats_plain_json_github(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kzru_reports.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: visit/1\nid: x\ntitle: T\nparties: []\n", "utf-8")
    runner = CliRunner()
    plain = runner.invoke(main, ["validate", str(bad)])
    assert plain.exit_code == 1 and f"{bad}:4:1: parties: needs at least 2" in plain.stderr
    gh = runner.invoke(main, ["validate", "--format", "github", str(bad)])
    assert gh.exit_code == 1
    assert gh.stdout == f"::error file={bad},line=4,col=1,title=parties::needs at least 2 entries\n"
    as_json = runner.invoke(main, ["validate", "--format", "json", str(bad)])
    assert as_json.exit_code == 1
    assert '"path": "parties"' in as_json.stdout
    assert runner.invoke(main, ["validate", "--format", "nope", str(bad)]).exit_code == 2


@needs_tools
@pytest.mark.slow
def test_sharded_workflow_runs_its_matrix_and_merge(
    data_repo: tuple[Path, dict[str, str]],
) -> None:
    """The matrix jobs' build step, once for each shard, then the merge step over the
    folders the artifacts download into: one build folder, as one build makes."""
    repo, env = data_repo
    flow = workflow("briefing-packs-sharded.yml")
    shards = flow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    for k in shards:
        results = run_job(flow["jobs"]["shard"], repo, {**env, "SHARD": str(k)})
        assert [code for _, code, _ in results] == [0], results
        shutil.move(repo / f"shard-{k}", repo.parent / f"shard-{k}")
    downloads = repo.parent / "merge"
    (downloads / "shards").mkdir(parents=True)
    for k in shards:
        shutil.move(repo.parent / f"shard-{k}", downloads / "shards" / f"shard-{k}")
    results = run_job(flow["jobs"]["merge"], downloads, env)
    assert [code for _, code, _ in results] == [0], results
    merged = downloads / "build"
    assert len(list(merged.rglob("*.pdf"))) == 12
    env["SOURCE_DATE_EPOCH"] = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["kzru", "build", "--out", str(repo / "one")], cwd=repo, env=env, check=True)
    for file in (repo / "one").rglob("*"):
        if file.is_file() and file.name != ".kzru.lock":
            assert file.read_bytes() == (merged / file.relative_to(repo / "one")).read_bytes()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_documented_install_command_works_from_a_tag(tmp_path: Path) -> None:
    """The CI examples' install line, pointed at a tagged local clone of this checkout
    (``git+file://localhost/...@vX.Y.Z``): the wheel pip builds holds the package with
    its templates, fonts and sample visit. Dependencies are not installed here."""
    from kzru_reports import __version__

    clone = tmp_path / "kzru-reports"
    env = {**os.environ, **GIT_ID}
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, env=env)
    tag = f"v{__version__}"
    subprocess.run(["git", "-C", str(clone), "tag", "-f", tag], check=True, env=env)
    engine = workflow("briefing-packs.yml")["env"]["KZRU_ENGINE"]
    url = engine.split(" @ ", 1)[1]
    local = f"git+file://localhost{clone}@{tag}"
    assert url.rsplit("@", 1)[1] == tag  # the workflow pins this engine's own tag form
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            f"kzru-reports @ {local}",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and "hatchling" in proc.stderr and "satisf" in proc.stderr:
        pytest.skip("the package index (for the build backend) cannot be reached")
    assert proc.returncode == 0, proc.stderr
    package = target / "kzru_reports"
    assert (package / "templates" / "memo.xml.j2").is_file()
    assert list((package / "visits").glob("*.yaml"))
    assert list((package / "fonts").glob("*.ttf"))
    assert f'__version__ = "{__version__}"' in (package / "__init__.py").read_text()
