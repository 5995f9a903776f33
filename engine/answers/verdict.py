"""The result of checking one answer: what the learner sees, and how it was graded."""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Self-grading for recall questions (no automatic grading): rating -> score.
SELF_GRADES: dict[str, float] = {"again": 0.0, "hard": 0.6, "good": 1.0, "easy": 1.0}


@dataclass(frozen=True)
class Verdict:
    """One graded answer.

    `valid` is False when the response could not be understood (or the check could
    not decide in time): the UI lets the learner retry at no cost. `parsed` echoes
    how the response was read, so a misreading is visible before grading matters.
    """

    correct: bool
    score: float
    feedback: str
    diagnosis: str | None = None
    parsed: str = ""
    valid: bool = True
    #: The model answer for recall questions; set only when self-grading applies.
    model_answer: str | None = None

    @property
    def needs_self_grade(self) -> bool:
        """True for recall questions: the learner rates their own answer."""
        return self.model_answer is not None

    def self_grade(self, rating: str) -> Verdict:
        """The verdict after the learner rates their own recall (again/hard/good/easy)."""
        return self_grade(rating, self.model_answer or "", parsed=self.parsed)


def self_grade(rating: str, model_answer: str = "", parsed: str = "") -> Verdict:
    """Grade a recall answer by the learner's own rating: again 0, hard 0.6, good 1, easy 1."""
    key = str(rating).strip().lower()
    if key not in SELF_GRADES:
        choices = ", ".join(SELF_GRADES)
        return Verdict(
            correct=False,
            score=0.0,
            feedback=f"Rate your answer as one of: {choices}.",
            parsed=parsed,
            valid=False,
            model_answer=model_answer or None,
        )
    score = SELF_GRADES[key]
    feedback = {
        "again": "Marked to see again soon.",
        "hard": "Recalled with effort; it will come back sooner.",
        "good": "Recalled.",
        "easy": "Recalled easily.",
    }[key]
    return Verdict(correct=score >= 0.6, score=score, feedback=feedback, parsed=parsed)


def invalid(message: str, parsed: str = "") -> Verdict:
    """A response that could not be understood: the learner may retry at no cost."""
    return Verdict(correct=False, score=0.0, feedback=message, parsed=parsed, valid=False)


def with_parsed(verdict: Verdict, parsed: str) -> Verdict:
    return replace(verdict, parsed=parsed)
