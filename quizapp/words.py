"""Words a person reads: counted nouns ('1 attempt', '2 attempts'), commands to run."""

from __future__ import annotations

import shlex
from collections.abc import Iterable


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly one: count(1, 'attempt') == '1 attempt'.

    Regular plurals add 's'; give `plural` for others (count(2, 'is', 'are')).
    """
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def validate_command(extra_dirs: Iterable[str] = ()) -> str:
    """The `quizapp validate` command that checks the packs the app loaded.

    Packs loaded with `--packs DIR` are only checked when the command names DIR again,
    so a hint after a broken pack in DIR must carry it.
    """
    return " ".join(["quizapp validate", *(f"--packs {shlex.quote(d)}" for d in extra_dirs)])
