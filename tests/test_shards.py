"""``kzru build --shard K/N`` and ``kzru manifest merge``: N builds joined give what one
build gives, file for file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.shards import Shard, parse_shard, select, split, visit_key

from .conftest import FIXTURES, SHIPPED, SUMMIT

# --allow-empty: the summit fixture is all official, so press may see nothing of it
OPTIONS = ["-d", "memo", "-d", "factsheet", "-a", "press", "-j", "1", "--allow-empty"]
ENV = {"SOURCE_DATE_EPOCH": "1700000000"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env=ENV).invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def visits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six visit files of different sizes."""
    folder = tmp_path_factory.mktemp("visits")
    shutil.copy(SHIPPED, folder)
    shutil.copy(SUMMIT, folder)
    official = (FIXTURES / "official-visit.yaml").read_text("utf-8")
    for n in range(1, 5):
        text = official.replace("id: official-visit", f"id: official-visit-{n}", 1)
        (folder / f"visit-{n}.yaml").write_text(text + "\n" * n * 400, "utf-8")
    return folder


@pytest.mark.parametrize("value", ["0/3", "4/3", "a/b", "1/0", "3", "-1/3", "1/3/4", ""])
def test_bad_shard_is_a_usage_error(value: str, tmp_path: Path) -> None:
    code, _, err = run("build", str(SHIPPED), "-o", str(tmp_path), "--shard", value)
    assert code == 2 and "--shard" in err
    assert not list(tmp_path.iterdir())


def test_parse_shard() -> None:
    assert parse_shard("2/3") == Shard(2, 3)
    assert str(parse_shard("1/1")) == "1/1"


def test_split_is_stable_balanced_and_complete() -> None:
    sizes = {"a": 50, "b": 40, "c": 30, "d": 20, "e": 10, "f": 10}
    shares = split(sizes, 3)
    assert shares == split(dict(reversed(list(sizes.items()))), 3)
    assert sorted(k for s in shares for k in s) == sorted(sizes)
    loads = [sum(sizes[k] for k in s) for s in shares]
    assert max(loads) - min(loads) <= 10
    assert split(sizes, 8)[6:] == [[], []]


def test_every_visit_in_exactly_one_shard(visits: Path) -> None:
    files = sorted(visits.iterdir())
    shares = [select(files, Shard(k, 3)) for k in (1, 2, 3)]
    assert sorted(f for s in shares for f in s) == files
    assert all(shares)
    assert visit_key(visits / "visit-1.yaml")[0] == "official-visit-1"


def test_files_with_one_id_share_a_shard_and_bad_files_have_one(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(SUMMIT, tmp_path / name)
    (tmp_path / "broken.yaml").write_text("schema: [", "utf-8")
    files = sorted(tmp_path.iterdir())
    shares = [select(files, Shard(k, 2)) for k in (1, 2)]
    assert sorted(len(s) for s in shares) == [1, 2]
    assert any({f.name for f in s} == {"a.yaml", "b.yaml"} for s in shares)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".kzru.lock"
    }


@pytest.mark.slow
def test_three_shards_merged_equal_one_build(visits: Path, tmp_path: Path) -> None:
    code, _, err = run("build", str(visits), "-o", str(tmp_path / "one"), *OPTIONS)
    assert code == 0, err
    for k in (1, 2, 3):
        code, _, err = run(
            "build", str(visits), "-o", str(tmp_path / f"shard-{k}"), "--shard", f"{k}/3", *OPTIONS
        )
        assert code == 0, err
    shard_dirs = [str(tmp_path / f"shard-{k}") for k in (1, 2, 3)]
    code, out, err = run("manifest", "merge", *shard_dirs, "-o", str(tmp_path / "merged"))
    assert code == 0, err
    assert "24 outputs from 3 manifests" in out
    one, merged = _tree(tmp_path / "one"), _tree(tmp_path / "merged")
    assert sorted(one) == sorted(merged)
    assert [n for n in one if one[n] != merged[n]] == []
    # the merged folder is a build folder like any other: nothing to rebuild
    code, out, _ = run("build", str(visits), "-o", str(tmp_path / "merged"), *OPTIONS, "--json")
    assert {o["status"] for o in json.loads(out)["outputs"]} == {"unchanged"}


def _shard_build(visits: Path, out: Path, shard: str) -> Path:
    code, _, err = run("build", str(visits), "-o", str(out), "--shard", shard, *OPTIONS)
    assert code == 0, err
    return out / "manifest.json"


def test_merge_refuses_overlaps_and_other_engines(visits: Path, tmp_path: Path) -> None:
    a = _shard_build(visits, tmp_path / "a", "1/2")
    b = _shard_build(visits, tmp_path / "b", "2/2")
    shutil.copytree(tmp_path / "a", tmp_path / "a-again")
    code, _, err = run(
        "manifest", "merge", str(a), str(tmp_path / "a-again"), "-o", str(tmp_path / "m")
    )
    assert code == 1
    assert str(tmp_path / "a-again" / "manifest.json") in err and str(a) in err
    assert "also in" in err and not (tmp_path / "m").exists()

    data = json.loads(b.read_text())
    data["engine"] = "0.0.1"
    for entry in data["outputs"]:
        entry["inputs"]["engine"] = "0.0.1+0123456789abcdef0123"
    b.write_text(json.dumps(data))
    code, _, err = run("manifest", "merge", str(a), str(b), "-o", str(tmp_path / "m"))
    assert code == 1
    assert "0.0.1+0123456789abcdef0123" in err and str(a) in err and str(b) in err
    assert not (tmp_path / "m").exists()


def test_merge_refuses_tampered_files_and_paths_outside(visits: Path, tmp_path: Path) -> None:
    a = _shard_build(visits, tmp_path / "a", "1/2")
    data = json.loads(a.read_text())
    victim = tmp_path / "a" / data["outputs"][0]["path"]
    good = victim.read_bytes()
    victim.write_bytes(good + b"x")
    code, _, err = run("manifest", "merge", str(a), "-o", str(tmp_path / "m"))
    assert code == 1 and "checksum" in err and not (tmp_path / "m").exists()
    victim.write_bytes(good)

    data["outputs"][0]["path"] = "../escape.pdf"
    a.write_text(json.dumps(data))
    code, _, err = run("manifest", "merge", str(a), "-o", str(tmp_path / "m"))
    assert code == 1 and "not inside the folder" in err
    assert not (tmp_path / "escape.pdf").exists()


def test_merge_will_not_replace_another_manifest(visits: Path, tmp_path: Path) -> None:
    a = _shard_build(visits, tmp_path / "a", "1/2")
    b = _shard_build(visits, tmp_path / "b", "2/2")
    before = b.read_bytes()
    code, _, err = run("manifest", "merge", str(a), "-o", str(tmp_path / "b"))
    assert code == 2 and "exists" in err and b.read_bytes() == before
    code, _, err = run("manifest", "merge", str(a), str(b), "-o", str(tmp_path / "b"))
    assert code == 0, err  # into one of the shards' own folders
    assert len(json.loads(b.read_text())["outputs"]) == 24
    code, _, err = run("manifest", "merge", str(tmp_path / "nothing"), "-o", str(tmp_path / "x"))
    assert code == 1 and "cannot read" in err
