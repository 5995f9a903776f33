"""The one place a failed worker becomes something the user sees.

Textual reports a worker that raised with a `Worker.StateChanged` message (state
ERROR) sent to the node that started it; it does not bubble. Workers here are started
with `exit_on_error=False` so that an error never closes the app, which means that
without a handler the error would vanish and the screen would sit waiting ("checking…"
forever). Screens mix `WorkerFailures` in and say, in `worker_failed`, how to get back
to a usable state; the mixin turns the exception into a sentence and logs the details.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.worker import Worker, WorkerState

from quizapp.words import clip

log = logging.getLogger(__name__)

#: Characters of an error shown on screen (the log keeps the whole traceback).
FAILURE_CHARS = 300


def failure_text(error: BaseException | None) -> str:
    """A one-line description of what went wrong (an error's text can span lines)."""
    if error is None:
        return "an unknown error"
    return clip(str(error).strip() or type(error).__name__, FAILURE_CHARS)


class WorkerFailures:
    """Mixin for screens: routes every failed worker of the screen to `worker_failed`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        log.error("worker %s (%s) failed", worker.name, worker.group, exc_info=worker.error)
        self.worker_failed(worker, failure_text(worker.error))

    def worker_failed(self, worker: Worker[Any], message: str) -> None:
        """Show `message` and leave a recoverable state (screens override this)."""
        raise NotImplementedError
