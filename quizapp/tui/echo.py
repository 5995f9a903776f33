"""The answer box's helpers: its placeholders and the live echo of how text is understood.

Practice and mock interviews both show it; `engine.answers.interpret` is cheap but may touch
sympy, so it runs in a thread worker and the result comes back as an `EchoReady` message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.dom import DOMNode
from textual.worker import get_current_worker

from quizapp.answer_examples import PLACEHOLDERS
from quizapp.tui.messages import EchoReady

__all__ = ["PLACEHOLDERS", "echo_in_thread"]


def echo_in_thread(node: DOMNode, spec: Mapping[str, Any], response: str, group: str) -> None:
    """Interpret `response` off the UI thread; the newest keystroke cancels older runs."""

    def job() -> None:
        from engine.answers import interpret

        text = interpret(spec, response)
        if not get_current_worker().is_cancelled:
            node.post_message(EchoReady(text, response))

    node.run_worker(job, thread=True, exclusive=True, group=group, exit_on_error=False)
