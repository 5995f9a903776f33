"""Question packs shared as git repositories: add, update, remove, restore from a lock file.

Why it looks like this:

* A repository is a stranger's code as much as its data, so nothing in it ever runs:
  git is called with hooks pointed at /dev/null, the `ext::` transport refused, no
  submodules, LFS smudging skipped and symlinks checked out as plain files (a link to
  ~/.ssh cannot be read as a "pack"). Only the YAML is read, by the safe pack loader.
* Every clone lands in a hidden staging folder first and is validated there (schema,
  then the same semantic checks as `quizapp validate`, then pack ids against the packs
  already installed). Only a pack that passes is moved into place, so a broken pack is
  never enabled, and a broken update leaves the previous version working.
* The lock file records each source's URL, the ref asked for and the commit it resolved
  to. Copy it to another machine and `quizapp packs restore` clones the same commits.
  Every command that changes it holds an OS-level lock (filelock) from reading it to
  writing it back, so two `packs add` at once both land; the second waits.
* History is keyed by `pack/question` id, never by file or commit, so an update keeps
  every attempt; a question that disappears keeps its history (`quizapp packs orphans`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from quizapp import locations

if TYPE_CHECKING:
    from quizapp.packs import Library, PackError

LOCK_FORMAT = "quizapp-pack-lock"
LOCK_VERSION = 1
#: Folders of a repository searched for pack files, in order; the first with packs wins.
PACK_FOLDERS = ("", "questions")
#: Seconds one git command may take (a clone over a slow link included).
GIT_TIMEOUT = 600

#: Options that make git read and write data only: no hooks, no command transports,
#: no symlinks, no filesystem monitor, no submodules.
_SAFE_GIT = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "protocol.ext.allow=never",
    "-c",
    "core.symlinks=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "submodule.recurse=false",
)


class SourceError(Exception):
    """Why a pack source cannot be added, updated or removed, written for the user.

    `problems` holds the pack errors (file:line:column) when validation failed.
    """

    def __init__(self, message: str, problems: Sequence[PackError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass
class Source:
    """One added repository, as recorded in the lock file."""

    name: str
    url: str
    commit: str
    ref: str | None = None
    folder: str = ""  # where in the repository the pack files are ("" = the top)
    packs: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return locations.pack_sources_dir() / self.name

    @property
    def pack_dir(self) -> Path:
        return self.path / self.folder if self.folder else self.path


# --------------------------------------------------------------------------- the lock file


def read_lock(path: Path | None = None) -> list[Source]:
    """The sources in the lock file ([] when there is none); SourceError if it is damaged."""
    path = path or locations.pack_lock_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        problem = locations.home_problem(path)
        raise SourceError(problem or f"cannot read the pack lock file {path}: {exc}") from None
    try:
        if data.get("format") != LOCK_FORMAT or data.get("version") != LOCK_VERSION:
            raise ValueError(f"not a {LOCK_FORMAT} version {LOCK_VERSION} file")
        return [Source(**entry) for entry in data["sources"]]
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"the pack lock file {path} is damaged: {exc}") from None


def write_lock(sources: Iterable[Source], path: Path | None = None) -> None:
    """Write the lock file atomically (temporary file, then rename)."""
    path = path or locations.pack_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": LOCK_FORMAT,
        "version": LOCK_VERSION,
        "sources": [asdict(s) for s in sorted(sources, key=lambda s: s.name)],
    }
    fd, tmp = tempfile.mkstemp(prefix=".packs-lock-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


#: Called when another process is changing the pack sources and this one waits its turn.
OnWait = Callable[[], None] | None


@contextmanager
def _changing(on_wait: OnWait) -> Iterator[None]:
    """The lock held while the lock file is read, the clones changed and it is written.

    The operating system holds it (flock, or LockFileEx on Windows) and drops it when the
    process exits, however it exits, so a crash never leaves a stale lock to clean up.
    If another process holds it, `on_wait()` says so once (to tell the user why nothing
    happens) and this waits its turn. Not re-entrant: take it once per operation.
    """
    path = locations.pack_lock_path()
    lock = FileLock(path.with_name(f".{path.name}.lock"))
    if not _took(lock, blocking=False):
        if on_wait is not None:
            on_wait()
        _took(lock, blocking=True)
    try:
        yield
    finally:
        lock.release()


def _took(lock: FileLock, *, blocking: bool) -> bool:
    """Whether `lock` was taken (False: another process holds it, and `blocking` is off).

    A lock that cannot be taken at all (a read-only folder, a file system without locks)
    is a SourceError naming the file, not a traceback and not an endless wait.
    """
    try:
        lock.acquire(blocking=blocking)
    except Timeout:
        return False
    except OSError as exc:
        raise SourceError(
            locations.home_problem(Path(lock.lock_file))
            or f"cannot lock {lock.lock_file} to change the pack sources: {exc.strerror or exc}"
        ) from None
    return True


def enabled_pack_dirs() -> list[Path]:
    """Pack folders of the added sources that are present, for the pack loader.

    Never raises: a damaged lock file must not stop the app (the `packs` commands say
    what is wrong with it).
    """
    try:
        sources = read_lock()
    except SourceError:
        return []
    return [s.pack_dir for s in sources if s.pack_dir.is_dir()]


# --------------------------------------------------------------------------- git


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git with the safe options; its output, or SourceError with git's own reason."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password nobody will type
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
    }
    try:
        done = subprocess.run(
            ["git", *_SAFE_GIT, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SourceError(
            "git is not installed (or not on PATH); install git to add packs from repositories"
        ) from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} took longer than {GIT_TIMEOUT} s; stopped it") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        raise SourceError(f"git {args[0]} failed: {lines[-1] if lines else done.returncode}")
    return done.stdout.strip()


def split_spec(spec: str) -> tuple[str, str | None]:
    """`URL|PATH[@REF]` -> (URL or absolute path, ref or None).

    The `@` of `git@host:repo` or `https://user@host/repo` is not a ref: a ref follows
    an `@` only when the part before it already names a repository path.
    """
    if Path(spec).expanduser().exists():
        return _location(spec), None
    head, at, ref = spec.rpartition("@")
    if at and head and ref and ":" not in ref:
        rest = head.split("://", 1)[-1]
        if "/" in rest or Path(head).expanduser().exists():
            return _location(head), ref
    return _location(spec), None


def _location(text: str) -> str:
    """A local path made absolute (the lock must mean the same from any folder); URLs as given."""
    path = Path(text).expanduser()
    return str(path.resolve()) if path.exists() else text


def default_name(url: str) -> str:
    """A source name from its URL: `https://host/me/attn-packs.git` -> `attn-packs`."""
    tail = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    tail = tail.removesuffix(".git")
    name = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")
    return name or "packs"


def _clone(url: str, ref: str | None, into: Path) -> str:
    """Clone `url` into `into` and check out `ref` (default: the remote's HEAD); the commit."""
    git("clone", "--quiet", "--no-checkout", "--no-recurse-submodules", "--", url, str(into))
    commit = _resolve(into, ref, url)
    git("checkout", "--quiet", "--detach", commit, cwd=into)
    return commit


def _resolve(repo: Path, ref: str | None, url: str) -> str:
    if ref is None:
        try:
            return git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", cwd=repo)
        except SourceError:
            raise SourceError(f"{url} has no commits") from None
    for candidate in (f"origin/{ref}", f"refs/tags/{ref}", ref):
        try:
            return git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", cwd=repo)
        except SourceError:
            continue
    raise SourceError(f"no branch, tag or commit {ref!r} in {url}")


# --------------------------------------------------------------------------- validation


def _pack_folder(repo: Path, url: str) -> str:
    from quizapp.packs import pack_files

    for folder in PACK_FOLDERS:
        if pack_files(repo / folder):
            return folder
    raise SourceError(
        f"{url} has no pack files (*.yaml) at its top level or in a questions/ folder"
    )


def _renamed(error: PackError, staging: Path, name: str) -> PackError:
    """An error about a file in the staging clone, named as the user knows it: name/file."""
    from dataclasses import replace

    try:
        rel = Path(error.file).resolve().relative_to(staging.resolve())
    except ValueError:
        return error
    return replace(error, file=f"{name}/{rel.as_posix()}")


def check_clone(staging: Path, folder: str, name: str, replacing: str | None) -> list[str]:
    """Validate a staged clone; its pack ids, or SourceError listing every problem.

    `replacing` is the source being updated: its own installed packs do not count as
    taken ids.
    """
    from quizapp.packs import load_all, load_files, pack_files
    from quizapp.validation import validate
    from quizapp.words import count

    files = pack_files(staging / folder if folder else staging)
    report = validate(files)
    problems = [_renamed(e, staging, name) for e in report.errors]
    if problems:
        raise SourceError(
            f"{name} was not enabled: {count(len(problems), 'problem')} in its packs", problems
        )
    new = load_files(files)
    installed = load_all()
    own = {s.name: s for s in read_lock()}.get(replacing or "")
    own_ids = set(own.packs) if own else set()
    for pack in new.packs:
        other = installed.pack(pack.id)
        if other is not None and pack.id not in own_ids:
            raise SourceError(
                f"{name} was not enabled: pack id {pack.id!r} is already used by {other.file}",
                [
                    _renamed(
                        pack.marks.error(("id",), f"pack id {pack.id!r} is taken"), staging, name
                    )
                ],
            )
    return [p.id for p in new.packs]


# --------------------------------------------------------------------------- operations


@dataclass
class Update:
    """What `update` did to one source."""

    source: Source
    old_commit: str
    removed: list[str] = field(default_factory=list)  # question ids that left the packs
    error: SourceError | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.source.commit != self.old_commit


def _staging() -> Path:
    home = locations.pack_sources_dir()
    home.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".staging-", dir=home))


def _install(staging: Path, source: Source) -> None:
    """Move a validated clone into place, replacing the old one only once the new one is there."""
    old = None
    if source.path.exists():
        old = source.path.with_name(f".old-{source.name}-{os.getpid()}")
        source.path.rename(old)
    staging.rename(source.path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fetch(source: Source, ref: str | None, replacing: str | None) -> Source:
    """Clone, validate and install `source` at `ref`; the source as installed."""
    staging = _staging()
    try:
        commit = _clone(source.url, ref, staging)
        folder = _pack_folder(staging, source.url)
        packs = check_clone(staging, folder, source.name, replacing)
        installed = Source(source.name, source.url, commit, source.ref, folder, packs)
        _install(staging, installed)
        return installed
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def add(
    spec: str, name: str | None = None, ref: str | None = None, *, on_wait: OnWait = None
) -> Source:
    """Clone URL|PATH[@REF], validate its packs and enable them; the new source."""
    url, spec_ref = split_spec(spec)
    ref = ref or spec_ref
    name = name or default_name(url)
    if ref is not None and (not ref or ref.startswith("-")):
        raise SourceError(f"{ref!r} is not a branch, tag or commit name")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise SourceError(f"{name!r} is not a source name: lowercase letters, digits and dashes")
    _refuse_plain_folder(url, spec)
    with _changing(on_wait):
        sources = read_lock()
        if any(s.name == name for s in sources):
            raise SourceError(
                f"a source named {name!r} is already added; `quizapp packs update {name}` "
                "fetches its latest version, or choose another --name"
            )
        if (locations.pack_sources_dir() / name).exists():
            raise SourceError(
                f"{locations.pack_sources_dir() / name} exists but is not in the lock file; "
                "move it away first"
            )
        source = _fetch(Source(name, url, "", ref), ref, None)
        write_lock([*sources, source])
        return source


def _refuse_plain_folder(url: str, spec: str) -> None:
    """A local folder or file that is not a git repository: say how to use it instead.

    git would only say "repository does not exist" of a folder that plainly exists.
    """
    path = Path(url)
    if not path.is_absolute() or not path.exists():
        return  # a URL, or a path git will report as missing
    if path.is_file():
        raise SourceError(
            f"{spec} is a file; `packs add` takes a git repository. To use pack files "
            f"from a folder as they are, load the folder with `quizapp --packs {path.parent}` "
            "or add it to $QUIZAPP_PACKS"
        )
    bare = (path / "HEAD").is_file() and (path / "objects").is_dir()
    if not (path / ".git").exists() and not bare:
        raise SourceError(
            f"{spec} is a folder but not a git repository. To use its packs as they are, "
            f"load it with `quizapp --packs {url}` or add it to $QUIZAPP_PACKS; to add it "
            "as a source, make it a repository first (`git init`, then commit the packs)"
        )


def find(sources: Sequence[Source], ident: str) -> Source:
    """The source named `ident`, or the one providing pack `ident`."""
    for source in sources:
        if source.name == ident:
            return source
    for source in sources:
        if ident in source.packs:
            return source
    names = ", ".join(s.name for s in sources) or "none added yet"
    raise SourceError(f"no pack source {ident!r} (sources: {names})")


def remove(ident: str, *, on_wait: OnWait = None) -> Source:
    """Disable and delete a source's clone; the history of its questions is kept."""
    with _changing(on_wait):
        sources = read_lock()
        source = find(sources, ident)
        write_lock([s for s in sources if s.name != source.name])
        shutil.rmtree(source.path, ignore_errors=True)
        return source


def _question_ids(source: Source) -> set[str]:
    from quizapp.packs import load_files, pack_files

    if not source.pack_dir.is_dir():
        return set()
    return {q.qid for q in load_files(pack_files(source.pack_dir)).questions}


def update(ident: str | None = None, *, on_wait: OnWait = None) -> list[Update]:
    """Fetch the latest commit of each source's ref (or one source), validate, install.

    A source that fails keeps its installed version; its Update carries the error.
    """
    with _changing(on_wait):
        sources = read_lock()
        chosen = [find(sources, ident)] if ident else list(sources)
        results = []
        for source in chosen:
            before = _question_ids(source)
            result = Update(source, source.commit)
            try:
                result.source = _fetch(source, source.ref, source.name)
            except SourceError as exc:
                result.error = exc
            else:
                result.removed = sorted(before - _question_ids(result.source))
                sources = [result.source if s.name == source.name else s for s in sources]
                write_lock(sources)
            results.append(result)
        return results


def restore(*, on_wait: OnWait = None) -> list[Update]:
    """Clone every locked source that is missing here, at its locked commit."""
    with _changing(on_wait):
        results = []
        for source in read_lock():
            if source.path.is_dir():
                continue
            result = Update(source, source.commit)
            try:
                result.source = _fetch(source, source.commit, source.name)
            except SourceError as exc:
                result.error = exc
            results.append(result)
        return results


# --------------------------------------------------------------------------- orphans


@dataclass(frozen=True)
class Orphan:
    """A question with history that no loaded pack has any more."""

    question_id: str
    attempts: int
    last: str


def orphans(library: Library, history: Iterable[Any]) -> list[Orphan]:
    """Question ids in `history` (attempts) that `library` does not have, most recent first."""
    known = {q.qid for q in library.questions}
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    for attempt in history:
        qid = attempt.question_id
        if qid in known:
            continue
        counts[qid] = counts.get(qid, 0) + 1
        when = attempt.ts.isoformat(timespec="minutes") if attempt.ts else ""
        last[qid] = max(last.get(qid, ""), when)
    return sorted(
        (Orphan(q, n, last[q]) for q, n in counts.items()), key=lambda o: (o.last, o.question_id)
    )[::-1]
