"""Fitting FSRS to the learner: their review log in, the 21 scheduler parameters out.

Why `fsrs-rs-python`: it is the reference optimizer (the one Anki runs), a small Rust
wheel; py-fsrs's own optimizer would pull in torch for the same job.

* Each question's reviews become FSRS items the way fsrs-rs expects them: one item per
  review that came on a later day than the one before it, holding the whole history up
  to that review; `delta_t` is counted in whole UTC calendar days.
* Below `MIN_REVIEWS` reviews nothing is fitted: a fit on a few dozen questions chases
  noise. The report says how many more reviews are needed.
* The fit is scored against the parameters in use (the defaults, or an earlier fit) on
  the same log with fsrs-rs's own `evaluate` (log-loss and binned RMSE); the fitted
  parameters are kept only when they predict the log better.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = ["MIN_REVIEWS", "Fit", "Score", "fit", "histories", "items_from"]

#: Reviews needed before a fit is attempted (about three per question of the shipped packs).
MIN_REVIEWS = 400


@dataclass(frozen=True, slots=True)
class Score:
    """How well a set of parameters predicts the log (lower is better for both)."""

    log_loss: float
    rmse: float


@dataclass(frozen=True, slots=True)
class Fit:
    """What `quizapp optimize` reports."""

    reviews: int
    needed: int
    minimum: int = MIN_REVIEWS
    parameters: tuple[float, ...] | None = None
    before: Score | None = None
    after: Score | None = None

    @property
    def enough(self) -> bool:
        return self.needed == 0

    @property
    def better(self) -> bool:
        """The fitted parameters predict the log better than the ones in use."""
        return (
            self.before is not None
            and self.after is not None
            and self.after.log_loss < self.before.log_loss
        )

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "reviews": self.reviews,
            "enough": self.enough,
            "needed": self.needed,
            "minimum": self.minimum,
        }
        if self.before is not None and self.after is not None:
            payload |= {
                "log_loss_before": round(self.before.log_loss, 5),
                "log_loss_after": round(self.after.log_loss, 5),
                "rmse_before": round(self.before.rmse, 5),
                "rmse_after": round(self.after.rmse, 5),
                "kept": self.better,
                "parameters": None
                if self.parameters is None
                else [round(w, 5) for w in self.parameters],
            }
        return payload


def histories(reviews: Iterable[tuple[str, datetime, int]]) -> dict[str, list[tuple[date, int]]]:
    """question id -> [(UTC day, rating)] in time order, from (qid, time, rating) reviews."""
    result: dict[str, list[tuple[date, int]]] = {}
    for qid, moment, rating in sorted(reviews, key=lambda r: (r[0], r[1])):
        result.setdefault(qid, []).append((moment.date(), int(rating)))
    return result


def items_from(history: Mapping[str, Sequence[tuple[date, int]]]) -> list[Any]:
    """fsrs-rs training items: per question, one per review on a later day than the last."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    items = []
    for reviews in history.values():
        so_far: list[Any] = []
        previous = reviews[0][0] if reviews else None
        for day, rating in reviews:
            delta = (day - previous).days if previous is not None else 0
            so_far.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append(FSRSItem(list(so_far)))
            previous = day
    return [item for item in items if item.long_term_review_cnt() > 0]


def _score(parameters: Sequence[float], items: Sequence[Any]) -> Score:
    from fsrs_rs_python import FSRS

    evaluation = FSRS(list(parameters)).evaluate(items)
    return Score(log_loss=float(evaluation.log_loss), rmse=float(evaluation.rmse_bins))


def _within_bounds(parameters: Sequence[float]) -> tuple[float, ...]:
    """Clip to py-fsrs's bounds (the scheduler refuses anything outside them)."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    return tuple(
        min(max(float(w), lo), hi)
        for w, lo, hi in zip(
            parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )


def fit(
    history: Mapping[str, Sequence[tuple[date, int]]],
    current: Sequence[float],
    *,
    min_reviews: int = MIN_REVIEWS,
) -> Fit:
    """Fit FSRS parameters to `history`, scored against the `current` ones."""
    reviews = sum(len(r) for r in history.values())
    if reviews < min_reviews:
        return Fit(reviews=reviews, needed=min_reviews - reviews, minimum=min_reviews)
    items = items_from(history)
    if not items:  # every review on one day: nothing to learn forgetting from
        return Fit(reviews=reviews, needed=0, minimum=min_reviews)
    from fsrs_rs_python import FSRS

    fitted = _within_bounds(FSRS(list(current)).compute_parameters(items))
    return Fit(
        reviews=reviews,
        needed=0,
        minimum=min_reviews,
        parameters=fitted,
        before=_score(current, items),
        after=_score(fitted, items),
    )
