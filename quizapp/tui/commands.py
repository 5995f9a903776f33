"""The command palette's quizapp entries (Ctrl+P): every main action, and each pack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp


class QuizCommands(Provider):
    """Practice, mock interview, demos, history, home, help; plus "Practise pack: …"."""

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        app: QuizApp = self.app  # type: ignore[assignment]
        entries: list[tuple[str, Callable[[], object], str]] = [
            ("Practise: due, then new", app.action_practice, "Every pack, due questions first"),
            ("Practise only what is due now", partial(app.action_practice, True), "Reviews only"),
            ("Practice: choose packs or topics…", app.action_choose_practice, "Pick what to drill"),
            ("Mock interview", app.action_mock, "A timed interview, graded at the end"),
            ("Demos", app.action_demos, "Time kernels and fit the growth on log–log axes"),
            ("History", app.action_history, "Recent attempts and accuracy per topic"),
            ("Stats", app.action_stats, "Retention, forecast, activity, topics, leeches"),
            ("Interview date…", app.action_interview, "Plan every question to the day"),
            ("Home", app.action_home, "Back to the home screen"),
            ("Help for this screen", app.action_help, "What the keys do here (F1)"),
        ]
        store = app.store
        if store is not None and store.load_unfinished_mock() is not None:
            entries.insert(
                0,
                (
                    "Resume the paused mock interview",
                    partial(app.action_mock, None, True),
                    "With the time that was left",
                ),
            )
        library = app.library
        if library is not None:
            from quizapp.practice import PracticeSelection

            for pack in library.packs:
                entries.append(
                    (
                        f"Practise pack: {pack.title}",
                        partial(app.open_practice, PracticeSelection(packs=(pack.id,))),
                        pack.id,
                    )
                )
        return entries

    async def discover(self) -> Hits:
        for name, callback, help_text in self._entries()[:8]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, callback, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
