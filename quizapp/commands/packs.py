"""`quizapp packs`: the loaded packs, with question counts by topic and kind."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

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


@click.command()
@packs_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the packs as JSON.")
@click.pass_context
def packs(ctx: click.Context, as_json: bool) -> None:
    """List question packs with their question counts by topic and kind."""
    from quizapp.commands.preview import load_library

    library = load_library(ctx)
    rows = pack_rows(library)
    if as_json:
        payload = {"packs": rows, "errors": [e.to_json() for e in library.errors]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no packs found")
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
    if library.errors:
        click.echo(
            f"skipped pack files with {count(len(library.errors), 'problem')}; "
            f"run `{validate_command(pack_dirs(ctx))}` to see them",
            err=True,
        )
