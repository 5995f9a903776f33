"""How an expected or model answer is written in Markdown (practice verdicts, mock reports).

An answer that fits on one line goes after its label; a longer one becomes a block
under it, so that the structure the pack author wrote survives: the correct options of
a choice one per list item, a recall answer's own list or paragraphs as written.
Collapsing them into one line ran folded YAML and list items together.
"""

from __future__ import annotations


def answer_markdown(label: str, text: str, kind: str = "") -> list[str]:
    """Markdown lines for `**label:** text`, a block when `text` has several lines.

    `kind` is the answer kind: each line of a choice answer is one correct option and
    becomes a list item; any other multi-line text is Markdown already (a recall
    answer's list or paragraphs) and is kept as it is.
    """
    lines = [line.rstrip() for line in text.strip().splitlines()]
    if len(lines) <= 1:
        return [f"**{label}:** {text.strip()}"]
    if kind != "choice":
        return [f"**{label}:**", "", *lines]
    return [f"**{label}:**", "", *(f"- {line.strip()}" for line in lines if line.strip())]
