"""`quizapp new`: write a commented starter pack that already validates."""

from __future__ import annotations

import re
from pathlib import Path

import click

from quizapp.commands.options import pack_dirs, packs_dir_option

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def starter_text(pack_id: str) -> str:
    """The starter pack (quizapp/templates/starter.yaml) with its id filled in."""
    from importlib.resources import files

    template = files("quizapp").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    return template.replace("__PACK_ID__", pack_id)


@click.command()
@click.argument("pack_id")
@click.option(
    "--dir",
    "directory",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write PACK_ID.yaml into (created if missing).",
)
@packs_dir_option
@click.pass_context
def new(ctx: click.Context, pack_id: str, directory: str) -> None:
    """Write PACK_ID.yaml, a commented starter pack to edit; never overwrites a file."""
    if not _ID.match(pack_id):
        raise click.BadParameter(
            "must be lowercase letters, digits and dashes, starting with a letter or digit "
            "(e.g. my-kv-cache)",
            ctx=ctx,
            param_hint="'PACK_ID'",
        )
    target = Path(directory) / f"{pack_id}.yaml"
    if target.exists():
        raise click.ClickException(f"{target} already exists; not overwriting it")
    taken = _pack_file(pack_id, pack_dirs(ctx))
    if taken is not None:
        raise click.ClickException(
            f"a pack with the id {pack_id!r} is already loaded ({taken}); the app would skip "
            "a second one, so choose another id"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_text(pack_id), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {target}: {exc.strerror or exc}") from None
    click.echo(f"wrote {target}")
    click.echo(f"next: edit it, then run `quizapp validate {target}`")
    # without --packs the app does not see the new pack, even in the current folder
    click.echo(f"use it with `quizapp --packs {directory}` or add it to $QUIZAPP_PACKS")


def _pack_file(pack_id: str, extra_dirs: list[str]) -> str | None:
    """The file of an already loaded pack (shipped, user or added) with this id, if any.

    Pack ids are file names, so the directories are listed, not parsed.
    """
    from quizapp import packs

    for directory, _shipped in packs.pack_dirs(extra_dirs):
        if directory.is_dir():
            for f in packs.pack_files(directory):
                if f.stem == pack_id:
                    return packs.display_name(f)
    return None
