"""questions/schema.json (what editors check as you type) refuses what `quizapp validate` refuses.

JSON Schema cannot say everything the models check (lo ≤ hi of a range, a power of two
in bounds), but a key that breaks a name pattern or a repeated topic it can: an editor
that stays silent there and a validate that then fails is the mismatch an author hits.
"""

from __future__ import annotations

from typing import Any

from quizapp.pack_schema import json_schema


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [o for item in node for o in _objects(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(o for value in node.values() for o in _objects(value))]


def test_keys_that_miss_their_pattern_are_refused_by_the_schema_too() -> None:
    # params: {my-n: 3} and options: {a-b: ...} fail validate; `patternProperties` alone
    # would let them through the editor
    keyed = [o for o in _objects(json_schema()) if "patternProperties" in o]
    titles = {o.get("title") for o in keyed}
    assert {"Params", "Options"} <= titles
    assert all(o.get("additionalProperties") is False for o in keyed), titles


def test_repeated_topics_are_refused_by_the_schema_too() -> None:
    question = json_schema()["$defs"]["Question"]["properties"]
    assert question["topics"]["uniqueItems"] is True
