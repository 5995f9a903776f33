"""Question packs: YAML files -> validated models, with file:line:column for every problem.

Packs are data written by strangers, so they are read with PyYAML's *safe* composer
(the C one when available) into a node graph, and Python values are built here from
the nodes, never by a constructor that could instantiate objects. While building we
record where every field starts (1-based line and column, per field path), so that a
schema error such as ``questions[3].answer.rel_tol`` can be reported as
``kv.yaml:42:7 questions[3].answer.rel_tol: must be greater than 0``.

Public API (used by the CLI, the TUI and mock interviews):

- ``load_all(extra_dirs=()) -> Library``: shipped packs + $QUIZAPP_PACKS + extra dirs +
  the packs added from git repositories (``quizapp.pack_sources``).
  A broken pack never stops the app: it is skipped and its problems are kept in
  ``Library.errors``.
- ``Library.packs``, ``Library.questions`` (``Question`` with ``.qid``, ``.pack_id``,
  ``.topics``, ``.difficulty``, ``.time``, ``.kind``, ``.model``), ``Library.get(qid)``,
  ``Library.find(qid)``, ``Library.close_matches(qid)``, ``Library.errors``.
- ``load_pack_file(path) -> (LoadedPack | None, list[PackError])``: one file.

Loading checks shape (the pydantic schema) and duplicate ids only; the slower semantic
checks (formulas, draws, derivations, calc, checks) are `quizapp.validation`'s job.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.pack_messages import (
    fields_at,
    missing_explained_by_typos,
    schema_message,
    yaml_hint,
)

if TYPE_CHECKING:
    from quizapp.pack_schema import Pack
    from quizapp.pack_schema import Question as QuestionModel

#: A path into the document: keys and list indices, e.g. ("questions", 3, "answer").
FieldPath = tuple[str | int, ...]

#: Files larger than this are refused (a pack is a few hundred lines).
MAX_FILE_BYTES = 2_000_000
#: Node budget while building values: defeats "billion laughs" alias bombs.
MAX_NODES = 200_000

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class PackError:
    """One problem in a pack file, where a person can find it (1-based line and column)."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where} {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


@dataclass(frozen=True)
class MissingPackFolder(PackError):
    """A user pack folder that does not exist: a wrong path, not a broken pack file.

    Its own type so `quizapp packs` says the folder is missing instead of counting it
    among "skipped pack files".
    """

    @classmethod
    def at(cls, directory: Path) -> MissingPackFolder:
        """The error for `directory`, saying whether $QUIZAPP_PACKS named it."""
        from quizapp.locations import env_packs_dirs

        if directory in env_packs_dirs():
            fix = " (named in $QUIZAPP_PACKS): create it or take it out of QUIZAPP_PACKS"
        else:
            fix = ": create it or correct the path"
        return cls(display_name(directory), 1, 1, "", f"folder does not exist{fix}")


def format_path(path: Iterable[str | int]) -> str:
    """("questions", 3, "answer", "rel_tol") -> "questions[3].answer.rel_tol"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Marks:
    """Where each field path starts in the file (1-based), for error messages."""

    file: str
    spots: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    #: Paths whose value was refused while parsing (schema errors there are noise).
    bad: set[FieldPath] = field(default_factory=set)

    def at(self, path: FieldPath) -> tuple[int, int]:
        """The position of `path`, or of its nearest recorded ancestor."""
        path = tuple(path)
        while path not in self.spots and path:
            path = path[:-1]
        return self.spots.get(path, (1, 1))

    def error(self, path: FieldPath, message: str) -> PackError:
        line, column = self.at(path)
        return PackError(self.file, line, column, format_path(path), message)


class _YamlProblem(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def _loader_class() -> type:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, file: str) -> tuple[Any, Marks, list[PackError]]:
    """Parse YAML text into plain values and the marks of every field.

    Only the standard scalar, mapping and sequence tags are accepted; any other tag
    (`!!python/object`, `!include`, …) is an error at its location, as are duplicate
    keys (PyYAML would silently keep the last one) and merge keys.
    """
    import yaml

    marks = Marks(file)
    errors: list[PackError] = []
    try:
        node = yaml.compose(text, Loader=_loader_class())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        problem = yaml_hint(problem, text, mark)
        return None, marks, [PackError(file, line, column, "", f"YAML: {problem}")]
    except yaml.YAMLError as exc:
        return None, marks, [PackError(file, 1, 1, "", f"YAML: {exc}")]
    if node is None:
        return None, marks, [PackError(file, 1, 1, "", "the file is empty")]
    builder = _Builder(marks, errors)
    try:
        value = builder.build(node, ())
    except _YamlProblem as exc:
        errors.append(
            PackError(file, exc.mark.line + 1, exc.mark.column + 1, "", f"YAML: {exc.message}")
        )
        return None, marks, errors
    marks.spots[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    return value, marks, errors


class _Builder:
    """Build Python values from composed YAML nodes, recording marks per field path."""

    def __init__(self, marks: Marks, errors: list[PackError]) -> None:
        import yaml

        self.marks = marks
        self.errors = errors
        self.nodes = 0
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")  # its scalar constructors only
        self.yaml = yaml

    def build(self, node: Any, path: FieldPath) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _YamlProblem(node.start_mark, "too many nodes (aliases expand too much)")
        if id(node) in self.active:
            raise _YamlProblem(node.start_mark, "a recursive alias is not allowed")
        y = self.yaml
        if isinstance(node, y.ScalarNode):
            if node.tag not in _STANDARD_TAGS:
                self._bad_tag(node, path)
                return None
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value  # a date-like string stays text
            return self.constructor.construct_object(node, deep=True)
        self.active.add(id(node))
        try:
            if isinstance(node, y.SequenceNode):
                if node.tag != _SEQ_TAG:
                    self._bad_tag(node, path)
                    return None
                items = []
                for i, child in enumerate(node.value):
                    self._mark((*path, i), child.start_mark)
                    items.append(self.build(child, (*path, i)))
                return items
            if isinstance(node, y.MappingNode):
                if node.tag != _MAP_TAG:
                    self._bad_tag(node, path)
                    return None
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        raise _YamlProblem(key_node.start_mark, "merge keys (<<) are not supported")
                    key = self.build(key_node, path)
                    if isinstance(key, list | dict):
                        raise _YamlProblem(key_node.start_mark, "a key must be a plain value")
                    child_path = (*path, key)
                    if key in result:
                        line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                        self.errors.append(
                            PackError(
                                self.marks.file,
                                line,
                                col,
                                format_path(child_path),
                                f"duplicate key {key!r}",
                            )
                        )
                    self._mark(child_path, key_node.start_mark)
                    result[key] = self.build(value_node, child_path)
                return result
        finally:
            self.active.discard(id(node))
        raise _YamlProblem(node.start_mark, "unsupported YAML node")  # pragma: no cover

    def _bad_tag(self, node: Any, path: FieldPath) -> None:
        """Record a non-standard tag (e.g. !!python/object) as an error; the value becomes None."""
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        mark = node.start_mark
        self.marks.bad.add(path)
        self.errors.append(
            PackError(
                self.marks.file,
                mark.line + 1,
                mark.column + 1,
                format_path(path),
                f"tag {tag} is not allowed: packs are data, never code",
            )
        )

    def _mark(self, path: FieldPath, mark: Any) -> None:
        self.marks.spots.setdefault(path, (mark.line + 1, mark.column + 1))


# --------------------------------------------------------------------------- schema


def _real_path(data: Any, loc: tuple[Any, ...]) -> FieldPath:
    """Map a pydantic error location onto the document, dropping union tags it inserts.

    A tag can also be a key of the document (`{range: [1, 4], stepp: 2}` is located at
    `n.range.stepp`), so every way of reading the location is tried and the one that
    reaches its last part, through the most keys, wins.
    """
    best: tuple[tuple[bool, int], FieldPath] = ((False, -1), ())

    def walk(node: Any, i: int, path: FieldPath) -> None:
        nonlocal best
        if i == len(loc):
            score = (bool(path) and path[-1] == loc[-1], len(path))
            if score > best[0]:
                best = (score, path)
            return
        part = loc[i]
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            walk(node[part], i + 1, (*path, part))
        elif i == len(loc) - 1 and isinstance(part, str | int) and isinstance(node, dict):
            walk(None, i + 1, (*path, part))  # a missing field: reported at its parent mapping
        if isinstance(part, str):
            walk(node, i + 1, path)  # perhaps a union tag pydantic inserted

    walk(data, 0, ())
    return best[1]


def schema_errors(data: Any, marks: Marks) -> tuple[Pack | None, list[PackError]]:
    """Validate plain data against the Pack model; map each error to its file position."""
    from pydantic import ValidationError

    from quizapp.pack_schema import Pack

    try:
        return Pack.model_validate(data), []
    except ValidationError as exc:
        errors = []
        raw = exc.errors(include_url=False)
        explained = missing_explained_by_typos(raw)
        for err in raw:
            path = _real_path(data, tuple(err["loc"]))
            if path in marks.bad or id(err) in explained:
                continue
            known = fields_at(tuple(err["loc"])[:-1]) if err["type"] == "extra_forbidden" else None
            message = schema_message(err, known)
            if err["type"] == "union_tag_invalid" and (*path, "kind") in marks.spots:
                path = (*path, "kind")
            if err["type"] == "missing":
                line, column = marks.at(path[:-1])
            else:
                line, column = marks.at(path)
            errors.append(PackError(marks.file, line, column, format_path(path), message))
        return None, _dedupe(errors)


def _dedupe(errors: list[PackError]) -> list[PackError]:
    seen: set[PackError] = set()
    out = []
    for e in errors:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


# --------------------------------------------------------------------------- packs


@dataclass
class LoadedPack:
    """A pack that passed the schema: its model, file and field marks."""

    model: Pack
    file: Path
    marks: Marks
    shipped: bool = False

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def title(self) -> str:
        return self.model.title


@dataclass(frozen=True)
class Question:
    """A question as the app sees it: its global id and the fields used to pick it."""

    qid: str
    pack_id: str
    model: QuestionModel
    index: int

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def topics(self) -> list[str]:
        return list(self.model.topics)

    @property
    def difficulty(self) -> int:
        return self.model.difficulty

    @property
    def time(self) -> int:
        return self.model.time

    @property
    def kind(self) -> str:
        return self.model.answer.kind


class UnknownQuestion(KeyError):
    """`Library.get` of an id that is not loaded; carries close matches for the message."""

    def __init__(self, qid: str, suggestions: list[str]) -> None:
        super().__init__(qid)
        self.qid = qid
        self.suggestions = suggestions

    def __str__(self) -> str:
        text = f"no question {self.qid!r}"
        if self.suggestions:
            text += "; did you mean " + ", ".join(self.suggestions) + "?"
        else:
            text += " (list them with `quizapp packs`)"
        return text


@dataclass
class Library:
    """Every loaded pack and question, plus the problems found while loading."""

    packs: list[LoadedPack] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    errors: list[PackError] = field(default_factory=list)
    _by_qid: dict[str, Question] = field(default_factory=dict, repr=False)

    def add(self, pack: LoadedPack) -> None:
        """Add a pack; a pack id already present is refused with an error at its `id`."""
        for other in self.packs:
            if other.id == pack.id:
                self.errors.append(
                    pack.marks.error(
                        ("id",), f"duplicate pack id {pack.id!r} (already in {other.file})"
                    )
                )
                return
        self.packs.append(pack)
        for i, q in enumerate(pack.model.questions):
            question = Question(f"{pack.id}/{q.id}", pack.id, q, i)
            if question.qid in self._by_qid:
                continue  # reported by duplicate_question_errors
            self._by_qid[question.qid] = question
            self.questions.append(question)

    def find(self, qid: str) -> Question | None:
        """The question `pack/question`, or a bare question id if it is unique."""
        if qid in self._by_qid:
            return self._by_qid[qid]
        if "/" not in qid:
            hits = [q for q in self.questions if q.id == qid]
            if len(hits) == 1:
                return hits[0]
        return None

    def get(self, qid: str) -> Question:
        """Like `find`, but raises UnknownQuestion with close matches."""
        question = self.find(qid)
        if question is None:
            raise UnknownQuestion(qid, self.close_matches(qid))
        return question

    def close_matches(self, qid: str, n: int = 3) -> list[str]:
        """Ids that look like `qid` (difflib), for "did you mean" messages."""
        ids = list(self._by_qid)
        matches = difflib.get_close_matches(qid, ids, n=n, cutoff=0.5)
        if not matches:
            bare = {q.id: q.qid for q in self.questions}
            tail = qid.rsplit("/", 1)[-1]
            matches = [bare[m] for m in difflib.get_close_matches(tail, list(bare), n=n)]
        return matches

    def pack(self, pack_id: str) -> LoadedPack | None:
        return next((p for p in self.packs if p.id == pack_id), None)

    def pack_of(self, question: Question) -> LoadedPack:
        pack = self.pack(question.pack_id)
        assert pack is not None
        return pack


def duplicate_question_errors(data: Any, marks: Marks) -> list[PackError]:
    """Question ids repeated inside one pack (each repeat reported at its `id`).

    Works on the raw data, so duplicates are reported even when other fields are broken.
    """
    questions = data.get("questions") if isinstance(data, dict) else None
    seen: dict[str, int] = {}
    errors = []
    for i, q in enumerate(questions if isinstance(questions, list) else []):
        qid = q.get("id") if isinstance(q, dict) else None
        if not isinstance(qid, str):
            continue
        if qid in seen:
            errors.append(
                marks.error(
                    ("questions", i, "id"),
                    f"duplicate question id {qid!r} (first at questions[{seen[qid]}])",
                )
            )
        else:
            seen[qid] = i
    return errors


def display_name(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def load_pack_file(path: str | os.PathLike[str]) -> tuple[LoadedPack | None, list[PackError]]:
    """Read, parse and schema-check one pack file. Never raises for a bad pack."""
    path = Path(path)
    name = display_name(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                PackError(
                    name,
                    1,
                    1,
                    "",
                    f"file too large ({size:,} bytes; a pack may have at most {MAX_FILE_BYTES:,})",
                )
            ]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(exc.object, exc.start)
        return None, [
            PackError(
                name,
                line,
                column,
                "",
                f"not UTF-8 text ({exc.reason}): save the file as UTF-8 in your editor",
            )
        ]
    except OSError as exc:
        return None, [PackError(name, 1, 1, "", f"cannot read: {exc.strerror or exc}")]
    data, marks, errors = parse_yaml(text, name)
    if data is None:
        return None, errors
    if not isinstance(data, dict):
        return None, [*errors, PackError(name, 1, 1, "", "a pack must be a mapping (id: …)")]
    model, problems = schema_errors(data, marks)
    errors += problems + duplicate_question_errors(data, marks)
    pack_id = data.get("id")
    if isinstance(pack_id, str) and path.stem != pack_id:
        errors.append(
            marks.error(("id",), f"pack id {pack_id!r} must match the file name ({path.name})")
        )
    if errors or model is None:
        return None, sorted(errors, key=lambda e: (e.line, e.column))
    return LoadedPack(model, path, marks), []


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte `offset`, for an encoding error."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return before.count(b"\n") + 1, column


def pack_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The pack files of a directory, sorted (*.yaml and *.yml, not hidden)."""
    d = Path(directory)
    files = [*d.glob("*.yaml"), *d.glob("*.yml")]
    return sorted(f for f in files if not f.name.startswith(".") and f.is_file())


def no_packs_hint() -> str:
    """What to tell a user for whom no pack was found at all (why, and what to do)."""
    from quizapp import locations

    shipped = locations.shipped_packs_dir()
    return (
        "No question packs were found. The packs that come with quizapp belong in "
        f"{shipped}, which {'holds no pack' if shipped.is_dir() else 'is missing'}: the "
        "installation is incomplete. Reinstall it (`pipx reinstall quizapp`, "
        "`uv tool install --reinstall .`, or `pip install --force-reinstall .` from the "
        "source folder). Your own packs: `--packs DIR` or $QUIZAPP_PACKS."
    )


def pack_dirs(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> list[tuple[Path, bool]]:
    """(directory, shipped?) pairs to load: shipped packs first, then user directories."""
    from quizapp import locations
    from quizapp.pack_sources import enabled_pack_dirs

    dirs = [(locations.shipped_packs_dir(), True)]
    dirs += [(d, False) for d in locations.user_packs_dirs(extra_dirs)]
    dirs += [(d, False) for d in enabled_pack_dirs()]  # added with `quizapp packs add`
    return dirs


def iter_files(
    extra_dirs: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[tuple[Path | None, bool, PackError | None]]:
    """Each pack file to load, or an error for a user directory that does not exist."""
    for directory, shipped in pack_dirs(extra_dirs):
        if not directory.is_dir():
            if not shipped:
                yield None, shipped, MissingPackFolder.at(directory)
            continue
        for f in pack_files(directory):
            yield f, shipped, None


def load_files(files: Iterable[str | os.PathLike[str]], library: Library | None = None) -> Library:
    """Load the given pack files into a library (new or given), collecting errors."""
    library = library if library is not None else Library()
    for f in files:
        pack, errors = load_pack_file(f)
        library.errors += errors
        if pack is not None:
            library.add(pack)
    return library


def load_all(extra_dirs: Iterable[str | os.PathLike[str]] = ()) -> Library:
    """Shipped packs, then packs from $QUIZAPP_PACKS and `extra_dirs` (the --packs option).

    Broken packs are skipped and reported in `Library.errors`; a user pack whose id
    is already taken (e.g. by a shipped pack) is skipped with an error at its `id`.
    """
    library = Library()
    for f, shipped, error in iter_files(extra_dirs):
        if error is not None:
            library.errors.append(error)
            continue
        assert f is not None
        pack, errors = load_pack_file(f)
        library.errors += errors
        if pack is not None:
            pack.shipped = shipped
            library.add(pack)
    return library
