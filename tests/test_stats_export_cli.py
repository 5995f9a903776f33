"""`quizapp stats` and `quizapp export`, run through click's test runner."""

from __future__ import annotations

import csv
import io
import json
import sys
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.cli import main
from quizapp.store import Attempt, Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZAPP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def no_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The packs cannot be loaded: stats must fall back to the history."""
    import quizapp.packs

    def load_all(extra_dirs):
        raise OSError("the packs folder is gone")

    monkeypatch.setattr(quizapp.packs, "load_all", load_all)


@pytest.fixture
def fake_packs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A stand-in packs loader with four questions; records the extra dirs it was given."""
    calls: list[list[str]] = []
    questions = [
        types.SimpleNamespace(qid="attn/flops", topics=["flops"]),
        types.SimpleNamespace(qid="attn/memory", topics=["memory"]),
        types.SimpleNamespace(qid="attn/untried", topics=["flops"]),
        types.SimpleNamespace(qid="kv/size", topics=["memory"]),
    ]

    def load_all(extra_dirs):
        calls.append(list(extra_dirs))
        return types.SimpleNamespace(questions=questions)

    module = types.ModuleType("quizapp.packs")
    module.load_all = load_all  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quizapp.packs", module)
    return calls


def record_some(home: Path) -> None:
    with Store.open() as store:
        store.record_attempt(
            Attempt("attn/flops", True, 1.0, topics=("flops",), response="2*n^2*d", ts=T0)
        )
        store.record_attempt(
            Attempt("attn/flops", False, 0.0, topics=("flops",), ts=T0 + timedelta(hours=1))
        )
        store.record_attempt(
            Attempt(
                "attn/memory",
                True,
                1.0,
                topics=("memory", "KV 缓存"),
                response='n, "d"\nline two',  # a comma, quotes and a newline survive CSV
                ts=T0 + timedelta(hours=2),
            )
        )
        store.put_card("attn/flops", "{}", datetime.now(UTC) - timedelta(minutes=1), T0)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# ---------------------------------------------------------------- stats


def test_stats_on_empty_history_is_friendly(home: Path, no_packs: None) -> None:
    result = run("stats")
    assert result.exit_code == 0, result.output
    assert "No practice recorded yet" in result.output
    assert str(home / "history.sqlite3") in result.output
    assert "Traceback" not in result.output


def test_stats_shows_totals_packs_and_topics(home: Path, fake_packs: list) -> None:
    record_some(home)
    extra = home / "my-packs"
    extra.mkdir()
    result = run("--packs", str(extra), "stats")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert str(home / "history.sqlite3") in out
    assert "3 attempts" in out
    assert "accuracy 67%" in out  # 2 of 3 right
    assert "due now 1" in out
    assert "new 2" in out  # attn/untried and kv/size were never reviewed
    for name in ("attn", "kv", "flops", "memory", "KV 缓存"):
        assert name in out
    assert fake_packs == [[str(extra)]]  # --packs reaches the loader


def test_stats_json_parses_and_carries_the_numbers(home: Path, fake_packs: list) -> None:
    record_some(home)
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["database"] == str(home / "history.sqlite3")
    assert data["packs_loaded"] is True
    assert data["total"]["attempts"] == 3
    assert data["total"]["accuracy"] == pytest.approx(2 / 3)
    assert (data["total"]["due_now"], data["total"]["new"]) == (1, 2)
    packs = {g["name"]: g for g in data["by_pack"]}
    assert packs["kv"]["attempts"] == 0 and packs["kv"]["new"] == 1
    topics = {g["name"]: g for g in data["by_topic"]}
    assert topics["flops"]["attempts"] == 2 and topics["flops"]["accuracy"] == 0.5


def test_stats_works_when_the_packs_cannot_be_loaded(home: Path, no_packs: None) -> None:
    record_some(home)
    result = run("stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["packs_loaded"] is False
    assert data["total"]["due_now"] == 1


def test_stats_survives_a_broken_pack(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("quizapp.packs")

    def load_all(extra_dirs):
        raise ValueError("bad.yaml:3:1: mapping expected")

    module.load_all = load_all  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quizapp.packs", module)
    record_some(home)
    result = run("stats")
    assert result.exit_code == 0, result.output
    assert "bad.yaml:3:1" in result.stderr
    assert "3 attempts" in result.stdout


def test_stats_tells_the_user_about_a_recovered_database(home: Path, no_packs: None) -> None:
    home.mkdir(parents=True)
    (home / "history.sqlite3").write_bytes(b"\x00garbage" * 500)
    result = run("stats")
    assert result.exit_code == 0, result.output
    moved = list(home.glob("history.sqlite3.corrupt-*"))
    assert len(moved) == 1
    assert "Your database could not be opened; it was moved to" in result.stderr
    assert str(moved[0]) in result.stderr
    assert "a new one started" in result.stderr


def test_stats_help() -> None:
    result = run("stats", "--help")
    assert result.exit_code == 0
    assert "--json" in result.output


# ---------------------------------------------------------------- export


def test_export_csv_has_a_header_and_one_row_per_attempt(home: Path) -> None:
    record_some(home)
    result = run("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["question_id"] for r in rows] == ["attn/flops", "attn/flops", "attn/memory"]
    assert [r["correct"] for r in rows] == ["true", "false", "true"]
    assert rows[2]["response"] == 'n, "d"\nline two'
    assert rows[2]["topics"] == "memory;KV 缓存"
    assert datetime.fromisoformat(rows[0]["ts"]) == T0


def test_export_json_parses(home: Path) -> None:
    record_some(home)
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["attempts"]) == 3
    first = data["attempts"][0]
    assert (first["question_id"], first["correct"], first["response"]) == (
        "attn/flops",
        True,
        "2*n^2*d",
    )
    assert data["attempts"][2]["topics"] == ["memory", "KV 缓存"]


def test_export_to_a_file(home: Path, tmp_path: Path) -> None:
    record_some(home)
    target = tmp_path / "out" / "attempts.json"
    target.parent.mkdir()
    result = run("export", "--format", "json", "--output", str(target), "--verbose")
    assert result.exit_code == 0, result.output
    assert len(json.loads(target.read_text(encoding="utf-8"))["attempts"]) == 3
    assert result.stdout == ""
    assert "Wrote 3 attempts" in result.stderr
    assert str(home / "history.sqlite3") in result.stderr


def test_export_into_a_missing_folder_names_the_folder_not_a_temporary_file(
    home: Path, tmp_path: Path
) -> None:
    record_some(home)
    target = tmp_path / "no-such-dir" / "x.csv"
    result = run("export", "-o", str(target))
    assert result.exit_code == 1
    assert f"cannot write {target}: there is no folder {target.parent}" in result.stderr
    assert "atomic" not in result.stderr and "Traceback" not in result.output


def test_export_of_one_attempt_says_attempt(home: Path, tmp_path: Path) -> None:
    with Store.open() as store:
        store.record_attempt(Attempt("attn/flops", True, 1.0, topics=("flops",), ts=T0))
    result = run("export", "-o", str(tmp_path / "one.csv"))
    assert "Wrote 1 attempt to" in result.stderr


def test_export_of_empty_history_is_just_the_header(home: Path) -> None:
    result = run("export")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and "question_id" in lines[0]


def test_export_unknown_format_is_a_usage_error(home: Path) -> None:
    result = run("export", "--format", "xml")
    assert result.exit_code == 2
    assert "csv" in result.stderr and "json" in result.stderr
