"""`quizapp stats`: the progress summary, in the plain terminal (or as JSON).

It prints what the TUI's progress screen shows: totals, then per pack and per topic
the attempts, accuracy, last practice and how many questions are due now.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from quizapp.commands.options import pack_dirs, packs_dir_option
from quizapp.words import count

if TYPE_CHECKING:
    from quizapp.progress import Progress
    from quizapp.store import GroupStats, Store, Summary


def known_questions(
    extra_dirs: Sequence[str],
) -> tuple[dict[str, tuple[str, ...]] | None, str | None]:
    """Question ids (with topics) of the loaded packs, or None and why not.

    Without packs, due counts come from the history alone: still right for every
    question practised so far, only "new" (never seen) cannot be counted.
    """
    from quizapp.packs import load_all

    try:
        library = load_all(list(extra_dirs))
    except Exception as exc:  # a broken pack must not hide the user's own progress
        return None, f"packs could not be loaded ({exc}); due counts use the history only"
    return {q.qid: tuple(getattr(q, "topics", ()) or ()) for q in library.questions}, None


#: How long a command's start waits for a busy history to save the answers kept on disk
#: (seconds); past that they keep waiting there, and the command says so.
REPLAY_WAIT = 1.0


def open_store_or_fail() -> Store:
    """Open the default store, turning a StoreError into a clean CLI error (exit 1).

    A history that cannot be written (a read-only file or folder) is still read. One that
    can is first given the answers an earlier run kept on disk while it was busy
    (`quizapp.recording.replay_kept`, at most REPLAY_WAIT), so that every command counts,
    exports and schedules them, and says so.
    """
    from quizapp.store import Store, StoreError

    try:
        store = Store.open()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if store.recovery_message:
        click.secho(store.recovery_message, fg="yellow", err=True)
    if store.read_only:
        click.secho(
            f"{store.path} cannot be written: reading it as it stands (read-only).",
            fg="yellow",
            err=True,
        )
    else:
        from quizapp.recording import replay_kept

        message = replay_kept(store, timeout=REPLAY_WAIT).message
        if message:
            click.secho(message, fg="yellow", err=True)
    return store


@contextmanager
def saving(action: str) -> Iterator[None]:
    """Turn a write the database refuses (read-only, busy) into a clean CLI error (exit 1).

    Every write is one transaction, so a refused one leaves the history as it was.
    """
    import sqlite3

    from quizapp.recording import write_error_text

    try:
        yield
    except sqlite3.Error as exc:
        raise click.ClickException(
            f"cannot {action}: {write_error_text(exc)}; nothing was saved"
        ) from exc


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _table(title: str, groups: list[GroupStats], show_new: bool) -> list[str]:
    if not groups:
        return []
    width = max(12, *(len(g.name) for g in groups))
    header = (
        f"  {'':<{width}}  {'attempts':>8}  {'accuracy':>8}  {'last practised':<16}  {'due':>4}"
    )
    header += f"  {'new':>4}" if show_new else ""
    lines = ["", title, header]
    for g in groups:
        line = (
            f"  {g.name:<{width}}  {g.attempts:>8}  {_pct(g.accuracy):>8}  "
            f"{_when(g.last_practised):<16}  {g.due_now:>4}"
        )
        lines.append(line + (f"  {g.new:>4}" if show_new else ""))
    return lines


def render_text(summary: Summary, db: str, show_new: bool) -> str:
    """The plain-terminal report."""
    t = summary.total
    lines = ["quizapp progress", f"Database: {db}"]
    if summary.empty:
        lines += [
            "",
            "No practice recorded yet. Start with `quizapp practice` (or just `quizapp`);",
            "every answer is saved as you go, and this page will show how you are doing.",
        ]
        if show_new and t.new:
            lines.append(f"{count(t.new, 'question is', 'questions are')} waiting in the packs.")
        return "\n".join(lines)
    totals = (
        f"Total: {count(t.attempts, 'attempt')} on {count(t.questions_seen, 'question')} · "
        f"accuracy {_pct(t.accuracy)} · last practised {_when(t.last_practised)} · "
        f"due now {t.due_now}"
    )
    if show_new:
        totals += f" · new {t.new}"
    lines += ["", totals]
    lines += _table("By pack", summary.by_pack, show_new)
    lines += _table("By topic", summary.by_topic, show_new)
    return "\n".join(lines)


def _jsonable(group: GroupStats) -> dict[str, Any]:
    return {
        "name": group.name,
        "attempts": group.attempts,
        "correct": group.correct,
        "accuracy": group.accuracy,
        "last_practised": None
        if group.last_practised is None
        else group.last_practised.isoformat(),
        "questions_seen": group.questions_seen,
        "due_now": group.due_now,
        "new": group.new,
    }


def _progress(store: Store, known: Mapping[str, Sequence[str]]) -> Progress:
    """Retention, forecast, activity, topics and leeches as of now (see quizapp.progress)."""
    from datetime import date

    from quizapp.planning import interview_date
    from quizapp.progress import progress
    from quizapp.store import utc_now

    return progress(
        store, known, now=utc_now(), today=date.today(), interview=interview_date(store)
    )


def render_progress(p: Progress) -> str:
    """The spaced-repetition part of the plain-terminal report."""
    lines = ["", "Spaced repetition"]
    lines.append(
        f"  retention (last {p.retention_days} days): {_pct(p.measured_retention)} recalled of "
        f"{p.retention_reviews} reviews; aiming for {_pct(p.desired_retention)}"
    )
    lines.append(f"  due: {p.due_today} today, {p.due_this_week} this week")
    lines.append(f"  answers in the last {p.activity_weeks} weeks: {p.activity_total}")
    if p.topics:
        lines.append("  weakest topics (recall now · accuracy):")
        for t in p.topics[:5]:
            lines.append(f"    {t.topic:<24} {_pct(t.retrievability):>5} · {_pct(t.accuracy)}")
    if p.leeches:
        lines.append(
            f"  leeches (failed {p.leech_threshold} times or more; worth a look by the pack's "
            "author):"
        )
        for qid, failures in p.leeches:
            lines.append(f"    {qid}  ({failures} failures)")
    return "\n".join(lines)


@click.command()
@packs_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Also say which packs were counted.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool, verbose: bool) -> None:
    """Show your progress: attempts, accuracy, last practice and questions due, per pack and topic."""
    extra_dirs = pack_dirs(ctx)
    known, problem = known_questions(extra_dirs)
    if problem:
        click.secho(problem, fg="yellow", err=True)
    with open_store_or_fail() as store:
        summary = store.summary(known)
        review_progress = _progress(store, known or {})
        if as_json:
            payload = {
                "database": str(store.path),
                "recovered_from": None
                if store.recovered_from is None
                else str(store.recovered_from),
                "schema_version": store.schema_version,
                "packs_loaded": known is not None,
                "first_practised": None
                if summary.first_practised is None
                else summary.first_practised.isoformat(),
                "total": _jsonable(summary.total),
                "by_pack": [_jsonable(g) for g in summary.by_pack],
                "by_topic": [_jsonable(g) for g in summary.by_topic],
                **review_progress.to_json(),
            }
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        click.echo(render_text(summary, str(store.path), show_new=known is not None))
        if not summary.empty:
            click.echo(render_progress(review_progress))
        if verbose:
            if known is None:
                click.echo("\n(packs not loaded: due counts come from the history only)")
            else:
                click.echo(f"\n({count(len(known), 'question')} in the loaded packs)")
