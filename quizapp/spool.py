"""Answers the database refused, kept on disk until it takes them: no exit loses one.

When another process holds the history's write lock (a second quizapp, `quizapp import`,
a sqlite3 shell) the `Recorder` keeps the answer in memory and retries. Memory alone
does not survive Ctrl+Q, a closed terminal, `kill -9` or a power cut, so each refused
answer is also written here, next to the database: one small JSON file per answer,
written to a temporary name, fsync'd and renamed into place (a crash leaves either the
whole file or none), named so that a sorted listing is the order the answers were given.

Why one file per answer rather than one appended file: two processes may keep and
replay answers at the same time, and removing one saved answer is then one `unlink`
that cannot disturb another's line (no file lock, nothing to rewrite). Replaying an
answer that was in fact written already is harmless: each answer carries the id it got
when it was given (`Answer.answer_id`), stored with its attempt, and `record()` skips an
id it finds. A file that cannot be read is moved into `unreadable/`, never deleted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.recording import Answer

__all__ = ["FORMAT", "Kept", "Spool"]

#: What a spool file says it is (a file without it is not ours: moved aside).
FORMAT = "quizapp-unsaved-answer"
#: The folder, inside the spool, for files that could not be read.
UNREADABLE = "unreadable"
#: Seconds after which a temporary spool file is taken as abandoned (writing one takes
#: milliseconds; another process still writing is never that slow).
ABANDONED_AFTER = 60.0


@dataclass
class Kept:
    """What the spool holds: the answers in the order given, and the files moved aside."""

    answers: list[tuple[Answer, datetime]] = field(default_factory=list)
    moved_aside: list[Path] = field(default_factory=list)


class Spool:
    """A folder of answers waiting for the database (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._count = 0

    def keep(self, answer: Answer, moment: datetime) -> Path:
        """Write `answer` (given at `moment`) durably; raises OSError if it cannot."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._count += 1
        stamp = moment.strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{os.getpid()}-{self._count:05d}-{answer.answer_id}.json"
        data = {
            "format": FORMAT,
            "version": 1,
            "moment": moment.isoformat(),
            "answer": _answer_dict(answer),
        }
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        _sync_folder(self.folder)
        return path

    def problem(self) -> str | None:
        """Why answers could not be kept here (None: they can), found by creating the folder
        and a file in it: the screens say where answers go before any is given."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=self.folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            return exc.strerror or str(exc)
        return None

    def drop(self, answer_id: str) -> None:
        """Forget the answer with this id (written to the database, here or elsewhere)."""
        for path in self._files(f"*-{answer_id}.json"):
            path.unlink(missing_ok=True)

    def set_aside(self, answer_id: str) -> None:
        """Move the answer with this id into `unreadable/` (it cannot be written)."""
        for path in self._files(f"*-{answer_id}.json"):
            self._move_aside(path)

    def read(self) -> Kept:
        """Every answer kept, oldest first; a file that cannot be read is moved aside.

        A temporary file older than ABANDONED_AFTER was left by a process that stopped
        between writing an answer and renaming it into place: a whole answer is taken as
        kept (renamed), a partial one moved aside with the other unreadable files.
        """
        kept = Kept()
        for temporary in self._files("*.tmp"):
            try:
                if time.time() - temporary.stat().st_mtime > ABANDONED_AFTER:
                    os.replace(temporary, temporary.with_suffix(".json"))
            except OSError:
                continue  # gone meanwhile, or cannot be renamed: left as it is
        for path in self._files("*.json"):
            try:
                answer, moment = _parse(path.read_text(encoding="utf-8"))
            except FileNotFoundError:  # another process saved it meanwhile
                continue
            except (OSError, ValueError, TypeError, KeyError):
                moved = self._move_aside(path)
                if moved is not None:
                    kept.moved_aside.append(moved)
                continue
            kept.answers.append((answer, moment))
        return kept

    def _files(self, pattern: str) -> list[Path]:
        try:
            return sorted(p for p in self.folder.glob(pattern) if p.is_file())
        except OSError:
            return []

    def _move_aside(self, path: Path) -> Path | None:
        target_dir = self.folder / UNREADABLE
        try:
            target_dir.mkdir(exist_ok=True)
            target = target_dir / path.name
            os.replace(path, target)
        except FileNotFoundError:
            return None
        except OSError:
            return path  # cannot move it: it stays where it is, and is reported
        return target


def _answer_dict(answer: Answer) -> dict[str, Any]:
    data = dataclasses.asdict(answer)
    data["topics"] = list(answer.topics)
    return data


def _parse(text: str) -> tuple[Answer, datetime]:
    """One spool file's answer and moment; ValueError/TypeError/KeyError if it is not one."""
    from quizapp.recording import Answer

    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a quizapp unsaved answer")
    moment = datetime.fromisoformat(data["moment"])
    if moment.tzinfo is None:
        raise ValueError("the moment has no time zone")
    fields = dict(data["answer"])
    fields["topics"] = tuple(fields.get("topics") or ())
    answer = Answer(**fields)
    if not answer.answer_id or not answer.question_id:
        raise ValueError("the answer has no id or no question")
    return answer, moment


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
