"""`quizapp export -o` into a folder that does not exist: every format refuses it alike.

A typo in a path must not scatter files into new folders (as `cp` and `curl -o` refuse);
only apkg's default target, the app's own exports folder, is created.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from quizapp.cli import main

PACKS = ["--packs", str(ROOT / "tests" / "fixtures" / "tui-recall")]
FORMATS = ["csv", "json", "apkg"]


def _export(fmt: str, output: Path):
    extra = ["--packs", "tui-recall"] if fmt == "apkg" else []
    return CliRunner().invoke(main, [*PACKS, "export", "--format", fmt, "-o", str(output), *extra])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_folder_is_refused_by_name_and_not_created(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "no" / "such"
    result = _export(fmt, folder / f"out.{fmt}")
    assert result.exit_code == 1
    assert f"there is no folder {folder}" in result.output and "mkdir -p" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_existing_folder_is_written_to(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "here" / f"out.{fmt}"
    target.parent.mkdir()
    result = _export(fmt, target)
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0


def test_the_help_says_the_folder_must_exist() -> None:
    result = CliRunner().invoke(main, ["export", "--help"])
    assert "in a folder that exists" in " ".join(result.output.split())
