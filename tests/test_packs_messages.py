"""What a first-time pack author reads when they break the starter pack the usual ways.

Each test edits the starter pack (`quizapp new`) as a person would and asserts the
message names the place (line:column) and says what to do, in words, not regexes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.packs import PackError, load_pack_file

ROOT = Path(__file__).resolve().parent.parent
STARTER = (ROOT / "quizapp" / "templates" / "starter.yaml").read_text(encoding="utf-8")
TEXT = STARTER.replace("__PACK_ID__", "mine")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _errors(tmp_path: Path, old: str, new: str) -> tuple[str, list[PackError]]:
    assert old in TEXT, old
    text = TEXT.replace(old, new, 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    pack, errors = load_pack_file(path)
    assert pack is None and errors
    return text, errors


@pytest.mark.parametrize(
    ("old", "new", "typo", "meant"),
    [
        ("      rel_tol: 0.01", "      rel_tolerance: 0.01", "rel_tolerance", "rel_tol"),
        ("    hints:", "    hint:", "hint", "hints"),
        ("    follow_ups: [qk-flops]", "    followups: [qk-flops]", "followups", "follow_ups"),
        ('        formula: "n^2"', '        formla: "n^2"', "formla", "formula"),
        ("      quantity: qk_flops", "      quantity: qk_flops\n      dtyp: fp16", "dtyp", "dtype"),
        ("{choice: [512, 1024, 2048, 4096]}", "{range: [1, 4], stepp: 2}", "stepp", "step"),
    ],
)
def test_a_misspelt_field_suggests_the_real_one(
    tmp_path: Path, old: str, new: str, typo: str, meant: str
) -> None:
    text, [error] = _errors(tmp_path, old, new)
    assert f"unknown field {typo!r}; did you mean {meant}?" in error.message
    assert error.path.endswith(typo)
    assert error.line == _line_of(text, typo)


def test_a_misspelt_required_field_is_one_problem_not_two(tmp_path: Path) -> None:
    # `topic:` instead of `topics:` is both "unknown topic" and "missing topics"; say it once
    text, errors = _errors(tmp_path, "    topics: [self-attention, flops]", "    topic: [flops]")
    assert [(e.line, e.message) for e in errors] == [
        (_line_of(text, "topic: [flops]"), "unknown field 'topic'; did you mean topics?")
    ]


def test_an_unknown_field_with_no_look_alike_lists_the_fields_allowed_there(
    tmp_path: Path,
) -> None:
    _, [error] = _errors(tmp_path, "      unit: FLOP", "      unit: FLOP\n      zzz: 1")
    assert "unknown field 'zzz'" in error.message
    assert "rel_tol" in error.message and "in_unit" in error.message


def test_a_misspelt_answer_kind_is_reported_at_kind_with_the_kinds(tmp_path: Path) -> None:
    text, [error] = _errors(tmp_path, "      kind: number", "      kind: numbr")
    assert (error.line, error.path) == (_line_of(text, "kind: numbr"), "questions[0].answer.kind")
    assert "unknown kind 'numbr'; did you mean number?" in error.message
    assert "big_o" in error.message and "recall" in error.message


def test_an_id_with_capitals_says_what_an_id_may_hold(tmp_path: Path) -> None:
    _, [error] = _errors(tmp_path, "  - id: qk-flops", "  - id: QK_flops")
    assert "'QK_flops'" in error.message and "lowercase letters, digits and dashes" in error.message
    assert "^[" not in error.message  # no regex


def test_a_quoted_number_says_to_remove_the_quotes(tmp_path: Path) -> None:
    _, [error] = _errors(tmp_path, "    time: 90", '    time: "90"')
    assert error.path == "questions[0].time"
    assert "not the text '90' (remove the quotes)" in error.message


def test_an_empty_question_list_says_it_must_not_be_empty(tmp_path: Path) -> None:
    head = TEXT.split("questions:")[0]
    path = tmp_path / "mine.yaml"
    path.write_text(head + "questions: []\n", encoding="utf-8")
    _, [error] = load_pack_file(path)
    assert (error.path, error.message) == ("questions", "must not be empty")


def test_a_choice_value_without_brackets_shows_the_list_form(tmp_path: Path) -> None:
    _, [error] = _errors(tmp_path, "      value: [b]", "      value: b")
    assert error.message == "must be a list, e.g. [b]"


def test_a_tab_is_named_as_a_tab(tmp_path: Path) -> None:
    text, [error] = _errors(tmp_path, "    difficulty: 2", "\tdifficulty: 2")
    assert (error.line, error.column) == (_line_of(text, "\tdifficulty"), 1)
    assert "tab character" in error.message and "spaces" in error.message


def test_a_colon_inside_unquoted_text_says_to_quote_it(tmp_path: Path) -> None:
    text, [error] = _errors(tmp_path, "    prompt: Doubling", "    prompt: Note: Doubling")
    assert error.line == _line_of(text, "Note: Doubling")
    assert "quotes" in error.message and "|" in error.message


def test_a_quote_left_open_points_back_to_it(tmp_path: Path) -> None:
    _, [error] = _errors(tmp_path, '      value: "2*n^2*d"', '      value: "2*n^2*d')
    assert "quote left open" in error.message


def test_a_bad_indentation_says_to_check_the_indentation(tmp_path: Path) -> None:
    text, [error] = _errors(tmp_path, "      unit: FLOP", "        unit: FLOP")
    assert error.line == _line_of(text, "        unit: FLOP")
    assert "indentation" in error.message


def test_a_file_that_is_not_utf8_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    data = TEXT.replace("My first pack", "Café pack").encode("utf-8")
    path.write_bytes(data.replace("Café".encode(), b"Caf\xe9"))  # é saved as latin-1
    _, [error] = load_pack_file(path)
    line = _line_of(TEXT, "My first pack")
    assert (error.line, error.column) == (line, len("title: Caf") + 1)
    assert "not UTF-8" in error.message and "save the file as UTF-8" in error.message


def test_a_huge_file_states_the_limit(tmp_path: Path) -> None:
    from quizapp.packs import MAX_FILE_BYTES

    path = tmp_path / "mine.yaml"
    path.write_text(TEXT + "#" * MAX_FILE_BYTES, encoding="utf-8")
    _, [error] = load_pack_file(path)
    assert "too large" in error.message and f"{MAX_FILE_BYTES:,}" in error.message


@pytest.mark.parametrize(
    ("unit", "says"),
    [
        ("FLOPS", "write 'FLOP', not 'FLOPS'"),
        ("bytes", "write 'B', not 'bytes'"),
        (
            "GiB",
            "'GiB' is a multiple of B: write `unit: B` with the value in B, and `in_unit: GiB`",
        ),
        ("furlongs", "unknown unit 'furlongs'; `unit` is one of FLOP, MAC, B, s"),
    ],
)
def test_a_unit_that_is_not_a_family_says_which_to_write(
    tmp_path: Path, unit: str, says: str
) -> None:
    text, [error] = _errors(tmp_path, "      unit: FLOP", f"      unit: {unit}")
    assert (error.line, error.path) == (_line_of(text, f"unit: {unit}"), "questions[0].answer.unit")
    assert says in error.message


def test_a_miscapitalised_choice_of_words_suggests_the_right_one(tmp_path: Path) -> None:
    big_o = "      kind: big_o\n      value: n^2\n      variables: [n]\n      bound: Theta\n"
    start = TEXT.index("      kind: number")
    end = TEXT.index("    mistakes:")
    text = TEXT[:start] + big_o + TEXT[end:]
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    _, [error] = load_pack_file(path)
    assert error.path == "questions[0].answer.bound"
    assert "'Theta' is not allowed; did you mean theta?" in error.message


@pytest.mark.parametrize(
    ("old", "new", "path", "says"),
    [
        (
            "  - id: cost-growth",
            "  - cost-growth\n  - id: cost-growth",
            "questions[1]",
            "must be a mapping of fields (`name: value` lines indented below it), not 'cost-growth'",
        ),
        ("    difficulty: 2", "    difficulty:", "questions[0].difficulty", "is empty"),
        ("{pow2: [32, 128]}", "{pow2: 64}", "questions[0].params.d.pow2", "[lo, hi]"),
        (
            '- {response: "{flops}", score: 1}',
            "- {response: 5, score: 1}",
            "questions[0].checks[0].response",
            "YAML read 5 as a number; put it in quotes",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_says_what_shape_to_write(
    tmp_path: Path, old: str, new: str, path: str, says: str
) -> None:
    _, errors = _errors(tmp_path, old, new)
    assert [e.path for e in errors] == [path]
    assert says in errors[0].message
    assert "instance of" not in errors[0].message  # no pydantic class names
