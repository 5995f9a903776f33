"""`quizapp serve` before any browser: the address it binds, the warning, a taken port."""

from __future__ import annotations

import shlex
import socket
import sys

from click.testing import CliRunner

from quizapp.cli import main
from quizapp.serve import app_command, exposure_warning, is_loopback


def test_loopback_addresses_serve_quietly_and_others_warn_of_no_authentication():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert is_loopback(host), host
        assert exposure_warning(host) is None
    for host in ("0.0.0.0", "192.168.1.20"):
        warning = exposure_warning(host)
        assert warning is not None and "NO authentication" in warning and host in warning


def test_a_port_in_use_is_one_clear_sentence_not_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output
    assert "Traceback" not in result.output


def test_a_public_host_prints_the_warning_before_anything_else():
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.index("NO authentication") < result.output.index("already in use")


def test_each_tab_runs_this_python_with_the_same_pack_folders(tmp_path):
    folder = tmp_path / "my packs; rm -rf ~"
    folder.mkdir()
    argv = shlex.split(app_command([str(folder)]))
    assert argv[-2:] == ["--packs", str(folder)]
    assert argv[0] == sys.executable


def test_serve_help_names_the_defaults():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "8000" in result.output
    assert "no authentication" in result.output


def test_a_public_url_that_is_not_an_address_is_refused_before_serving(monkeypatch):
    # the page would build its websocket on it and stay blank, with no error anywhere
    from quizapp import serve as serving

    started = []
    monkeypatch.setattr(serving, "serve", lambda *args: started.append(args))
    result = CliRunner().invoke(main, ["serve", "--public-url", "quiz.example.org"])
    assert result.exit_code == 2
    assert "'quiz.example.org' is not an http(s) address" in result.output
    assert started == []
    result = CliRunner().invoke(main, ["serve", "--public-url", "https://quiz.example.org/"])
    assert result.exit_code == 0, result.output
    assert started and started[0][-1] == "https://quiz.example.org/"
