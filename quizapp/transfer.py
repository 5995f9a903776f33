"""History that moves with the learner: the JSON export's layout, and importing it.

`quizapp export --format json` writes `history_payload()`; `quizapp import FILE` reads it
back into another data folder with `import_payload()`:

* attempts and review-log rows are recognised by what they say (time, question, answer /
  rating), not by their row ids, so importing the same file twice adds nothing;
* a review-log row points at the imported attempt it belonged to (ids are renumbered);
* a question's card is taken when this folder has none or an older one (by last review);
* mock interviews are recognised by their id; a paused one moves too (resumable in
  the new folder), and a later export of it finished closes it there with its report;
* settings (the interview date, fitted parameters) are taken only where this folder has
  none: what the learner set here wins.

Everything is written in one transaction: a file that fails half-way adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from quizapp.store import Attempt, MockSession, ReviewLogRow, from_iso, to_iso

if TYPE_CHECKING:
    from quizapp.store import Store

__all__ = ["FORMAT", "Imported", "history_payload", "import_payload"]

#: The export's `format` field.
FORMAT = "quizapp-attempts"


class NotAnExport(ValueError):
    """The file is not a quizapp export this version can read (message says why)."""


@dataclass(frozen=True, slots=True)
class Imported:
    """How many of each kind of record were added (0 everywhere: already imported)."""

    attempts: int = 0
    reviews: int = 0
    cards: int = 0
    mock_sessions: int = 0
    settings: int = 0

    @property
    def total(self) -> int:
        return self.attempts + self.reviews + self.cards + self.mock_sessions + self.settings


def _review_dict(row: ReviewLogRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "ts": to_iso(row.ts),
        "question_id": row.question_id,
        "mode": row.mode,
        "attempt_id": row.attempt_id,
        "rating": row.rating,
        "state_before": row.state_before,
        "state_after": row.state_after,
        "stability_before": row.stability_before,
        "stability_after": row.stability_after,
        "difficulty_before": row.difficulty_before,
        "difficulty_after": row.difficulty_after,
        "elapsed_days": row.elapsed_days,
        "duration_ms": row.duration_ms,
        "due_after": to_iso(row.due_after),
        "card_before": row.card_before,
    }


def history_payload(store: Store) -> dict[str, Any]:
    """Everything a learner's history holds, JSON-ready (the export minus its header)."""
    return {
        "attempts": [a.to_dict() for a in store.attempts()],
        "cards": [
            {
                "question_id": c.question_id,
                "card": c.card_json,
                "due": to_iso(c.due),
                "last_review": None if c.last_review is None else to_iso(c.last_review),
            }
            for c in store.cards()
        ],
        "review_log": [_review_dict(r) for r in store.review_log()],
        "mock_sessions": [
            {
                "id": m.id,
                "started": to_iso(m.started),
                "finished": None if m.finished is None else to_iso(m.finished),
                "state": m.state,
                "report": m.report,
                "score": m.score,
            }
            for m in [*store.mock_history(), *store.unfinished_mocks()]
        ],
        "settings": store.settings(),
    }


def _attempt_key(a: Mapping[str, Any]) -> tuple[Any, ...]:
    return (a["ts"], a["question_id"], a.get("mode", "practice"), a.get("response", ""))


def _review_key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    return (r["ts"], r["question_id"], r.get("mode", "practice"), int(r["rating"]))


def _attempt_from(a: Mapping[str, Any]) -> Attempt:
    return Attempt(
        question_id=str(a["question_id"]),
        correct=bool(a["correct"]),
        score=float(a.get("score", 0.0)),
        pack=str(a.get("pack", "")),
        topics=tuple(a.get("topics") or ()),
        kind=str(a.get("kind", "")),
        seed=a.get("seed"),
        response=str(a.get("response", "")),
        parsed=str(a.get("parsed", "")),
        valid=bool(a.get("valid", True)),
        seconds=a.get("seconds"),
        hints_used=int(a.get("hints_used", 0)),
        mode=str(a.get("mode", "practice")),
        session_id=a.get("session_id"),
        feedback=str(a.get("feedback", "")),
        diagnosis=a.get("diagnosis"),
        skipped=bool(a.get("skipped", False)),
        ts=datetime.fromisoformat(a["ts"]),
    )


def _review_from(r: Mapping[str, Any], attempt_id: int | None) -> ReviewLogRow:
    return ReviewLogRow(
        question_id=str(r["question_id"]),
        mode=str(r.get("mode", "practice")),
        rating=int(r["rating"]),
        state_after=int(r["state_after"]),
        due_after=datetime.fromisoformat(r["due_after"]),
        ts=datetime.fromisoformat(r["ts"]),
        attempt_id=attempt_id,
        state_before=r.get("state_before"),
        stability_before=r.get("stability_before"),
        stability_after=r.get("stability_after"),
        difficulty_before=r.get("difficulty_before"),
        difficulty_after=r.get("difficulty_after"),
        elapsed_days=r.get("elapsed_days"),
        duration_ms=r.get("duration_ms"),
        card_before=r.get("card_before"),
    )


def import_payload(store: Store, payload: Mapping[str, Any]) -> Imported:
    """Add what `payload` (a parsed JSON export) holds and this store does not.

    Raises NotAnExport for a file that is not a quizapp export, and KeyError / ValueError /
    TypeError for a record missing a field or holding a wrong type (nothing is written).
    """
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise NotAnExport('not a quizapp JSON export (no "format": "quizapp-attempts")')
    counts = {"attempts": 0, "reviews": 0, "cards": 0, "mock_sessions": 0, "settings": 0}
    with store.transaction():
        existing = {_attempt_key(a.to_dict()): a.id for a in store.attempts()}
        new_ids: dict[Any, int | None] = {}
        for raw in payload.get("attempts") or []:
            attempt = _attempt_from(raw)
            key = _attempt_key(attempt.to_dict())
            if key not in existing:
                existing[key] = store.record_attempt(attempt)
                counts["attempts"] += 1
            new_ids[raw.get("id")] = existing[key]

        logged = {_review_key(_review_dict(r)) for r in store.review_log()}
        for raw in payload.get("review_log") or []:
            row = _review_from(raw, new_ids.get(raw.get("attempt_id")))
            key = _review_key(_review_dict(row))
            if key not in logged:
                store.add_review_log(row)
                logged.add(key)
                counts["reviews"] += 1

        for raw in payload.get("cards") or []:
            qid = str(raw["question_id"])
            theirs = from_iso(raw.get("last_review"))
            mine = store.get_card(qid)
            if mine is None or (
                theirs is not None and (mine.last_review is None or theirs > mine.last_review)
            ):
                store.put_card(qid, str(raw["card"]), datetime.fromisoformat(raw["due"]), theirs)
                counts["cards"] += 1

        for raw in payload.get("mock_sessions") or []:
            session = MockSession(
                id=str(raw["id"]),
                started=datetime.fromisoformat(raw["started"]),
                finished=from_iso(raw.get("finished")),
                state=dict(raw.get("state") or {}),
                report=raw.get("report"),
                score=raw.get("score"),
            )
            counts["mock_sessions"] += store.add_mock_session(session)

        for key, value in (payload.get("settings") or {}).items():
            if store.get_setting(key) is None:
                store.set_setting(key, value)
                counts["settings"] += 1
    return Imported(**counts)
