"""Every path quizapp reads or writes, in one place.

Keeping them here means a test (or a user) can move the whole app's state with one
environment variable, `QUIZAPP_HOME`, and nothing else in the code guesses a path.
Nothing here creates a directory: the code that writes a file makes its parent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

#: Overrides the per-user data directory (tests point it at a temporary folder).
ENV_HOME = "QUIZAPP_HOME"
#: Extra pack directories, separated like PATH (os.pathsep: ':' on POSIX, ';' on Windows).
ENV_PACKS = "QUIZAPP_PACKS"

APP_NAME = "quizapp"
DB_FILENAME = "history.sqlite3"


def data_dir() -> Path:
    """The per-user data directory: $QUIZAPP_HOME if set, else the platform's usual place."""
    override = os.environ.get(ENV_HOME, "").strip()
    if override:
        return Path(override).expanduser()
    return default_data_dir()


def default_data_dir() -> Path:
    """The platform's usual per-user data folder, used when $QUIZAPP_HOME is not set."""
    # Imported here so that importing this module costs nothing when the env var is set.
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def home_problem(path: Path | None = None) -> str | None:
    """Why $QUIZAPP_HOME cannot hold the app's data (or `path` in it), as a user should read
    it, or None.

    Said instead of the OS's "[Errno 17] File exists" when the variable names a file (or a
    folder under a file), which happens when it is set to the database instead of its folder.
    A `path` outside the data folder (a test's database) is never the variable's fault.
    """
    override = os.environ.get(ENV_HOME, "").strip()
    if not override or (path is not None and not path.is_relative_to(data_dir())):
        return None
    path = Path(override).expanduser()
    blocker = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocker is None or blocker.is_dir():
        return None
    where = "is a file" if blocker == path else f"is inside {blocker}, which is a file"
    return (
        f"{ENV_HOME}={override} {where}, not a folder: point it at a folder "
        f"(or unset it to use {_shown(default_data_dir())})"
    )


def _shown(path: Path) -> str:
    """`path` with the user's home folder written `~`, as a shell prompt shows it."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def db_path() -> Path:
    """The SQLite file holding the progress history, review cards and mock sessions."""
    return data_dir() / DB_FILENAME


def unsaved_answers_dir(db: str | os.PathLike[str] | None = None) -> Path:
    """Answers the database `db` (default: `db_path()`) refused, waiting on disk.

    Next to the database and named after it (`history.sqlite3-unsaved/`), as SQLite
    names its own companions (`-wal`, `-journal`): a database moved or tested elsewhere
    takes its waiting answers along.
    """
    return Path(f"{db if db is not None else db_path()}-unsaved")


def exports_dir() -> Path:
    """Default folder for files written by an export (the CLI writes to stdout unless told)."""
    return data_dir() / "exports"


def shipped_packs_dir() -> Path:
    """The packs that come with the app: the `questions` folder inside the package.

    Found through `importlib.resources`, so it is right for a wheel, `pipx install` or
    `uv tool install` as much as for an editable install. In the repository,
    `quizapp/questions` is a link to the top-level `questions/` folder where the packs
    are written; the wheel carries copies of the files.
    """
    from importlib.resources import files

    return Path(str(files("quizapp") / "questions"))


def user_packs_home() -> Path:
    """A natural home for a user's own packs (not searched unless listed in $QUIZAPP_PACKS)."""
    return data_dir() / "packs"


def user_packs_dirs(extra: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    """Directories of user packs: those in $QUIZAPP_PACKS, then `extra` (from --packs).

    Empty entries are skipped and duplicates dropped (first occurrence wins), so the
    loader never reads a pack twice. Directories are not checked for existence here:
    the loader reports a missing directory where it can say which one.
    """
    raw: list[str | os.PathLike[str]] = [*env_packs_dirs(), *extra]
    seen: set[Path] = set()
    result: list[Path] = []
    for item in raw:
        path = Path(item).expanduser()
        key = path.resolve() if path.exists() else path.absolute()
        if key in seen:
            continue
        seen.add(key)
        result.append(path)
    return result


def env_packs_dirs() -> list[Path]:
    """The folders $QUIZAPP_PACKS names, as written (empty entries skipped)."""
    raw = os.environ.get(ENV_PACKS, "").split(os.pathsep)
    return [Path(part).expanduser() for part in raw if part.strip()]


def pack_sources_dir() -> Path:
    """Where `quizapp packs add` clones pack repositories (one folder per source)."""
    return user_packs_home() / "git"


def pack_lock_path() -> Path:
    """The lock file: every added pack repository with its resolved commit (JSON)."""
    return user_packs_home() / "packs.lock.json"
