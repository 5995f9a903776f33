"""`QUIZAPP_HOME` naming a file gets a message saying what to do, not an OS error.

A QA pass found it answered with "cannot create the folder … [Errno 17] File exists".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """QUIZAPP_HOME set to a file holding a user's notes (it must stay as it is)."""
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    monkeypatch.setenv("QUIZAPP_HOME", str(notes))
    return notes


def test_stats_with_quizapp_home_a_file_says_to_point_it_at_a_folder(home: Path) -> None:
    result = run("stats")
    assert result.exit_code == 1, result.output
    assert f"QUIZAPP_HOME={home} is a file, not a folder: point it at a folder" in result.output
    assert "(or unset it to use " in result.output
    assert "Errno" not in result.output and "Traceback" not in result.output
    assert home.read_text(encoding="utf-8") == "mine"  # the file is left as it was


def test_quizapp_home_under_a_file_names_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine", encoding="utf-8")
    monkeypatch.setenv("QUIZAPP_HOME", str(blocker / "quizapp"))
    result = run("stats")
    assert result.exit_code == 1, result.output
    assert f"is inside {blocker}, which is a file, not a folder" in result.output
    assert "Errno" not in result.output


def test_the_default_folder_named_is_the_one_used_when_quizapp_home_is_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    fake_home = tmp_path / "user"
    monkeypatch.setenv("HOME", str(fake_home))
    monkeypatch.setenv("XDG_DATA_HOME", str(fake_home / "data"))
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "notes.txt"))
    default = platformdirs.user_data_path("quizapp", appauthor=False)
    shown = "~" + str(default)[len(str(fake_home)) :]  # shortened as a shell would show it
    assert f"(or unset it to use {shown})" in run("stats").output


def test_packs_with_quizapp_home_a_file_says_so_for_the_lock_file_too(home: Path) -> None:
    listed = run("packs")
    assert f"QUIZAPP_HOME={home} is a file, not a folder" in listed.output
    restored = run("packs", "restore")
    assert restored.exit_code == 1, restored.output
    assert f"QUIZAPP_HOME={home} is a file, not a folder" in restored.output
    assert "Not a directory" not in listed.output + restored.output
