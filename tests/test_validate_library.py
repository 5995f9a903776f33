"""`quizapp validate PATH…` judges the given packs as the app would load them: beside the
shipped and user packs (an id taken there means the app skips the pack), each file once,
and a follow-up's "did you mean" drawn from every pack the app knows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main
from quizapp.locations import shipped_packs_dir

SHIPPED = shipped_packs_dir() / "attention-basics.yaml"


def validate(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    """The starter pack `my-pack` in its own folder."""
    result = CliRunner().invoke(main, ["new", "my-pack", "--dir", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    return tmp_path / "p" / "my-pack.yaml"


def test_a_pack_given_by_path_whose_id_a_shipped_pack_has_is_reported(tmp_path: Path) -> None:
    copy = tmp_path / "mine" / "attention-basics.yaml"
    copy.parent.mkdir()
    shutil.copy(SHIPPED, copy)
    # what the app does with it: the shipped pack wins and the copy is skipped
    code, lines = validate("--packs", str(copy.parent))
    assert code == 1 and any(f"{copy}:2:1 id: duplicate pack id" in line for line in lines)

    code, lines = validate(str(copy))
    assert code == 1
    [problem] = [line for line in lines if line.startswith(str(copy))]
    assert problem.startswith(f"{copy}:2:1 id: duplicate pack id 'attention-basics'")
    assert str(SHIPPED.name) in problem


def test_the_shipped_pack_itself_given_by_path_is_not_its_own_duplicate() -> None:
    code, lines = validate(str(SHIPPED))
    assert code == 0, lines
    assert lines[-1].endswith("OK")


def test_a_file_given_twice_is_checked_once(starter: Path) -> None:
    for args in [(str(starter.parent), str(starter)), (str(starter), f"{starter.parent}/./")]:
        code, lines = validate(*args)
        assert code == 0, lines
        assert lines[-1] == "1 pack, 2 questions OK"


def test_a_follow_up_into_a_shipped_pack_suggests_the_shipped_question(starter: Path) -> None:
    text = starter.read_text(encoding="utf-8")
    assert "follow_ups: [qk-flops]" in text
    starter.write_text(
        text.replace("follow_ups: [qk-flops]", "follow_ups: [attention-basics/qk-flop]"),
        encoding="utf-8",
    )
    code, lines = validate(str(starter))
    assert code == 1
    [problem] = [line for line in lines if "follow_ups" in line]
    asked, suggested = problem.split("; did you mean ")
    assert asked.endswith("unknown question 'attention-basics/qk-flop'")
    assert suggested.startswith("attention-basics/qk-flops")  # the closest comes first
