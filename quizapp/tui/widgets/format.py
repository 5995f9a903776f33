"""How the TUI writes times and ratios (display only: every number comes from the store)."""

from __future__ import annotations

from datetime import datetime

from quizapp.words import clip


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def ago(moment: datetime | None, now: datetime) -> str:
    """'never', 'just now', '5 min ago', '3 h ago', '2 d ago' (relative to the app clock)."""
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h ago"
    return f"{seconds // 86400:.0f} d ago"


def until(moment: datetime | None, now: datetime) -> str:
    """'now', 'in 10 min', 'in 3 h', 'in 4 d', 'in 2.1 mo' (when a review is due).

    Worded by `quizapp.ratings.interval_text`, as the rating buttons are: "in 5 min" under
    a button that says "5 min", never "6 min" from another rounding.
    """
    from quizapp.ratings import interval_text

    if moment is None:
        return "not scheduled"
    if moment <= now:
        return "now"
    return f"in {interval_text(moment - now)}"


def stamp(moment: datetime | None) -> str:
    """A local date and time to the minute."""
    return "–" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def practice_title(
    qid: str, difficulty: int, topics: list[str], seconds: int, right: int, answered: int
) -> str:
    """The practice header, most needed first: the score, the question, its time, topics.

    The header is one line cut at the terminal's edge, so what is cut at 80 columns is
    the list of topics (shown again in the help and history), never the score.
    """
    tally = f"{right}/{answered} right" if answered else "first question"
    return f"{tally}  ·  {qid}  {stars(difficulty)}  {seconds} s  ·  {', '.join(topics)}"


def stars(difficulty: int) -> str:
    """A question's difficulty (1–5, as packs give it) as five stars: 3 -> '★★★☆☆'."""
    return "★" * difficulty + "☆" * (5 - difficulty)


def prompt_summary(markdown: str, width: int = 120) -> str:
    """A prompt's first sentence on one line (cut with '…' past `width`), for menus."""
    text = " ".join(markdown.replace("**", "").replace("`", "").split())
    end = text.find(". ")
    if 0 < end < width:
        text = text[: end + 1]
    return clip(text, width)


def short_stamp(moment: datetime | None, now: datetime) -> str:
    """'11-30 08:26' within the year of `now`, else '2025-11-30': a narrow table column."""
    if moment is None:
        return "–"
    local = moment.astimezone()
    if local.year == now.astimezone().year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")


def clip_id(qid: str, width: int) -> str:
    """A question id in `width` characters: whole, else its last part (the pack dropped)."""
    if len(qid) <= width:
        return qid
    name = "…/" + qid.rpartition("/")[2]
    return name if len(name) <= width else clip(name, width)
