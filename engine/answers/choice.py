"""Multiple-choice and recall answers: no maths, but the same Verdict and the same care."""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.answers.errors import SpecError
from engine.answers.verdict import Verdict, invalid


def _options(spec: Mapping) -> dict[str, str]:
    options = spec.get("options")
    if not isinstance(options, Mapping) or not options:
        raise SpecError("a choice answer needs `options: {key: text}`")
    return {str(k): str(v) for k, v in options.items()}


def _correct(spec: Mapping, options: Mapping[str, str]) -> list[str]:
    value = spec.get("value")
    keys = [value] if isinstance(value, str) else list(value or [])
    keys = [str(k) for k in keys]
    if not keys:
        raise SpecError("a choice answer needs `value`: the correct key(s)")
    for k in keys:
        if k not in options:
            raise SpecError(f"`value` names {k!r}, which is not among the options")
    return keys


#: An option's line as the app shows it: "b) text", "(b) text", "b. text".
_LINE = re.compile(r"\(?(\w{1,3})[).:]\s+(.+)", re.DOTALL)
#: A word before the keys: "option b", "options a and c", "answer: b".
_LEAD = re.compile(r"(?:options?|answer|choice)\s*:?\s+|answer\s*:\s*", re.IGNORECASE)


def _plain(text: str) -> str:
    """An option's text for comparison: any case, any spacing, without a closing full stop."""
    return " ".join(text.split()).lower().rstrip(" .")


def _by_text(text: str, options: Mapping[str, str]) -> str | None:
    plain = _plain(text)
    return next((k for k, v in options.items() if _plain(v) == plain), None)


def parse_choice(response: str, options: Mapping[str, str]) -> list[str] | str:
    """The keys selected, or an error message. Accepts 'b', 'a, c', 'a c', '(b)', 'AC',
    'option b', an option's text typed out in full, or its line as shown ('b) text')."""
    text = response.strip()
    lowered = {k.lower(): k for k in options}
    whole = _by_text(text, options)
    if whole is not None:
        return [whole]
    line = _LINE.fullmatch(text)
    if line and line.group(1).lower() in lowered:
        key, named = lowered[line.group(1).lower()], _by_text(line.group(2), options)
        if named == key:
            return [key]
        if named is not None:
            return f"{key}) names option {key}, but the text is option {named}'s; type one letter."
    lead = _LEAD.match(text)
    if lead and lead.end() < len(text):
        text = text[lead.end() :]
    pieces = [p for p in re.split(r"[\s,;/+&]+|\band\b", text) if p]
    picked: list[str] = []
    for piece in pieces:
        p = piece.strip("()[]{}.").strip()
        if not p:
            continue
        if p.lower() in lowered:
            picked.append(lowered[p.lower()])
        elif all(len(k) == 1 for k in options) and all(ch.lower() in lowered for ch in p):
            picked.extend(lowered[ch.lower()] for ch in p)
        else:
            return f"There is no option {p!r}; choose from {', '.join(options)}."
    if not picked:
        return f"Choose one of {', '.join(options)}."
    return list(dict.fromkeys(picked))


def check_choice(spec: Mapping, response: str) -> Verdict:
    options = _options(spec)
    correct = _correct(spec, options)
    picked = parse_choice(response, options)
    if isinstance(picked, str):
        return invalid(picked)
    parsed = ", ".join(picked)
    per_option = spec.get("feedback") or {}
    per_option = (
        {str(k): str(v) for k, v in per_option.items()} if isinstance(per_option, Mapping) else {}
    )
    right = set(correct)
    chosen = set(picked)
    shown = ", ".join(correct)
    if chosen == right:
        note = " ".join(per_option[k] for k in picked if k in per_option)
        return Verdict(True, 1.0, ("Correct. " + note).strip(), None, parsed)
    wrong_picks = [k for k in picked if k not in right]
    missed = [k for k in correct if k not in chosen]
    notes = [f"{k}: {per_option[k]}" for k in wrong_picks if k in per_option]
    if len(correct) == 1:
        if len(picked) > 1:
            diagnosis = "choose one option"
            score = 0.0
        else:
            diagnosis = notes[0] if notes else f"{picked[0]} is not the answer"
            score = 0.0
        return Verdict(False, score, f"Not quite: the answer is {shown}.", diagnosis, parsed)
    hits = len(chosen & right)
    score = max(0.0, (hits - len(wrong_picks)) / len(right))
    parts = []
    if missed:
        parts.append("you missed " + ", ".join(missed))
    if wrong_picks:
        parts.append(
            ", ".join(wrong_picks) + (" is" if len(wrong_picks) == 1 else " are") + " not right"
        )
    diagnosis = "; ".join(parts + notes)
    return Verdict(False, round(score, 3), f"Not quite: select all of {shown}.", diagnosis, parsed)


def expected_choice_text(spec: Mapping) -> str:
    """The correct options, one per line ('b) …'), each on a single line.

    Folded YAML leaves a trailing newline and line breaks inside an option's text;
    they are collapsed so that every correct option reads as one line of its own.
    """
    options = _options(spec)
    return "\n".join(f"{k}) {' '.join(options[k].split())}" for k in _correct(spec, options))


def interpret_choice(spec: Mapping, response: str) -> str:
    picked = parse_choice(response, _options(spec))
    return f"? {picked}" if isinstance(picked, str) else ", ".join(picked)


def check_recall(spec: Mapping, response: str) -> Verdict:
    """No automatic grading: show the model answer and let the learner rate themselves."""
    model = str(spec.get("value", "")).strip()
    if not model:
        raise SpecError("a recall answer needs the model answer in `value`")
    return Verdict(
        correct=False,
        score=0.0,
        feedback=f"Model answer: {model} — how well did you recall it (again, hard, good, easy)?",
        diagnosis=None,
        parsed=response.strip(),
        valid=True,
        model_answer=model,
    )
