"""Writing the newest snapshot of a screen's state off the UI thread, never an older one last.

A screen that saves after every move and every few seconds must not wait for the
database on the UI thread: another process holding it makes a write wait for the whole
busy timeout (5 s), and the countdown would freeze and keys queue meanwhile. So the
screen takes a snapshot on the UI thread (the live object keeps changing there) and
hands it to `Autosave.offer`; a thread worker calls `flush`, which writes the newest
snapshot not written yet. Snapshots offered while a write waits are not queued one by
one: the writer takes the newest when it is free, so a locked database never builds a
backlog, and an older snapshot is never written over a newer one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Autosave(Generic[T]):
    """The newest snapshot offered, and whether it is written (thread-safe)."""

    def __init__(self, write: Callable[[T], None]) -> None:
        """`write` stores one snapshot; it may block, and raises when it cannot."""
        self._write = write
        self._state = threading.Lock()  # guards the fields below
        self._writing = threading.Lock()  # one write at a time, in order
        self._latest: T | None = None
        self._offered = 0
        self._written = 0

    def offer(self, snapshot: T) -> None:
        """Make `snapshot` the next one to write (it replaces any not written yet)."""
        with self._state:
            self._offered += 1
            self._latest = snapshot

    @property
    def pending(self) -> bool:
        """True while the newest snapshot offered is not written."""
        with self._state:
            return self._latest is not None and self._offered > self._written

    def discard(self) -> None:
        """Forget what is not written yet (the state is no longer ours to save)."""
        with self._state:
            self._latest = None
            self._written = self._offered

    def flush(self, timeout: float | None = None) -> bool:
        """Write the newest snapshot until none is pending; exceptions of `write` propagate.

        Returns False without writing when another flush still runs after `timeout`
        seconds (0: do not wait): that one writes what was offered before it finishes.
        None waits as long as it takes.
        """
        if not self._writing.acquire(timeout=-1 if timeout is None else timeout):
            return False
        try:
            while True:
                with self._state:
                    if self._latest is None or self._offered <= self._written:
                        return True
                    number, snapshot = self._offered, self._latest
                self._write(snapshot)
                with self._state:
                    self._written = max(self._written, number)
        finally:
            self._writing.release()
