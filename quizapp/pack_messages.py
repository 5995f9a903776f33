"""Pack problems in words a first-time author can act on.

PyYAML and pydantic describe what their parsers saw ("found character that cannot start
any token", "String should match pattern '^[a-z0-9][a-z0-9-]*$'"); a person writing a
pack needs what to do instead: a tab is a tab, `rel_tolerance` means `rel_tol`, `GiB`
is written `unit: B` with `in_unit: GiB`. `quizapp.packs` keeps the locations; this
module only turns each problem into a sentence.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any


def yaml_hint(problem: str, text: str, mark: Any) -> str:
    """PyYAML's wording, plus what to do about the mistakes people actually make."""
    lines = text.splitlines()
    here = before = ""
    if mark is not None and mark.line < len(lines):
        here = lines[mark.line][mark.column : mark.column + 1]
        before = lines[mark.line][max(mark.column - 1, 0) : mark.column]
    if here == "\t" or "tab character" in problem:
        return "a tab character: indent with spaces (YAML does not allow tabs here)"
    if "mapping values are not allowed" in problem:
        return (
            "': ' inside unquoted text starts a new key; put the text in quotes, "
            "or write it as a block (`prompt: |` and the text on the lines below)"
        )
    if before in ("'", '"') and "expected" in problem:
        return f"{problem} (a quoted text ends just before this: is a quote left open above?)"
    if "expected key" in problem or "'-' indicator" in problem or "<block end>" in problem:
        return f"{problem} (check this line's indentation against the lines above it)"
    return problem


def _clean_message(message: str) -> str:
    """pydantic's "Input should be …" -> "must be …", "Value error, x" -> "x"."""
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    message = message.replace("Input should be", "must be")
    message = message.replace("Field required", "required field missing")
    message = message.replace("Extra inputs are not permitted", "unknown field (not in the schema)")
    return message


def _pattern_message(pattern: str, value: Any) -> str:
    """A regex the value missed, said in words (a person cannot act on `^[a-z0-9][a-z0-9-]*$`)."""
    from quizapp.pack_schema import ID_PATTERN, NAME_PATTERN

    wanted = {
        ID_PATTERN: "lowercase letters, digits and dashes, starting with a letter or digit "
        "(e.g. qk-flops)",
        NAME_PATTERN: "a name of letters, digits and _ that does not start with a digit "
        "(e.g. d_head)",
    }.get(pattern, f"text matching {pattern}")
    return f"{value!r} is not allowed: must be {wanted}"


def schema_message(err: Any, known_fields: list[str] | None) -> str:
    """One pydantic error as a sentence a pack author can act on."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden" and known_fields is not None:
        name = str(err["loc"][-1])
        close = difflib.get_close_matches(name, known_fields, n=1, cutoff=0.6)
        if close:
            return f"unknown field {name!r}; did you mean {close[0]}?"
        return f"unknown field {name!r} (fields here: {', '.join(known_fields)})"
    if kind == "string_pattern_mismatch":
        return _pattern_message(str(ctx.get("pattern", "")), value)
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        return "must not be empty" if least == 1 else f"must have at least {least} entries"
    if kind == "union_tag_invalid":
        tags = [t.strip("' ") for t in str(ctx.get("expected_tags", "")).split(",")]
        tag = str(ctx.get("tag", ""))
        close = difflib.get_close_matches(tag, tags, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown kind {tag!r}{hint} (kinds: {', '.join(tags)})"
    if kind == "literal_error" and err["loc"][-1] == "unit" and isinstance(value, str):
        return _unit_message(value)
    if kind == "literal_error" and isinstance(value, str):
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.5)
        if close:
            return (
                f"{value!r} is not allowed; did you mean {close[0]}? (one of {', '.join(allowed)})"
            )
    if value is None and kind.endswith("_type"):
        return "is empty: give it a value"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields (`name: value` lines indented below it), not {value!r}"
    message = _clean_message(err["msg"])
    if kind == "string_type" and isinstance(value, int | float | bool):
        read = "true/false" if isinstance(value, bool) else "a number"
        return f"must be text: YAML read {value!r} as {read}; put it in quotes"
    if kind == "list_type" and err["loc"][-1] in ("range", "pow2"):
        return "must be a list [lo, hi], e.g. [32, 128]"
    if kind == "list_type" and isinstance(value, str | int | float):
        return f"must be a list, e.g. [{value}]"
    if kind in ("int_type", "float_type") and isinstance(value, str) and _is_number(value):
        message += f", not the text {value!r} (remove the quotes)"
    return message


def _unit_message(unit: str) -> str:
    """`unit:` names a family (FLOP, B, s, …); say which one a scaled or spelt-out unit means."""
    from engine.answers.errors import ParseError
    from engine.answers.numbers import parse_unit
    from quizapp.pack_schema import UNITS

    known = ", ".join(UNITS)
    try:
        family, prefix, _factor, _binary = parse_unit(unit)
    except ParseError:
        return f"unknown unit {unit!r}; `unit` is one of {known}"
    if not prefix:
        return f"write {family!r}, not {unit!r} (`unit` is one of {known})"
    return (
        f"{unit!r} is a multiple of {family}: write `unit: {family}` with the value in "
        f"{family}, and `in_unit: {unit}` if the prompt asks for {unit}"
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def fields_at(loc: tuple[Any, ...]) -> list[str] | None:
    """The field names of the model that pydantic error location `loc` points into.

    Walks the pack models along the location (list indices, dict keys and the tags
    pydantic inserts for discriminated unions), so an unknown key can be compared
    with the keys that are allowed right there.
    """
    from pydantic import BaseModel

    from quizapp.pack_schema import Pack

    current: Any = Pack
    parts = list(loc)
    while parts:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(parts.pop(0))
            if field is None:
                return None
            current = field.annotation
            continue
        origin, args = typing.get_origin(current), typing.get_args(current)
        if origin is list:
            parts.pop(0)
            current = args[0]
        elif origin is dict:
            parts.pop(0)
            current = args[1]
        elif origin in (typing.Union, types.UnionType):
            current = _union_member(args, parts)
            if current is None:
                return None
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        models = [
            m
            for m in map(_unwrap, typing.get_args(current))
            if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        if len(models) == 1:
            return list(models[0].model_fields)
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _union_member(members: tuple[Any, ...], parts: list[Any]) -> Any:
    """The member of a union that location `parts` continues into (consuming a tag if any)."""
    from pydantic import BaseModel, Tag

    tag = parts[0] if parts else None
    models = []
    for member in members:
        meta = typing.get_args(member)[1:] if typing.get_origin(member) is typing.Annotated else ()
        inner = _unwrap(member)
        kind = getattr(inner, "model_fields", {}).get("kind")
        kinds = typing.get_args(kind.annotation) if kind is not None else ()
        if any(isinstance(m, Tag) and m.tag == tag for m in meta) or tag in kinds:
            parts.pop(0)
            return member
        if typing.get_origin(inner) in (typing.Union, types.UnionType):
            found = _union_member(typing.get_args(inner), parts)
            if found is not None:
                return found
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            models.append(member)
    return models[0] if len(models) == 1 else None  # `Model | None`: no tag in the location


def missing_explained_by_typos(errors: list[Any]) -> set[int]:
    """Errors "required field missing" whose field is misspelt as an unknown key beside it.

    `topic: [...]` gives both "topics: required" and "topic: unknown"; the second, with
    its "did you mean topics?", says it all, so the first is dropped.
    """
    unknown = {
        (tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"
    }
    out = set()
    for e in errors:
        if e["type"] != "missing":
            continue
        parent, name = tuple(e["loc"][:-1]), str(e["loc"][-1])
        typos = [key for where, key in unknown if where == parent]
        if difflib.get_close_matches(name, typos, n=1, cutoff=0.6):
            out.add(id(e))
    return out
