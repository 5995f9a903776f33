"""Anki decks from question packs: one note per drawn variant, written with genanki.

Why it looks like this:

* A learner who reviews in Anki should still meet different numbers, so each question
  becomes several notes, one per seed (0, 1, …). Variants that come out identical (a
  recall question has no parameters; a small `choice:` draw can repeat) become one note,
  always the one with the lowest seed, so the deck is the same on every export.
* Every number on a card comes from the engine's `draw` (the same call `quizapp preview`
  makes): the prompt, the expected answer and each derivation step with the drawn
  numbers (`2·n²·d = 2·768²·512 = 603,979,776 FLOP`). Nothing is computed here.
* A note's GUID is derived from pack id, question id and seed, so importing a later
  export updates the learner's notes (and keeps their review history) instead of adding
  duplicates. The note type and deck ids are fixed for the same reason.
* Formulas are plain Unicode throughout (n², QKᵀ, √d, ·) as the packs and the engine's
  `spell` write them; Anki shows them as they are, with no MathJax to configure.
  Pack text is Markdown; it is rendered to HTML with raw HTML switched off, so a pack
  cannot put markup or script into a card.
"""

from __future__ import annotations

import hashlib
import html
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.problems import Variant
    from quizapp.packs import LoadedPack, Question

#: Anki matches notes to their note type by this id: never change it.
MODEL_ID = 1_736_405_219
MODEL_NAME = "quizapp question"
#: The top-level deck; each pack is a subdeck "quizapp::<pack title>".
DECK_ROOT = "quizapp"
#: The fields of every note, in order. "Question" names the source (pack/question · seed).
FIELDS = ("Prompt", "Options", "Answer", "Derivation", "Explanation", "Source", "Question")
#: Variants per question unless told otherwise.
DEFAULT_VARIANTS = 3

_FRONT = """<div class="prompt">{{Prompt}}</div>
{{#Options}}<div class="options">{{Options}}</div>{{/Options}}"""

_BACK = """{{FrontSide}}
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Derivation}}<div class="derivation">{{Derivation}}</div>{{/Derivation}}
{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}
<div class="qid">{{Question}}</div>"""

_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.options div { margin: 0.2em 0; }
.answer { font-weight: bold; }
.derivation ol { padding-left: 1.4em; }
.derivation .eq { font-family: monospace; white-space: pre-wrap; }
.source, .qid { color: #888; font-size: 0.75em; margin-top: 0.6em; }
pre { white-space: pre-wrap; }"""


@dataclass(frozen=True)
class NoteSpec:
    """One note before it becomes a genanki object: what a test or a caller can inspect."""

    guid: str
    pack_id: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass
class DeckBuild:
    """The notes of an export, and the questions left out with the reason."""

    notes: list[NoteSpec] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # pack id -> title


def note_guid(pack_id: str, question_id: str, seed: int) -> str:
    """The stable GUID of one variant: the same pack, question and seed give the same note."""
    import genanki

    return str(genanki.guid_for("quizapp", pack_id, question_id, seed))


def _stable_id(text: str) -> int:
    """A deck id that depends only on `text` (Anki ids are positive 63-bit integers)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") >> 2) or 1


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def markdown_html(text: str, *, inline: bool = False) -> str:
    """Pack Markdown as HTML for a card; raw HTML in the text is shown, never interpreted."""
    md = _markdown()
    text = text.strip()
    return md.renderInline(text) if inline else md.render(text).strip()


def _options_html(variant: Variant) -> str:
    options = variant.answer_spec.get("options") or {}
    return "".join(
        f"<div><b>{html.escape(str(key))})</b> {markdown_html(str(text), inline=True)}</div>"
        for key, text in options.items()
    )


def _derivation_html(variant: Variant) -> str:
    if not variant.derivation:
        return ""
    items = []
    for step in variant.derivation:
        text = markdown_html(step.text, inline=True)
        equation = step.equation() if step.formula is not None else ""
        eq_html = f'<div class="eq">{html.escape(equation)}</div>' if equation else ""
        items.append(f"<li>{text}{eq_html}</li>")
    return "<ol>" + "".join(items) + "</ol>"


def _answer_html(variant: Variant) -> str:
    if variant.kind == "recall":
        return markdown_html(variant.expected)
    return html.escape(variant.expected)


def variant_fields(variant: Variant) -> tuple[str, ...]:
    """The note fields (in FIELDS order) of one drawn variant."""
    return (
        markdown_html(variant.prompt),
        _options_html(variant) if variant.kind == "choice" else "",
        _answer_html(variant),
        _derivation_html(variant),
        markdown_html(variant.explanation) if variant.explanation.strip() else "",
        html.escape(variant.source),
        html.escape(f"{variant.qid} · seed {variant.seed}"),
    )


def note_tags(question: Question) -> tuple[str, ...]:
    """Tags a learner can filter by in Anki: the question's topics and `pack::<pack id>`."""
    return (*question.topics, f"pack::{question.pack_id}")


def question_notes(
    question: Question, variants: int, draw: Callable[[Any, int], Variant]
) -> list[NoteSpec]:
    """Up to `variants` notes for one question (seeds 0…variants-1, identical draws once).

    `draw(question, seed)` is the engine's draw; errors propagate to the caller.
    """
    notes: list[NoteSpec] = []
    seen: set[tuple[str, ...]] = set()
    for seed in range(variants):
        variant = draw(question, seed)
        fields = variant_fields(variant)
        content = fields[:-1]  # everything but the "pack/question · seed" label
        if content in seen:
            continue
        seen.add(content)
        notes.append(
            NoteSpec(
                note_guid(question.pack_id, question.id, seed),
                question.pack_id,
                fields,
                note_tags(question),
            )
        )
    return notes


def _engine_draw(question: Question, seed: int) -> Variant:
    from engine.problems import draw

    return draw(question.model, seed, qid=question.qid)


def build_notes(
    packs: Sequence[LoadedPack], questions: Iterable[Question], variants: int = DEFAULT_VARIANTS
) -> DeckBuild:
    """The notes for `questions`; a question the engine cannot draw is skipped, with why
    (the caller adds how to look into it: only it knows which pack folders to name)."""
    from engine.problems import FormulaError, RenderError

    build = DeckBuild(titles={p.id: p.title for p in packs})
    for question in questions:
        try:
            build.notes += question_notes(question, variants, _engine_draw)
        except (FormulaError, RenderError, ValueError, KeyError) as exc:
            build.skipped.append(f"{question.qid}: {exc}")
    return build


def deck_name(title: str) -> str:
    """The subdeck of a pack; `::` in a title would nest decks, so it is replaced."""
    return f"{DECK_ROOT}::{title.replace('::', ':')}"


def _model() -> Any:
    import genanki

    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card 1", "qfmt": _FRONT, "afmt": _BACK}],
        css=_CSS,
    )


def write_package(build: DeckBuild, path: str | os.PathLike[str]) -> None:
    """Write the notes as an .apkg, atomically (a temporary file renamed into place).

    The folder must exist: whether to create one is the caller's decision (`quizapp export`
    creates only its own exports folder)."""
    import genanki

    model = _model()
    decks: dict[str, Any] = {}
    for spec in build.notes:
        deck = decks.get(spec.pack_id)
        if deck is None:
            title = build.titles.get(spec.pack_id, spec.pack_id)
            deck = genanki.Deck(_stable_id(f"quizapp-deck:{spec.pack_id}"), deck_name(title))
            decks[spec.pack_id] = deck
        deck.add_note(
            genanki.Note(
                model=model, fields=list(spec.fields), tags=list(spec.tags), guid=spec.guid
            )
        )
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".quizapp-", suffix=".apkg", dir=target.parent)
    os.close(fd)
    try:
        genanki.Package(list(decks.values())).write_to_file(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it private; a deck is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
