"""`quizapp export -o` into a folder that does not exist: every format refuses it alike.

A typo in a path must not scatter files into new folders (as `cp` and `curl -o` refuse);
only apkg's default target, the app's own exports folder, is created.
"""

from __future__ import annotations

import os
import stat
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


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_symlink_stays_a_link_and_its_file_gets_the_export(tmp_path: Path, fmt: str) -> None:
    """The atomic write renames a temporary file into place: over the link's file, not the link."""
    real = tmp_path / "elsewhere" / f"real.{fmt}"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(real)
    result = _export(fmt, link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() != b"old" and real.stat().st_size > 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_pipe_is_written_to_not_replaced_by_a_file(tmp_path: Path, fmt: str) -> None:
    """`-o /dev/stdout` or a FIFO: written in place (as root, a rename would replace a device)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the export's open does not block
    try:
        result = _export(fmt, fifo)
        data = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert data  # the export went through the pipe


def test_an_anki_deck_is_refused_on_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = _export("apkg", fifo)
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
