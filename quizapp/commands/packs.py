"""`quizapp packs`: the loaded packs, with question counts by topic and kind; and
`packs add/remove/update/restore/orphans` for packs shared as git repositories
(`quizapp.pack_sources` does the work; these commands only talk to the user).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from quizapp.cli import SuggestingGroup
from quizapp.commands.options import pack_dirs, packs_dir_option
from quizapp.words import count, validate_command


def pack_rows(library: Any) -> list[dict[str, Any]]:
    """One summary per pack: id, title, file, question count, counts by topic and kind."""
    rows = []
    for pack in library.packs:
        questions = [q for q in library.questions if q.pack_id == pack.id]
        topics = Counter(t for q in questions for t in q.topics)
        kinds = Counter(q.kind for q in questions)
        rows.append(
            {
                "id": pack.id,
                "title": pack.title,
                "version": pack.model.version,
                "file": str(pack.file),
                "shipped": pack.shipped,
                "questions": len(questions),
                "topics": dict(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))),
                "kinds": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
            }
        )
    return rows


@click.group(cls=SuggestingGroup, invoke_without_command=True)
@packs_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
@click.pass_context
def packs(ctx: click.Context, as_json: bool) -> None:
    """List question packs with their question counts by topic and kind.

    The subcommands add packs shared as git repositories, update or remove them,
    restore them from the lock file on another machine, and list the questions whose
    history outlived their pack.
    """
    if ctx.invoked_subcommand is not None:
        return
    from quizapp.commands.preview import load_library
    from quizapp.packs import MissingPackFolder, no_packs_hint

    library = load_library(ctx)
    rows = pack_rows(library)
    if as_json:
        payload = {"packs": rows, "errors": [e.to_json() for e in library.errors]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        ctx.exit(0 if rows else 1)
    if not rows:
        click.echo(no_packs_hint(), err=True)
        ctx.exit(1)
    for row in rows:
        origin = "" if row["shipped"] else f"  ({row['file']})"
        click.secho(
            f"{row['id']}  {row['title']}  — {count(row['questions'], 'question')}{origin}",
            bold=True,
        )
        click.echo("  kinds:  " + ", ".join(f"{k} {n}" for k, n in row["kinds"].items()))
        click.echo("  topics: " + ", ".join(f"{k} {n}" for k, n in row["topics"].items()))
    total = sum(r["questions"] for r in rows)
    click.echo(f"{count(len(rows), 'pack')}, {count(total, 'question')}")
    broken = [e for e in library.errors if not isinstance(e, MissingPackFolder)]
    for missing in (e for e in library.errors if isinstance(e, MissingPackFolder)):
        click.echo(f"{missing.file}: {missing.message}", err=True)
    if broken:
        click.echo(
            f"skipped pack files with {count(len(broken), 'problem')}; "
            f"run `{validate_command(pack_dirs(ctx))}` to see them",
            err=True,
        )
    _warn_about_sources()


def _warn_about_sources() -> None:
    """Say when the lock file is damaged or lists sources not cloned on this machine."""
    from quizapp import pack_sources

    try:
        sources = pack_sources.read_lock()
    except pack_sources.SourceError as exc:
        click.secho(f"{exc.message}; packs from git are not loaded", fg="yellow", err=True)
        return
    missing = [s.name for s in sources if not s.pack_dir.is_dir()]
    if missing:
        click.secho(
            f"pack sources in the lock file but not here: {', '.join(missing)}; "
            "`quizapp packs restore` clones them",
            fg="yellow",
            err=True,
        )


def _fail(exc: Any) -> click.ClickException:
    """A SourceError as a CLI error (exit 1), each pack problem on its own line first."""
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    return click.ClickException(exc.message)


def _pack_list(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "no packs"


def _waiting() -> None:
    """Said once when another `quizapp packs` command holds the pack sources' lock."""
    click.echo("waiting for another `quizapp packs` command to finish…", err=True)


@packs.command("add")
@click.argument("source", metavar="URL|PATH[@REF]")
@click.option("--ref", default=None, help="Branch, tag or commit to use (same as @REF).")
@click.option(
    "--name", default=None, help="Name for this source (default: from the repository name)."
)
def add_source(source: str, ref: str | None, name: str | None) -> None:
    """Add the packs of a git repository (a URL or a local path), at REF if given.

    The repository is cloned into your pack folder and its packs are validated before
    they are enabled; nothing from the repository is ever run. The resolved commit is
    recorded in the lock file (see `quizapp packs restore`).
    """
    from quizapp import pack_sources

    try:
        added = pack_sources.add(source, name=name, ref=ref, on_wait=_waiting)
    except pack_sources.SourceError as exc:
        raise _fail(exc) from None
    click.echo(
        f"Added {added.name} at {added.commit[:12]}: {_pack_list(added.packs)} ({added.path})"
    )


@packs.command("remove")
@click.argument("ident", metavar="ID")
def remove_source(ident: str) -> None:
    """Remove an added source (by its name or one of its pack ids).

    Your history of its questions is kept: add the source again and it is all there.
    """
    from quizapp import pack_sources

    try:
        removed = pack_sources.remove(ident, on_wait=_waiting)
    except pack_sources.SourceError as exc:
        raise _fail(exc) from None
    click.echo(f"Removed {removed.name} ({_pack_list(removed.packs)}); its history is kept")


def _report_updates(results: list[Any], verb: str, same: str) -> None:
    """One line per source; errors on stderr, exit 1 if any failed."""
    failed = 0
    for result in results:
        source = result.source
        if result.error is not None:
            failed += 1
            for problem in result.error.problems:
                click.echo(str(problem), err=True)
            click.secho(
                f"{source.name}: {result.error.message} (kept {result.old_commit[:12]})",
                fg="red",
                err=True,
            )
        elif result.changed:
            click.echo(f"{source.name}: {verb} {result.old_commit[:12]} -> {source.commit[:12]}")
        else:
            click.echo(f"{source.name}: {same} at {source.commit[:12]}")
        if result.removed:
            click.echo(
                f"  {len(result.removed)} questions left the packs; their history is kept "
                "(`quizapp packs orphans` lists them)"
            )
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} sources failed")


@packs.command("update")
@click.argument("ident", metavar="[ID]", required=False)
def update_sources(ident: str | None) -> None:
    """Fetch the latest version of every added source (or of source ID) and validate it.

    A source follows the ref it was added with (a branch moves, a tag or commit stays).
    An update that fails validation is not installed: the previous version stays.
    """
    from quizapp import pack_sources

    try:
        results = pack_sources.update(ident, on_wait=_waiting)
    except pack_sources.SourceError as exc:
        raise _fail(exc) from None
    if not results:
        click.echo("no pack sources added yet (`quizapp packs add URL`)")
    _report_updates(results, "updated", "up to date")


@packs.command("restore")
def restore_sources() -> None:
    """Clone every source of the lock file that is missing here, at its locked commit.

    Copy the lock file (`packs.lock.json` in your pack folder) to another machine and
    run this to get the same packs there.
    """
    from quizapp import locations, pack_sources

    try:
        results = pack_sources.restore(on_wait=_waiting)
    except pack_sources.SourceError as exc:
        raise _fail(exc) from None
    if not results:
        click.echo(f"nothing to restore (lock file: {locations.pack_lock_path()})")
    _report_updates(results, "restored", "restored")


@packs.command("orphans")
@click.option("--json", "as_json", is_flag=True, help="Print the orphans as JSON.")
@click.pass_context
def orphans(ctx: click.Context, as_json: bool) -> None:
    """List questions you have history for that no loaded pack has any more."""
    from quizapp import pack_sources
    from quizapp.commands.preview import load_library
    from quizapp.commands.stats import open_store_or_fail

    library = load_library(ctx)
    with open_store_or_fail() as store:
        found = pack_sources.orphans(library, store.attempts())
    if as_json:
        rows = [{"question": o.question_id, "attempts": o.attempts, "last": o.last} for o in found]
        click.echo(json.dumps({"orphans": rows}, indent=2))
        return
    for orphan in found:
        click.echo(f"{orphan.question_id}  {orphan.attempts} attempts, last {orphan.last}")
    click.echo(
        f"{len(found)} questions with history are in no loaded pack"
        + (" (their history is kept)" if found else ""),
        err=True,
    )
