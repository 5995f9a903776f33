"""The dispatcher: one `check` for every answer kind, never raising on a response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.answers.errors import OutOfTime, ParseError, SpecError, Undecided
from engine.answers.latex import plain
from engine.answers.verdict import Verdict, invalid
from engine.formula.budget import ECHO_BUDGET, Budget

KINDS = ("number", "expression", "big_o", "choice", "recall")
#: Kinds whose response is maths, where LaTeX (`\\frac{n^2 d}{B}`) is read as typed.
MATHS_KINDS = frozenset({"number", "expression", "big_o"})


def check(
    spec: Mapping,
    response: str,
    params: Mapping[str, float] | None = None,
    *,
    mistakes: Sequence[Mapping] | None = None,
) -> Verdict:
    """Grade `response` against a pack's `answer:` spec for the variant drawn with `params`.

    Never raises for a response, whatever it holds: text that cannot be read, or a
    check that cannot be decided within the time budget, gives `valid=False` so the
    learner can retry at no cost. A malformed *spec* raises SpecError (a pack bug,
    caught by `quizapp validate`).
    """
    if not isinstance(spec, Mapping):
        raise SpecError("an answer spec must be a mapping")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise SpecError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    params = dict(params or {})
    all_mistakes = _mistakes(spec, mistakes)
    if response is None:
        return invalid("Type an answer first.")
    if not isinstance(response, str):
        response = str(response)
    if not response.strip() and kind != "recall":
        return invalid("Type an answer first.")
    deadline = Budget()
    try:
        if kind in MATHS_KINDS:
            response = plain(response)
        if kind == "number":
            from engine.answers.numbers import check_number

            return check_number(spec, response, params, all_mistakes, deadline)
        if kind == "big_o":
            from engine.answers.bigo import check_big_o

            return check_big_o(spec, response, params, all_mistakes, deadline)
        if kind == "expression":
            from engine.answers.expression import check_expression

            return check_expression(spec, response, params, all_mistakes, deadline)
        from engine.answers.choice import check_choice, check_recall

        if kind == "choice":
            return check_choice(spec, response)
        return check_recall(spec, response)
    except SpecError:
        raise
    except (Undecided, OutOfTime):
        return invalid("Could not decide whether that is right in time; try a simpler form.")
    except ParseError as err:
        return invalid(f"Could not read that: {err.message}.")
    except Exception:  # last resort: a response must never crash the practice screen
        return invalid("Could not decide whether that is right; try writing it another way.")


def _mistakes(spec: Mapping, extra: Sequence[Mapping] | None) -> list[Mapping]:
    out: list[Mapping] = []
    for source in (spec.get("mistakes"), extra):
        if not source:
            continue
        if not isinstance(source, Sequence) or isinstance(source, str):
            raise SpecError("`mistakes` must be a list of {value, feedback} entries")
        for m in source:
            if not isinstance(m, Mapping):
                raise SpecError("each mistake must be a mapping with `feedback`")
            out.append(m)
    return out


def interpret(spec: Mapping, response: str) -> str:
    """How the response is understood, for the live echo while typing. Never raises."""
    budget = Budget(ECHO_BUDGET)
    try:
        kind = spec.get("kind") if isinstance(spec, Mapping) else None
        text = str(response or "")
        if not text.strip():
            return ""
        if kind in MATHS_KINDS:
            text = plain(text)
        if kind == "number":
            from engine.answers.numbers import interpret_number

            return interpret_number(spec, text, budget)
        if kind == "big_o":
            from engine.answers.bigo import interpret_big_o

            return interpret_big_o(spec, text, budget)
        if kind == "expression":
            from engine.answers.expression import interpret_expression

            return interpret_expression(spec, text, budget)
        if kind == "choice":
            from engine.answers.choice import interpret_choice

            return interpret_choice(spec, text)
        return text.strip()
    except OutOfTime:
        return "? too long to read while typing; press Enter to check"
    except Exception as err:  # the echo must never break typing
        return f"? {getattr(err, 'message', None) or 'cannot read this yet'}"


def expected_text(spec: Mapping, params: Mapping[str, float] | None = None) -> str:
    """The expected answer for display: '5,120,000 FLOP (5.12 MFLOP)', 'Θ(n²·d)', 'b) …'."""
    params = dict(params or {})
    kind = spec.get("kind")
    if kind == "number":
        from engine.answers.numbers import expected_number_text

        return expected_number_text(spec, params)
    if kind == "big_o":
        from engine.answers.bigo import expected_big_o_text

        return expected_big_o_text(spec)
    if kind == "expression":
        from engine.answers.expression import expected_expression_text

        return expected_expression_text(spec, params)
    if kind == "choice":
        from engine.answers.choice import expected_choice_text

        return expected_choice_text(spec)
    if kind == "recall":
        return str(spec.get("value", ""))
    raise SpecError(f"unknown answer kind {kind!r}")
