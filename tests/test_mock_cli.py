"""`quizapp mock` on the command line: usage errors, the TUI hand-off, headless export."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeClock
from test_mock_helpers import correct_answer, make_library, params_of, write_pack

from quizapp.cli import main
from quizapp.locations import db_path
from quizapp.mock import MockConfig, MockInterview, finalise, report_markdown, start_session
from quizapp.store import Store


@pytest.fixture
def packs_dir(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "packs").parent


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Stand in for the TUI: record how it would have been opened."""
    calls: list[dict] = []

    def fake_run_app(packs_dirs=None, **kwargs):
        calls.append({"packs_dirs": packs_dirs, **kwargs})

    monkeypatch.setattr("quizapp.tui.app.run_app", fake_run_app)
    return calls


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--questions", "0"], "--questions"),
        (["--minutes", "-1"], "--minutes"),
        (["--minutes", "0"], "--minutes"),
        (["--resume", "--questions", "3"], "--resume continues the saved interview"),
        (["--last", "--seed", "3"], "--last shows the latest report"),
        (["--export", "-"], "only works with --last"),
    ],
)
def test_usage_errors_exit_2_and_say_what_was_expected(args, expected, launched) -> None:
    result = run("mock", *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert launched == []


def test_an_unknown_topic_names_the_valid_ones(packs_dir: Path, launched) -> None:
    result = run("--packs", str(packs_dir), "mock", "--packs", "mockpack", "--topics", "memroy")
    assert result.exit_code == 2
    assert "unknown topic(s): memroy" in result.output
    assert "memory" in result.output and "softmax" in result.output
    result = run("--packs", str(packs_dir), "mock", "--packs", "nopack")
    assert result.exit_code == 2
    assert "mockpack" in result.output
    assert launched == []


@pytest.mark.parametrize("command", ["practice", "mock"])
def test_the_usage_error_names_the_option_whose_value_is_unknown(
    command: str, packs_dir: Path, launched
) -> None:
    """A pack id with "topic" in it is still a --packs problem, and the reverse."""
    result = run("--packs", str(packs_dir), command, "--packs", "topic-drills")
    assert result.exit_code == 2
    assert "Invalid value for '--packs': unknown pack(s): topic-drills" in result.output
    result = run("--packs", str(packs_dir), command, "--packs", "mockpack", "--topics", "packs")
    assert result.exit_code == 2
    assert "Invalid value for '--topics': unknown topic(s): packs" in result.output
    assert launched == []


def test_packs_takes_ids_and_directories_together(
    packs_dir: Path, launched, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path in --packs loads that directory; the ids beside it choose the packs."""
    monkeypatch.chdir(packs_dir.parent)
    result = run("mock", "--packs", f"./{packs_dir.name},mockpack", "--questions", "2")
    assert result.exit_code == 0, result.output
    [call] = launched
    assert call["packs_dirs"] == [f"{packs_dir.name}"]
    assert call["mock_config"]["packs"] == ["mockpack"]


def test_a_directory_written_like_an_id_gets_a_hint(tmp_path: Path, launched, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "My_Packs").mkdir()
    result = run("mock", "--packs", "My_Packs")
    assert result.exit_code == 2
    assert "write it as ./My_Packs" in result.output
    assert launched == []


def test_settings_open_the_tui_in_the_interview(packs_dir: Path, launched) -> None:
    result = run(
        "--packs",
        str(packs_dir),
        "mock",
        "--packs",
        "mockpack",
        "--topics",
        "memory,flops",
        "--questions",
        "3",
        "--minutes",
        "4.5",
        "--seed",
        "9",
        "--export",
        "r.md",
    )
    assert result.exit_code == 0, result.output
    (call,) = launched
    assert call["start"] == "mock" and call["resume"] is False
    assert call["packs_dirs"] == [str(packs_dir)]
    config = call["mock_config"]
    assert config["packs"] == ["mockpack"]
    assert config["topics"] == ["memory", "flops"]
    assert (config["questions"], config["minutes"], config["seed"]) == (3, 4.5, 9)
    assert config["export"] == "r.md"


def test_resume_needs_an_unfinished_interview(packs_dir: Path, tmp_path: Path, launched) -> None:
    result = run("mock", "--resume")
    assert result.exit_code == 1
    assert "no unfinished mock interview" in result.output
    library = make_library(tmp_path / "lib")
    with Store.open(db_path()) as store:
        interview = MockInterview.create(library.questions, MockConfig(seed=1), clock=FakeClock())
        start_session(store, interview)
    result = run("mock", "--resume")
    assert result.exit_code == 0, result.output
    assert launched[0]["resume"] is True


def test_export_last_writes_the_latest_report_without_the_tui(tmp_path: Path, launched) -> None:
    result = run("mock", "--last")
    assert result.exit_code == 1
    assert "no mock interview has been finished yet" in result.output

    library = make_library(tmp_path / "lib")
    clock = FakeClock()
    reports = []
    with Store.open(db_path()) as store:
        for seed in (1, 2):
            interview = MockInterview.create(
                library.questions, MockConfig(questions=3, seed=seed), clock=clock
            )
            start_session(store, interview)
            slot = interview.slots[0]
            interview.answer(correct_answer(slot.qid, params_of(library, slot.qid, slot.seed)))
            clock.advance(100)
            reports.append(finalise(interview, library, store))

    target = tmp_path / "exports" / "report.md"
    result = run("mock", "--export", str(target), "--last")
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    text = target.read_text(encoding="utf-8")
    assert text == report_markdown(reports[-1])
    assert "Draw seed: 2" in text
    assert "## Compared with earlier interviews" in text
    assert "| 1 |" in text  # the first interview is in the trend table
    printed = run("mock", "--last")
    assert printed.output == text
    assert launched == []
