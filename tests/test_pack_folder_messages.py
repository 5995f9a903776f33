"""A folder named in `QUIZAPP_PACKS` that does not exist is said to be missing.

A QA pass found `QUIZAPP_PACKS=/nope quizapp packs` reported as "skipped pack files with
1 problem", as if a pack file were broken.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))  # QUIZAPP_HOME: a fresh folder (conftest)


def test_packs_with_a_missing_quizapp_packs_folder_says_it_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope"
    monkeypatch.setenv("QUIZAPP_PACKS", str(missing))
    result = run("packs")
    assert result.exit_code == 0, result.output  # the shipped packs still load
    assert f"{missing}: folder does not exist (named in $QUIZAPP_PACKS)" in result.output
    assert "skipped pack files" not in result.output


def test_packs_still_counts_broken_pack_files_next_to_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    monkeypatch.setenv("QUIZAPP_PACKS", os.pathsep.join([str(tmp_path / "nope"), str(mine)]))
    result = run("packs")
    assert "folder does not exist (named in $QUIZAPP_PACKS)" in result.output
    assert "skipped pack files with 1 problem" in result.output


def test_validate_with_a_missing_quizapp_packs_folder_says_it_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope"
    monkeypatch.setenv("QUIZAPP_PACKS", str(missing))
    result = run("validate")
    assert result.exit_code == 1
    assert str(missing) in result.output and "pack directory not found" not in result.output
    assert "folder does not exist (named in $QUIZAPP_PACKS)" in result.output
