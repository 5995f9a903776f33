"""Pack loading and validation: exact file:line:column for broken packs, shipped packs valid."""

from __future__ import annotations

import json
import math
from pathlib import Path

from quizapp.packs import load_all, load_pack_file
from quizapp.validation import validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN = FIXTURES / "broken"
SHIPPED = sorted((ROOT / "questions").glob("*.yaml"))


def _problems(name: str) -> list[tuple[int, int, str, str]]:
    report = validate([BROKEN / name])
    assert not report.ok
    for e in report.errors:
        assert Path(e.file).name == name
    return [(e.line, e.column, e.path, e.message) for e in report.errors]


def test_bad_indentation_is_located_where_the_parser_stops() -> None:
    # line 8 is "      difficulty: 2", indented past its siblings
    [(line, col, path, message)] = _problems("bad-indent.yaml")
    assert (line, col, path) == (8, 7, "")
    assert message.startswith("YAML:") and "expected key" in message


def test_wrong_types_are_reported_at_their_keys() -> None:
    assert [p[:3] for p in _problems("wrong-types.yaml")] == [
        (8, 5, "questions[0].difficulty"),  # difficulty: "hard"
        (14, 7, "questions[0].answer.rel_tol"),  # rel_tol: 0
    ]
    messages = [p[3] for p in _problems("wrong-types.yaml")]
    assert messages == ["must be a valid integer", "must be greater than 0"]


def test_error_text_is_file_line_column_path_message() -> None:
    report = validate([BROKEN / "wrong-types.yaml"])
    assert str(report.errors[1]).endswith(
        "wrong-types.yaml:14:7 questions[0].answer.rel_tol: must be greater than 0"
    )


def test_unknown_names_in_prompt_and_formula() -> None:
    problems = _problems("unknown-names.yaml")
    assert [p[:3] for p in problems] == [
        (13, 5, "questions[0].prompt"),
        (16, 7, "questions[0].answer.value"),
    ]
    assert "{dk}" in problems[0][3]
    assert "'dk'" in problems[1][3]


def test_python_tags_are_refused_without_running_anything() -> None:
    [(line, col, path, message)] = _problems("python-tag.yaml")
    assert (line, col, path) == (10, 13, "questions[0].prompt")
    assert "!!python/object/apply:os.system" in message and "not allowed" in message


def test_duplicate_question_ids() -> None:
    [(line, col, path, message)] = _problems("duplicate-ids.yaml")
    assert (line, col, path) == (14, 5, "questions[1].id")
    assert "duplicate question id 'q'" in message


def test_derivation_that_ends_elsewhere_than_the_answer() -> None:
    [(line, col, path, message)] = _problems("derivation-mismatch.yaml")
    assert (line, col, path) == (21, 9, "questions[0].derivation[1].formula")
    # n²·d versus 2·n²·d for the seed-0 draw, whatever it is: the answer is twice the step
    got, want = (int(x.replace(",", "")) for x in _numbers_after(message, ("gives ", "is ")))
    assert want == 2 * got


def _numbers_after(message: str, markers: tuple[str, str]) -> list[str]:
    first = message.split(markers[0], 1)[1].split(" ", 1)[0]
    second = message.split("answer " + markers[1], 1)[1].split(" ", 1)[0]
    return [first, second]


def test_calc_demo_follow_ups_checks_and_non_positive_answers() -> None:
    problems = {p[2]: (p[0], p[1], p[3]) for p in _problems("links.yaml")}
    assert problems["questions[0].calc.quantity"][:2] == (21, 7)
    assert "qk_flops" in problems["questions[0].calc.quantity"][2]
    assert problems["questions[0].demo.name"][:2] == (22, 12)
    assert problems["questions[0].follow_ups[0]"][:2] == (23, 18)
    assert "links/nowhere" in problems["questions[0].follow_ups[0]"][2]
    assert problems["questions[0].follow_ups[1]"][:2] == (23, 27)
    assert problems["questions[0].checks[0].score"][:2] == (25, 27)
    assert problems["questions[1].answer.value"][:2] == (32, 28)
    assert "must be positive" in problems["questions[1].answer.value"][2]
    assert problems["questions[1].calc.op"][:2] == (34, 12)
    assert "did you mean sdpa" in problems["questions[1].calc.op"][2]


def test_calc_options_are_checked_against_the_op() -> None:
    problems = {p[2]: (p[0], p[1], p[3]) for p in _problems("calc-options.yaml")}
    assert problems["questions[0].calc.options.causal_flops"][:2] == (21, 17)
    assert "skip, full" in problems["questions[0].calc.options.causal_flops"][2]
    assert problems["questions[0].calc.options.rounding"][:2] == (21, 42)
    assert "causal_flops" in problems["questions[0].calc.options.rounding"][2]
    assert len(problems) == 2  # and nothing else: the answer itself is fine


def test_a_broken_user_pack_does_not_stop_the_others(tmp_path: Path) -> None:
    good = (ROOT / "quizapp" / "templates" / "starter.yaml").read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(good.replace("__PACK_ID__", "mine"), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    library = load_all([tmp_path])
    assert library.get("mine/qk-flops").kind == "number"
    assert library.get("mine/cost-growth").kind == "choice"
    assert [Path(e.file).name for e in library.errors] == ["broken.yaml"]
    assert library.errors[0].line == 3  # the flow sequence is still open at the end of file


def test_unknown_question_suggests_close_matches(tmp_path: Path) -> None:
    good = (ROOT / "quizapp" / "templates" / "starter.yaml").read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(good.replace("__PACK_ID__", "mine"), encoding="utf-8")
    library = load_all([tmp_path])
    assert library.find("mine/qk-flop") is None
    assert "mine/qk-flops" in library.close_matches("mine/qk-flop")


def test_the_starter_template_validates(tmp_path: Path) -> None:
    text = (ROOT / "quizapp" / "templates" / "starter.yaml").read_text(encoding="utf-8")
    path = tmp_path / "starter-pack.yaml"
    path.write_text(text.replace("__PACK_ID__", "starter-pack"), encoding="utf-8")
    report = validate([path])
    assert report.ok, "\n".join(map(str, report.errors))
    assert (report.packs, report.questions) == (1, 2)


def test_schema_file_is_in_sync_with_the_models() -> None:
    from quizapp.pack_schema import json_schema

    on_disk = json.loads((ROOT / "questions" / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "regenerate: quizapp schema --output questions/schema.json"


def test_every_shipped_pack_validates() -> None:
    report = validate([ROOT / "questions"])
    assert report.ok, "\n".join(map(str, report.errors))


def test_every_shipped_pack_starts_with_the_schema_comment() -> None:
    for path in SHIPPED:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=./schema.json", path.name


def _calc_questions() -> list[tuple[str, object]]:
    out = []
    for path in SHIPPED:
        pack, _errors = load_pack_file(path)
        if pack is None:
            continue
        for q in pack.model.questions:
            if q.calc is not None and q.answer.kind == "number":
                out.append((f"{pack.id}/{q.id}", q))
    return out


def test_calc_questions_agree_with_their_cost_model() -> None:
    from engine import costs
    from engine.problems import draw, evaluate

    questions = _calc_questions()
    assert questions, "no shipped question names a calc"
    for qid, q in questions:
        for seed in range(5):
            v = draw(q, seed)
            params = {k: evaluate(f, v.params) for k, f in q.calc.params.items()}
            dtype = q.calc.dtype or "fp32"
            cost = costs.compute(q.calc.op, params, dtype=dtype, **q.calc.options)
            model = cost.quantity(q.calc.quantity)
            assert math.isclose(model, v.answer_value, rel_tol=1e-9), (qid, seed, v.params)


def test_a_mistake_that_equals_the_answer_for_some_draw() -> None:
    # n·d² = n²·d whenever the draw gives n = d: a right answer would be scolded
    [(line, col, path, message)] = _problems("mistake-equals-answer.yaml")
    assert (line, col, path) == (18, 9, "questions[0].mistakes[0].value")
    assert "equals the answer" in message
