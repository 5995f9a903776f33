"""A real second process that holds the history database locked (BEGIN EXCLUSIVE).

What another quizapp (or a backup tool) does to us: our writes wait for the busy timeout
and then fail with "database is locked". A thread in this process would not do: SQLite
locks between connections of one process behave differently from another process's.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
"""


@contextmanager
def locked_database(path: Path) -> Iterator[None]:
    """Hold `path` locked by another process for the body of the `with` (released after)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        if holder.stdin is not None:
            holder.stdin.write("\n")
            holder.stdin.close()
        holder.wait(timeout=30)
