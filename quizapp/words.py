"""Words a person reads: counted nouns ('1 attempt', '2 attempts'), text cut to a width,
commands to run (plain strings, so the CLI, the validator and the TUI share them)."""

from __future__ import annotations

import shlex
from collections.abc import Iterable


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly one: count(1, 'attempt') == '1 attempt'.

    Regular plurals add 's'; give `plural` for others (count(2, 'is', 'are')).
    """
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def clip(text: str, width: int) -> str:
    """`text` on one line, cut with '…' to at most `width` characters (whole when it fits).

    Runs of whitespace (newlines too) become one space, so a multi-line answer fits a
    table cell; a space left before the '…' is dropped ('two…', not 'two …').
    """
    line = " ".join(str(text).split())
    if len(line) <= width:
        return line
    return line[: max(0, width - 1)].rstrip() + "…"


def validate_command(extra_dirs: Iterable[str] = ()) -> str:
    """The `quizapp validate` command that checks the packs the app loaded.

    Packs loaded with `--packs DIR` are only checked when the command names DIR again,
    so a hint after a broken pack in DIR must carry it.
    """
    return " ".join(["quizapp validate", *(f"--packs {shlex.quote(d)}" for d in extra_dirs)])
