"""The example answers an empty answer box shows, kept out of the TUI so validation can see them.

An example is a hint about notation, never about content: `quizapp validate` grades every
example against every question of its kind and fails when one would score as the answer
(the old Big-O example `n^2*d` was the answer to two shipped questions).
"""

from __future__ import annotations

#: Example responses per answer kind, as the answer box shows them.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "number": ("2.1e9", "2.1 G", "7.3*10^5", "1.3 GiB", "3.2 TFLOP"),
    "expression": ("2*n^2*d",),
    "big_o": ("n^2*log(n)",),
}

_LEADS = {
    "number": "a number",
    "expression": "a formula",
    "big_o": "a growth class",
}
_TAILS = {"big_o": " (the O( ) is optional)"}

#: What the answer box shows while empty, by answer kind (practice and mock share it).
PLACEHOLDERS: dict[str, str] = {
    kind: f"{_LEADS[kind]}, e.g. {', '.join(examples)}{_TAILS.get(kind, '')}"
    for kind, examples in EXAMPLES.items()
}
PLACEHOLDERS["recall"] = "your answer (optional); Enter reveals the model answer"
