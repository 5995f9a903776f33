"""Options several subcommands share: where packs are loaded from, and which to use.

`--packs DIR` works on the group and on every command that loads packs
(`quizapp --packs DIR validate` and `quizapp validate --packs DIR` mean the same);
all the directories given end up in one list on the root context. `practice` and
`mock` also use `--packs` to choose packs by id, so there a value written as a path
(with a `/`, or starting with `.` or `~`) is a directory and anything else an id:
pack ids are lowercase letters, digits and dashes, so the two never collide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: pack_schema.ID_PATTERN and TOPIC_PATTERN (one shape; not imported: pydantic is heavy and
#: `--help` stays light). tests/test_cli.py keeps them equal.
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def pack_dirs(ctx: click.Context) -> list[str]:
    """Every extra pack directory given so far, on the group or on the command."""
    root = ctx.find_root()
    root.ensure_object(dict)
    return root.obj.setdefault("packs_dirs", [])


def add_pack_dirs(ctx: click.Context, dirs: list[str] | tuple[str, ...]) -> None:
    """Record extra pack directories, each checked to be an existing directory."""
    for raw in dirs:
        path = Path(raw).expanduser()
        if not path.is_dir():
            raise click.BadParameter(
                f"{raw!r} is not a directory of question packs", ctx=ctx, param_hint="'--packs'"
            )
        pack_dirs(ctx).append(str(path))


def _dirs_callback(ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> None:
    add_pack_dirs(ctx, values)


def packs_dir_option(f: F) -> F:
    """`--packs DIR` (repeatable): load the packs in DIR as well as the shipped ones."""
    return click.option(
        "--packs",
        multiple=True,
        metavar="DIR",
        expose_value=False,
        callback=_dirs_callback,
        help="Also load the question packs in DIR (repeatable; adds to $QUIZAPP_PACKS).",
    )(f)


def split_names(values: tuple[str, ...]) -> list[str]:
    """Repeatable options that also take comma-separated lists: --topics a,b --topics c."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def check_ids(names: list[str], what: str) -> list[str]:
    """Names of packs or topics, checked for shape (existence is checked once loaded)."""
    for name in names:
        if not _ID.match(name):
            raise click.BadParameter(
                f"{name!r} is not a {what} id: expected lowercase letters, digits and dashes "
                "(see `quizapp packs`)",
                param_hint=f"'--{what}s'",
            )
    return names


def _looks_like_path(value: str) -> bool:
    return "/" in value or value.startswith((".", "~"))


def pack_selection(ctx: click.Context, values: tuple[str, ...]) -> list[str]:
    """Split `--packs` of practice/mock into pack ids (returned) and directories (recorded)."""
    names = split_names(values)
    add_pack_dirs(ctx, [n for n in names if _looks_like_path(n)])
    ids = [n for n in names if not _looks_like_path(n)]
    for name in ids:
        if not _ID.match(name) and Path(name).is_dir():
            raise click.BadParameter(
                f"{name!r} is a directory, not a pack id: write it as ./{name} to load its packs",
                ctx=ctx,
                param_hint="'--packs'",
            )
    return check_ids(ids, "pack")


def require_known(ctx: click.Context, pack_ids: list[str], topics: list[str]) -> None:
    """Usage error (exit 2, before the TUI opens) for a pack id or topic that is not loaded.

    `practice` and `mock` share it so that `--topics nonsense` means the same in both:
    the message names the valid packs or topics. Loads the packs, so call it only when
    something was chosen. The packs are checked alone first, so the error names the
    option whose value failed (not a guess from its wording).
    """
    if not pack_ids and not topics:
        return
    from quizapp.mock import MockConfig, MockConfigError, candidates
    from quizapp.packs import load_all

    library = load_all(pack_dirs(ctx))
    checks = [("'--packs'", MockConfig(packs=tuple(pack_ids)))] if pack_ids else []
    if topics:
        checks.append(("'--topics'", MockConfig(packs=tuple(pack_ids), topics=tuple(topics))))
    for option, config in checks:
        try:
            candidates(library.questions, config)
        except MockConfigError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param_hint=option) from None
