"""`quizapp check`: the echo, partial credit and a broken answer spec, on shipped packs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from quizapp.cli import main


def _check(*args: str) -> dict:
    result = CliRunner().invoke(main, ["check", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_echo_reads_a_bare_number_in_the_unit_the_prompt_asks_for() -> None:
    data = _check("long-inputs/book-tib", "--answer", "1.82")
    assert "TiB" in data["echo"] and data["echo"] == data["parsed"]
    assert data["correct"] is True


def test_a_near_miss_is_shown_as_partly_right() -> None:
    result = CliRunner().invoke(main, ["check", "model-flops/training-6nd", "-a", "2.3e22"])
    assert result.exit_code == 0
    assert "verdict:   partly right" in result.output
    assert "rounded too far" in result.output


def test_a_hostile_answer_returns_an_invalid_verdict_not_a_hang() -> None:
    data = _check("attention-basics/qk-flops", "--answer", "9319e93^0.8711")
    assert data["valid"] is True and data["correct"] is False
    data = _check("attention-basics/time-big-o", "--answer", "(-n)^0.5")
    assert data["correct"] is False and "not real" in data["feedback"]
