"""An exclusive lock between processes on one file, held by the operating system.

Two `quizapp packs add` run at once each read the pack lock file, clone for a while,
then write it back: without a lock the second writer drops the first's source. A lock
the OS holds (flock on POSIX, msvcrt.locking on Windows) is released when its process
exits, however it exits, so a crash never leaves a stale lock behind to clean up.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


#: Seconds between attempts while another process holds the lock.
POLL = 0.1


@contextmanager
def exclusive(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock on `path` (created if missing) for the `with` block.

    If another process holds it, `on_wait()` is called once (to tell the user why nothing
    happens) and the call waits for its turn. Not re-entrant: take it once per operation.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if not _try_lock(handle):
            if on_wait is not None:
                on_wait()
            while not _try_lock(handle):
                time.sleep(POLL)
        try:
            yield
        finally:
            _unlock(handle)
