"""The pack commands through click's runner: validate, preview, check, new, packs, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def user_packs(tmp_path: Path) -> Path:
    """A user pack directory holding the starter pack as `mine`."""
    d = tmp_path / "packs"
    result = CliRunner().invoke(main, ["new", "mine", "--dir", str(d)])
    assert result.exit_code == 0, result.output
    return d


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", ["validate", "preview", "check", "new", "packs", "schema"])
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_validate_reports_every_problem_and_exits_1() -> None:
    result = run("validate", str(FIXTURES / "broken" / "links.yaml"))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "links.yaml:" in line]
    assert len(lines) >= 7
    assert any(":34:12 questions[1].calc.op: unknown op 'sdpax'" in line for line in lines)


def test_validate_ok_prints_a_one_line_summary(user_packs: Path) -> None:
    result = run("validate", str(user_packs))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "1 pack, 2 questions OK"


def test_validate_json(user_packs: Path) -> None:
    result = run("validate", "--json", str(FIXTURES / "broken" / "wrong-types.yaml"))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(e["line"], e["column"], e["path"]) for e in data["errors"]] == [
        (8, 5, "questions[0].difficulty"),
        (14, 7, "questions[0].answer.rel_tol"),
    ]


def test_new_refuses_to_overwrite(user_packs: Path) -> None:
    target = user_packs / "mine.yaml"
    before = target.read_text(encoding="utf-8")
    result = run("new", "mine", "--dir", str(user_packs))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_text(encoding="utf-8") == before


def test_new_rejects_a_bad_id(tmp_path: Path) -> None:
    result = run("new", "Bad_Id", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "lowercase" in result.output
    assert not list(tmp_path.iterdir())


def test_preview_shows_numbers_drawn_for_the_seed(user_packs: Path) -> None:
    result = run("--packs", str(user_packs), "preview", "mine/qk-flops", "--seed", "4", "--json")
    assert result.exit_code == 0, result.output
    [variant] = json.loads(result.output)
    n, d = variant["params"]["n"], variant["params"]["d"]
    assert f"{n:,}×{d}" in variant["prompt"]
    assert variant["derivation"][-1]["value"] == 2 * n * n * d
    text = run(
        "--packs", str(user_packs), "preview", "mine/qk-flops", "--seed", "4", "--count", "2"
    )
    assert text.exit_code == 0
    assert "seed 4" in text.output and "seed 5" in text.output


def test_check_grades_an_answer(user_packs: Path) -> None:
    preview = run("--packs", str(user_packs), "preview", "mine/qk-flops", "--json")
    n, d = (json.loads(preview.output)[0]["params"][k] for k in ("n", "d"))
    right = run(
        "--packs", str(user_packs), "check", "mine/qk-flops", "--answer", str(2 * n * n * d)
    )
    assert right.exit_code == 0
    assert "verdict:   correct" in right.output
    wrong = run(
        "--packs", str(user_packs), "check", "mine/qk-flops", "--answer", str(n * n * d), "--json"
    )
    data = json.loads(wrong.output)
    assert data["correct"] is False and data["score"] < 1
    assert "MAC" in data["feedback"] + (data["diagnosis"] or "")


def test_unknown_question_exits_2_with_close_matches(user_packs: Path) -> None:
    result = run("--packs", str(user_packs), "preview", "mine/qk-flop")
    assert result.exit_code == 2
    assert "mine/qk-flops" in result.output


def test_packs_lists_counts_by_kind_and_topic(user_packs: Path) -> None:
    result = run("--packs", str(user_packs), "packs", "--json")
    assert result.exit_code == 0
    [mine] = [p for p in json.loads(result.output)["packs"] if p["id"] == "mine"]
    assert mine["questions"] == 2
    assert mine["kinds"] == {"choice": 1, "number": 1}
    assert mine["topics"]["self-attention"] == 2


@pytest.mark.parametrize(
    ("args", "seen"),
    [
        (["packs", "--json"], '"id": "mine"'),
        (["preview", "mine/qk-flops"], "mine/qk-flops"),
        (["check", "mine/qk-flops", "--answer", "1"], "verdict:"),
        (["validate"], "{total} questions OK"),
        (["stats"], "{total} questions"),
    ],
)
def test_packs_dir_works_after_the_command_too(
    user_packs: Path, args: list[str], seen: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`quizapp CMD --packs DIR` loads DIR's packs just as `quizapp --packs DIR CMD` does."""
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("QUIZAPP_PACKS", raising=False)
    from quizapp.packs import load_all

    seen = seen.format(total=len(load_all([]).questions) + 2)  # `mine` holds two
    after = run(*args, "--packs", str(user_packs))
    before = run("--packs", str(user_packs), *args)
    without = run(*args)
    assert after.exit_code == before.exit_code == 0, after.output
    assert seen in after.output and seen in before.output
    assert without.exit_code == 2 or seen not in without.output


def test_packs_dir_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    for args in (["--packs", str(tmp_path / "nope"), "packs"], ["packs", "--packs", "nope/"]):
        result = run(*args)
        assert result.exit_code == 2
        assert "is not a directory of question packs" in result.output


def test_schema_output_matches_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert run("schema", "--output", str(out)).exit_code == 0
    shipped = (ROOT / "questions" / "schema.json").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == shipped
    assert json.loads(run("schema").output)["title"] == "Pack"


def _fails(error: Exception):
    def fail(*_args: object, **_kwargs: object) -> object:
        raise error

    return fail


def test_a_question_that_cannot_be_drawn_hints_validate_with_its_folder(
    user_packs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`quizapp validate` alone would not check the packs in --packs DIR."""
    import engine.problems

    monkeypatch.setattr(engine.problems, "draw", _fails(ValueError("no numbers fit")))
    result = run("--packs", str(user_packs), "preview", "mine/qk-flops")
    assert result.exit_code == 1
    assert (
        f"mine/qk-flops cannot be drawn (run `quizapp validate --packs {user_packs}`): "
        "no numbers fit"
    ) in result.output


def test_an_answer_that_cannot_be_graded_hints_validate_with_its_folder(
    user_packs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.problems
    from engine.answers import SpecError

    monkeypatch.setattr(engine.problems, "grade", _fails(SpecError("no unit")))
    result = run("--packs", str(user_packs), "check", "mine/qk-flops", "--answer", "1")
    assert result.exit_code == 1
    assert (
        f"its answer cannot be graded (run `quizapp validate --packs {user_packs}`): no unit"
    ) in result.output


def test_the_commands_the_starter_pack_suggests_work_as_written(
    user_packs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the comment at the top of a new pack is what a first-time author runs, word for word
    import shlex

    text = (user_packs / "mine.yaml").read_text(encoding="utf-8")
    commands = [
        line.split("quizapp ", 1)[1] for line in text.splitlines() if "#     quizapp" in line
    ]
    assert [shlex.split(c)[0] for c in commands] == ["validate", "--packs", "--packs"]
    monkeypatch.chdir(user_packs)
    outputs = []
    for command in commands:
        result = run(*shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.output)
    assert "verdict:   correct" in outputs[-1]


def test_new_refuses_an_id_a_loaded_pack_already_has(tmp_path: Path) -> None:
    # the app skips the second pack with an id, so the new one would never show up
    result = run("new", "attention-basics", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "'attention-basics' is already loaded" in result.output
    assert "attention-basics.yaml" in result.output
    assert not list(tmp_path.iterdir())


def test_new_into_a_folder_that_cannot_be_made_is_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run("new", "mine", "--dir", str(blocker / "sub"))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"cannot write {blocker / 'sub' / 'mine.yaml'}" in result.output


def test_schema_into_a_missing_folder_is_a_message(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "schema.json"
    result = run("schema", "--output", str(target))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"cannot write {target}: No such file or directory" in result.output


def test_validate_of_a_folder_without_packs_says_so_not_that_the_install_is_broken(
    tmp_path: Path,
) -> None:
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"no pack files (*.yaml, *.yml) in {tmp_path}" in result.output
    assert "quizapp new" in result.output
    assert "installation is incomplete" not in result.output
    assert " OK" not in result.output  # nothing was checked, so nothing is OK


def test_check_of_a_recall_question_does_not_call_any_answer_incorrect(user_packs: Path) -> None:
    # recall answers are rated by the learner; "incorrect, score 0" would misstate the app
    pack = user_packs / "mine.yaml"
    text = pack.read_text(encoding="utf-8")
    start, end = (
        text.index("    answer:\n      kind: choice"),
        text.index("    explanation: The cost"),
    )
    recall = "    answer:\n      kind: recall\n      value: Four times, since the cost is n².\n"
    pack.write_text(text[:start] + recall + text[end:], encoding="utf-8")
    result = run("--packs", str(user_packs), "check", "mine/cost-growth", "--answer", "4x")
    assert result.exit_code == 0, result.output
    verdict = next(line for line in result.output.splitlines() if line.startswith("verdict:"))
    assert "self-graded" in verdict and "incorrect" not in verdict


def test_new_in_the_current_folder_says_how_to_load_it_and_that_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the app only loads shipped and listed folders: a new pack in "." needs --packs . too
    monkeypatch.chdir(tmp_path)
    made = run("new", "mine")
    assert made.exit_code == 0, made.output
    assert "`quizapp --packs .`" in made.output
    shown = run("--packs", ".", "preview", "mine/qk-flops")
    assert shown.exit_code == 0, shown.output
