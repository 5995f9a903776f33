"""A simulated learner for the scheduling tests: a known FSRS memory model.

It answers a question right with the probability its own model gives for that moment
(a question met for the first time: a coin toss), and keeps its own memory of every
question. Its parameters are not the app's defaults: it forgets faster at first, so
a scheduler fitted to its answers has something to find.
"""

from __future__ import annotations

import random
from datetime import datetime

from fsrs import Card, Rating, Scheduler

#: FSRS-6 defaults with the four initial stabilities (w0..w3) halved.
LEARNER_PARAMETERS = (0.106, 0.65, 1.15, 4.15, *Scheduler().parameters[4:])


class Learner:
    """Answers with its own retrievability; the app only sees right or wrong."""

    def __init__(self, seed: int, parameters: tuple[float, ...] = LEARNER_PARAMETERS) -> None:
        self.memory = Scheduler(parameters=parameters, enable_fuzzing=False)
        self.cards: dict[str, Card] = {}
        self.rng = random.Random(seed)

    def answer(self, qid: str, now: datetime) -> bool:
        card = self.cards.get(qid)
        p = 0.5 if card is None else self.memory.get_card_retrievability(card, now)
        right = self.rng.random() < p
        card = card or Card(card_id=len(self.cards) + 1, due=now)
        self.cards[qid], _ = self.memory.review_card(
            card, Rating.Good if right else Rating.Again, now
        )
        return right

    def recall_on(self, qid: str, moment: datetime) -> float:
        card = self.cards.get(qid)
        return 0.0 if card is None else self.memory.get_card_retrievability(card, moment)
