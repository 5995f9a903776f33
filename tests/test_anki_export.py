"""`quizapp export --format apkg`: the deck is opened as Anki would (a zip holding a SQLite
collection) and checked for what a learner sees: notes, fields, tags, stable GUIDs."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

from click.testing import CliRunner

from quizapp.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PACKS = ["--packs", str(FIXTURES / "tui"), "--packs", str(FIXTURES / "tui-recall")]


def export(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    result = CliRunner().invoke(main, [*PACKS, "export", "--format", "apkg", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def read_deck(path: Path, tmp_path: Path) -> list[dict]:
    """Every note as {guid, tags, fields by name, deck}, read straight from the collection."""
    with zipfile.ZipFile(path) as archive:
        archive.extract("collection.anki2", tmp_path / path.stem)
    db = sqlite3.connect(tmp_path / path.stem / "collection.anki2")
    try:
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
        notes = []
        for guid, mid, tags, flds, nid in db.execute("SELECT guid, mid, tags, flds, id FROM notes"):
            names = [f["name"] for f in models[str(mid)]["flds"]]
            (did,) = db.execute("SELECT did FROM cards WHERE nid = ?", (nid,)).fetchone()
            notes.append(
                {
                    "guid": guid,
                    "tags": tags.split(),
                    "fields": dict(zip(names, flds.split("\x1f"), strict=True)),
                    "deck": decks[str(did)]["name"],
                }
            )
        return notes
    finally:
        db.close()


def by_question(notes: list[dict], qid: str) -> list[dict]:
    return [n for n in notes if n["fields"]["Question"].startswith(qid + " ")]


def test_number_questions_get_one_note_per_variant_with_their_own_numbers(tmp_path):
    notes = read_deck(export(tmp_path, "deck.apkg"), tmp_path)
    flops = by_question(notes, "tui-basics/score-flops")
    assert 2 <= len(flops) <= 3  # 3 seeds; two may draw the same numbers and merge
    prompts = set()
    for note in flops:
        fields = note["fields"]
        n, d = map(int, re.search(r"are ([\d,]+)×([\d,]+)", fields["Prompt"]).groups())
        prompts.add((n, d))
        # The answer and the derivation's last line carry 2·n²·d for THIS note's numbers.
        expected = f"{2 * n * n * d:,}"
        assert expected in fields["Answer"]
        assert "FLOP" in fields["Answer"]
        assert f"2·{n:,}²·{d:,}" in fields["Derivation"] or f"2·{n}²·{d}" in fields["Derivation"]
        assert expected in fields["Derivation"]
        assert "quadratic in n" in fields["Explanation"]
        assert fields["Options"] == ""
        assert set(note["tags"]) == {"self-attention", "flops", "pack::tui-basics"}
        assert note["deck"] == "quizapp::TUI test pack"
    assert len(prompts) == len(flops)  # no two notes of the same question are identical


def test_choice_keeps_options_and_recall_is_a_plain_card(tmp_path):
    notes = read_deck(export(tmp_path, "deck.apkg"), tmp_path)
    (choice,) = by_question(notes, "tui-basics/largest-tensor")  # one draw possible: one note
    assert "the score matrix S (n×n)" in choice["fields"]["Options"]
    assert "the queries Q (n×d)" in choice["fields"]["Options"]
    assert "a) the score matrix S (n×n)" in choice["fields"]["Answer"]
    (recall,) = by_question(notes, "tui-recall/why-scale")
    assert "√d_k" in recall["fields"]["Prompt"]
    assert "variance d_k" in recall["fields"]["Answer"]
    assert recall["fields"]["Options"] == "" and recall["fields"]["Derivation"] == ""
    assert "pack::tui-recall" in recall["tags"]


def test_reexport_keeps_guids_so_anki_updates_instead_of_duplicating(tmp_path):
    first = read_deck(export(tmp_path, "a.apkg"), tmp_path)
    second = read_deck(export(tmp_path, "b.apkg"), tmp_path)
    assert {n["guid"]: n["fields"] for n in first} == {n["guid"]: n["fields"] for n in second}
    assert len({n["guid"] for n in first}) == len(first)
    # Fewer variants: the same seeds keep the same notes.
    fewer = read_deck(export(tmp_path, "c.apkg", "--variants", "1"), tmp_path)
    assert {n["guid"] for n in fewer} < {n["guid"] for n in first}


def test_pack_text_cannot_inject_html(tmp_path):
    pack = tmp_path / "packs" / "html-pack.yaml"
    pack.parent.mkdir()
    pack.write_text(
        "id: html-pack\ntitle: HTML\nversion: 1\ndescription: x\nquestions:\n"
        "  - id: q\n    topics: [t]\n    difficulty: 1\n    time: 10\n"
        "    prompt: 'Is <script>alert(1)</script> shown as text?'\n"
        "    answer: {kind: recall, value: as text}\n    explanation: e\n    source: s\n",
        encoding="utf-8",
    )
    out = tmp_path / "h.apkg"
    result = CliRunner().invoke(
        main,
        [
            "--packs",
            str(pack.parent),
            "export",
            "--format",
            "apkg",
            "-o",
            str(out),
            "--packs",
            "html-pack",
        ],
    )
    assert result.exit_code == 0, result.output
    (note,) = read_deck(out, tmp_path)
    assert "<script>" not in note["fields"]["Prompt"]
    assert "&lt;script&gt;" in note["fields"]["Prompt"]


def test_selecting_packs_and_unknown_pack_ids(tmp_path):
    notes = read_deck(export(tmp_path, "r.apkg", "--packs", "tui-recall"), tmp_path)
    assert {n["deck"] for n in notes} == {"quizapp::TUI recall test pack"}
    result = CliRunner().invoke(
        main,
        [
            *PACKS,
            "export",
            "--format",
            "apkg",
            "-o",
            str(tmp_path / "x.apkg"),
            "--packs",
            "no-such-pack",
        ],
    )
    assert result.exit_code == 2
    assert "no pack no-such-pack" in result.output
    assert "tui-basics" in result.output
    assert not (tmp_path / "x.apkg").exists()


def test_without_an_output_file_the_deck_goes_to_the_exports_folder(tmp_path):
    from quizapp import locations

    result = CliRunner().invoke(
        main, [*PACKS, "export", "--format", "apkg", "--packs", "tui-recall"]
    )
    assert result.exit_code == 0, result.output
    target = locations.exports_dir() / "quizapp.apkg"
    assert str(target) in result.output
    assert len(read_deck(target, tmp_path)) == 1


def one_recall_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "solo.yaml").write_text(
        "id: solo\ntitle: Solo\nversion: 1\ndescription: x\nquestions:\n"
        "  - id: q\n    topics: [t]\n    difficulty: 1\n    time: 10\n"
        "    prompt: 'What does a score row hold?'\n"
        "    answer: {kind: recall, value: one query's scores}\n    explanation: e\n    source: s\n",
        encoding="utf-8",
    )
    return folder


def test_a_one_question_deck_is_counted_in_the_singular(tmp_path):
    folder = one_recall_pack(tmp_path / "packs")
    out = tmp_path / "solo.apkg"
    result = CliRunner().invoke(
        main,
        ["--packs", str(folder), "export", "--format", "apkg", "-o", str(out), "--packs", "solo"],
    )
    assert result.exit_code == 0, result.output
    assert len(read_deck(out, tmp_path)) == 1
    assert f"Wrote 1 note (1 question, 1 pack) to {out}" in result.output


def test_an_unknown_pack_beside_a_broken_one_hints_validate_with_its_folder(tmp_path):
    """`quizapp validate` alone would not check the packs in --packs DIR."""
    folder = one_recall_pack(tmp_path / "my packs")
    (folder / "broken.yaml").write_text("id: broken\nquestions: [\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--packs", str(folder), "export", "--format", "apkg", "--packs", "no-such-pack"]
    )
    assert result.exit_code == 2
    assert f"1 pack problem, see `quizapp validate --packs '{folder}'`" in result.output


def test_a_question_that_cannot_be_drawn_is_skipped_with_a_validate_hint_for_its_folder(
    tmp_path, monkeypatch
):
    import engine.problems

    def fail(*_args, **_kwargs):
        raise ValueError("no numbers fit")

    monkeypatch.setattr(engine.problems, "draw", fail)
    folder = one_recall_pack(tmp_path / "packs")
    result = CliRunner().invoke(
        main, ["--packs", str(folder), "export", "--format", "apkg", "--packs", "solo"]
    )
    assert result.exit_code == 1
    assert f"skipped solo/q: no numbers fit (run `quizapp validate --packs {folder}`)" in (
        result.output
    )
    assert "no questions to export" in result.output
