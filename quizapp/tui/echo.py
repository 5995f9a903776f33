"""The answer box's helpers: its placeholders and the live echo of how text is understood.

Practice and mock interviews both show it; `engine.answers.interpret` is cheap but may touch
sympy, so it runs in a thread worker and the result comes back as an `EchoReady` message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.dom import DOMNode
from textual.worker import get_current_worker

from quizapp.tui.messages import EchoReady

#: What the answer box shows while empty, by answer kind (practice and mock share it).
PLACEHOLDERS = {
    "number": "a number, e.g. 2.1e9, 2.1 G, 2^31, 4 GiB, 3.2 TFLOP",
    "expression": "a formula, e.g. 2*n^2*d",
    "big_o": "a growth class, e.g. n^2*d (the O( ) is optional)",
    "recall": "your answer (optional); Enter reveals the model answer",
}


def echo_in_thread(node: DOMNode, spec: Mapping[str, Any], response: str, group: str) -> None:
    """Interpret `response` off the UI thread; the newest keystroke cancels older runs."""

    def job() -> None:
        from engine.answers import interpret

        text = interpret(spec, response)
        if not get_current_worker().is_cancelled:
            node.post_message(EchoReady(text, response))

    node.run_worker(job, thread=True, exclusive=True, group=group, exit_on_error=False)
