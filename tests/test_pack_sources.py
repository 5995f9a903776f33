"""Packs shared as git repositories: `quizapp packs add/update/remove/restore/orphans`,
tested against local repositories made with `git init` in a temporary folder."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import wait_for
from filelock import FileLock

from quizapp import locations, pack_sources
from quizapp.cli import main
from quizapp.pack_sources import split_spec
from quizapp.store import Attempt, Store

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PACK = """\
id: {pack_id}
title: A shared pack
version: 1
description: Questions shared through git.
questions:
{questions}
"""

QUESTION = """\
  - id: {qid}
    topics: [flops]
    difficulty: 1
    time: 30
    params:
      n: {{choice: [64, 128]}}
    prompt: How many FLOPs does an n×n by n×n matmul take, with n = {{n}}?
    answer: {{kind: number, value: "2*n^3", unit: FLOP}}
    derivation:
      - text: n² outputs, each n multiply-adds of 2 FLOPs.
        formula: "2*n^3"
    explanation: Each of the n² outputs is a length-n dot product.
    source: "textbook"
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def write_pack(repo: Path, *qids: str, name: str = "shared-pack.yaml") -> None:
    questions = "".join(QUESTION.format(qid=q) for q in qids)
    text = PACK.format(pack_id=name.removesuffix(".yaml"), questions=questions)
    (repo / name).write_text(text, encoding="utf-8")


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "shared-packs"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_pack(repo, "q1", "q2")
    commit(repo, "two questions")
    return repo


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def loaded_packs() -> dict[str, int]:
    result = run("packs", "--json")
    assert result.exit_code == 0, result.output
    return {p["id"]: p["questions"] for p in json.loads(result.output)["packs"]}


def lock() -> dict:
    return json.loads(locations.pack_lock_path().read_text(encoding="utf-8"))


def test_add_enables_the_packs_and_locks_the_commit(repo):
    result = run("packs", "add", str(repo))
    assert result.exit_code == 0, result.output
    assert "Added shared-packs" in result.output and "shared-pack" in result.output
    assert loaded_packs()["shared-pack"] == 2
    (entry,) = lock()["sources"]
    assert entry["commit"] == git(repo, "rev-parse", "HEAD")
    assert entry["url"] == str(repo) and entry["packs"] == ["shared-pack"]
    # The questions are usable like any other: preview draws one.
    preview = run("preview", "shared-pack/q1")
    assert preview.exit_code == 0, preview.output


def test_add_at_a_tag_takes_that_version(repo):
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1")
    write_pack(repo, "q1", "q2", "q3")
    commit(repo)
    result = run("packs", "add", f"{repo}@v1")
    assert result.exit_code == 0, result.output
    assert loaded_packs()["shared-pack"] == 2
    assert lock()["sources"][0]["commit"] == first
    assert lock()["sources"][0]["ref"] == "v1"


def test_an_invalid_pack_is_not_enabled_and_the_error_says_where(repo):
    (repo / "shared-pack.yaml").write_text(
        PACK.format(pack_id="shared-pack", questions=QUESTION.format(qid="q1")).replace(
            "difficulty: 1", "difficulty: 9"
        ),
        encoding="utf-8",
    )
    commit(repo)
    result = run("packs", "add", str(repo))
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if "difficulty" in ln)
    # shared-packs/shared-pack.yaml:<line>:<column> questions[0].difficulty: …
    where = line.split(" ", 1)[0]
    name, row, col = where.rsplit(":", 2)
    assert name == "shared-packs/shared-pack.yaml"
    text = (repo / "shared-pack.yaml").read_text().splitlines()
    assert text[int(row) - 1][int(col) - 1 :].startswith("difficulty: 9")
    assert "not enabled" in result.output
    assert "shared-pack" not in loaded_packs()
    assert not locations.pack_lock_path().exists()
    assert not any(locations.pack_sources_dir().iterdir())  # no clone, no staging left


def test_clear_errors_for_a_bad_ref_a_missing_repo_and_no_git(repo, tmp_path, monkeypatch):
    result = run("packs", "add", f"{repo}@no-such-branch")
    assert result.exit_code == 1
    assert "no branch, tag or commit 'no-such-branch'" in result.output
    result = run("packs", "add", str(repo), "--ref", "--upload-pack=touch")
    assert result.exit_code == 1 and "not a branch, tag or commit name" in result.output
    result = run("packs", "add", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "git clone failed" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run("packs", "add", str(repo))
    assert result.exit_code == 1 and "git is not installed" in result.output


def test_a_pack_id_already_installed_is_refused(repo):
    from quizapp.packs import load_all

    shipped = load_all().pack("attention-basics")
    assert shipped is not None
    shutil.copy(shipped.file, repo / "attention-basics.yaml")
    commit(repo)
    result = run("packs", "add", str(repo))
    assert result.exit_code == 1
    assert "'attention-basics' is already used by" in result.output
    assert "shared-pack" not in loaded_packs()


def record(question_id: str) -> None:
    with Store.open() as store:
        store.record_attempt(Attempt(question_id, correct=True, score=1.0, response="1"))


def test_update_keeps_progress_and_lists_orphans(repo):
    assert run("packs", "add", str(repo)).exit_code == 0
    record("shared-pack/q1")
    record("shared-pack/q2")
    record("shared-pack/q2")
    write_pack(repo, "q1", "q3")  # q2 leaves, q3 arrives
    new_commit = commit(repo)
    result = run("packs", "update")
    assert result.exit_code == 0, result.output
    assert "1 questions left the packs; their history is kept" in result.output
    assert lock()["sources"][0]["commit"] == new_commit
    assert loaded_packs()["shared-pack"] == 2
    with Store.open() as store:
        assert store.question_stats("shared-pack/q1").attempts == 1  # progress kept
        assert len([a for a in store.attempts() if a.question_id == "shared-pack/q2"]) == 2
    result = run("packs", "orphans", "--json")
    rows = json.loads(result.output)["orphans"]
    assert [(o["question"], o["attempts"]) for o in rows] == [("shared-pack/q2", 2)]
    text = run("packs", "orphans").output
    assert "shared-pack/q2  2 attempts" in text


def test_an_update_that_fails_validation_keeps_the_working_version(repo):
    assert run("packs", "add", str(repo)).exit_code == 0
    good = lock()["sources"][0]["commit"]
    (repo / "shared-pack.yaml").write_text("id: shared-pack\nquestions: [\n", encoding="utf-8")
    commit(repo)
    result = run("packs", "update", "shared-pack")  # a pack id names its source too
    assert result.exit_code == 1
    assert "shared-packs/shared-pack.yaml:" in result.output
    assert f"kept {good[:12]}" in result.output
    assert lock()["sources"][0]["commit"] == good
    assert loaded_packs()["shared-pack"] == 2


def test_restore_clones_the_locked_commit_on_a_new_machine(repo):
    assert run("packs", "add", str(repo)).exit_code == 0
    locked = lock()["sources"][0]["commit"]
    write_pack(repo, "q1", "q2", "q3")
    commit(repo)
    shutil.rmtree(locations.pack_sources_dir())  # another machine: only the lock file
    assert "shared-pack" not in loaded_packs()
    assert "not here: shared-packs; `quizapp packs restore`" in run("packs").output
    result = run("packs", "restore")
    assert result.exit_code == 0, result.output
    assert loaded_packs()["shared-pack"] == 2  # the locked version, not the newest
    clone = locations.pack_sources_dir() / "shared-packs"
    assert git(clone, "rev-parse", "HEAD") == locked


def test_remove_disables_the_packs_and_keeps_history(repo):
    assert run("packs", "add", str(repo)).exit_code == 0
    record("shared-pack/q1")
    result = run("packs", "remove", "shared-packs")
    assert result.exit_code == 0 and "history is kept" in result.output
    assert "shared-pack" not in loaded_packs()
    assert not (locations.pack_sources_dir() / "shared-packs").exists()
    assert "shared-pack/q1  1 attempts" in run("packs", "orphans").output
    result = run("packs", "remove", "shared-packs")
    assert result.exit_code == 1 and "no pack source 'shared-packs'" in result.output


def test_nothing_from_the_repository_runs_and_links_do_not_leave_it(repo, tmp_path, monkeypatch):
    # A hook that git would run on checkout, installed the way a template would.
    marker = tmp_path / "hook-ran"
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    hook = template / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    # A "pack" that is a symlink to a valid pack outside the repository (would load if followed).
    outside = tmp_path / "outside"
    outside.mkdir()
    write_pack(outside, "secret", name="linked.yaml")
    os.symlink(outside / "linked.yaml", repo / "linked.yaml")
    commit(repo)
    result = run("packs", "add", str(repo))
    assert not marker.exists()
    assert result.exit_code == 1  # the link arrives as a file holding a path: not a pack
    assert "shared-packs/linked.yaml:1:1" in result.output


def test_spec_splitting_keeps_user_at_host_urls_whole():
    assert split_spec("git@github.com:me/packs.git") == ("git@github.com:me/packs.git", None)
    assert split_spec("git@github.com:me/packs.git@v2") == ("git@github.com:me/packs.git", "v2")
    assert split_spec("https://me@host.org/packs.git") == ("https://me@host.org/packs.git", None)
    assert split_spec("https://host.org/packs.git@feature/x") == (
        "https://host.org/packs.git",
        "feature/x",
    )


def test_every_packs_subcommand_has_help():
    for sub in ("add", "remove", "update", "restore", "orphans"):
        result = run("packs", sub, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, sub


def test_a_damaged_lock_file_never_stops_the_app_and_is_named(repo):
    assert run("packs", "add", str(repo)).exit_code == 0
    locations.pack_lock_path().write_text("{not json", encoding="utf-8")
    listing = run("packs")
    assert listing.exit_code == 0  # the shipped packs still load
    assert "attention-basics" in listing.output
    assert "packs.lock.json" in listing.output and "not loaded" in listing.output
    result = run("packs", "update")
    assert result.exit_code == 1
    assert "cannot read the pack lock file" in result.output


def test_packs_in_a_questions_folder_and_a_chosen_name(tmp_path):
    repo = tmp_path / "course"
    (repo / "questions").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_pack(repo / "questions", "q1")
    commit(repo)
    result = run("packs", "add", str(repo), "--name", "my-course")
    assert result.exit_code == 0, result.output
    assert loaded_packs()["shared-pack"] == 1
    (entry,) = lock()["sources"]
    assert (entry["name"], entry["folder"]) == ("my-course", "questions")


def _slow_git(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A `git` for one process that says when it is first called, then waits for a release
    file (at most 30 s) before running the real git: that process stays inside `packs add`,
    between reading the lock file and writing it, for as long as the test wants."""
    real = shutil.which("git")
    bin_dir, entered, release = tmp_path / "slow-bin", tmp_path / "entered", tmp_path / "release"
    bin_dir.mkdir()
    script = bin_dir / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'touch "{entered}"\n'
        "i=0\n"
        f'while [ ! -e "{release}" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir, entered, release


@pytest.mark.skipif(os.name != "posix", reason="the slow git is a POSIX shell script")
def test_two_packs_add_at_once_keep_both_sources(repo, tmp_path):
    """Two real `quizapp packs add` processes: the second starts while the first is cloning.
    Both sources end up in the lock file (the second waits for the first and says so),
    instead of the last writer's lock file replacing the first's."""
    import sys

    other = tmp_path / "other-packs"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write_pack(other, "q1", name="other-pack.yaml")
    commit(other, "one question")
    bin_dir, entered, release = _slow_git(tmp_path)
    env = {**os.environ, "QUIZAPP_HOME": str(locations.data_dir())}
    command = [sys.executable, "-m", "quizapp", "packs", "add"]
    first_err, second_err = tmp_path / "first.err", tmp_path / "second.err"
    with first_err.open("w") as err1, second_err.open("w") as err2:
        slow_env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}"}
        first = subprocess.Popen([*command, str(repo)], env=slow_env, stderr=err1)
        try:
            wait_for(
                "the first packs add to start cloning", entered.exists, timeout=60, every=0.05
            )  # the first is inside `packs add`, cloning
            second = subprocess.Popen([*command, str(other)], env=env, stderr=err2)
            # either the second finishes while the first still clones, or it waits its turn
            wait_for(
                "the second packs add to wait or end",
                lambda: second.poll() is not None or "waiting" in second_err.read_text(),
                timeout=60,
                every=0.05,
            )
        finally:
            release.touch()
        assert first.wait(timeout=60) == 0, first_err.read_text()
        assert second.wait(timeout=60) == 0, second_err.read_text()
    assert sorted(s["name"] for s in lock()["sources"]) == ["other-packs", "shared-packs"]
    assert "waiting for another `quizapp packs` command" in second_err.read_text()
    assert set(loaded_packs()) >= {"shared-pack", "other-pack"}


def commands_lock() -> Path:
    """The file every changing `packs` command locks (named in the README)."""
    return locations.pack_lock_path().with_name(".packs.lock.json.lock")


class Waited(Exception):
    """Raised by `on_wait`: the command found the lock held and was about to wait."""


def refuse_to_wait() -> None:
    raise Waited


@pytest.mark.parametrize("command", ["add", "update", "remove", "restore"])
def test_every_changing_command_waits_while_another_holds_the_lock(repo, tmp_path, command):
    """add, update, remove and restore each take the lock before touching anything: with
    another command holding it, each says it waits (on_wait) and has changed nothing."""
    other = tmp_path / "other-packs"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write_pack(other, "q1", name="other-pack.yaml")
    commit(other, "one question")
    assert run("packs", "add", str(repo)).exit_code == 0
    write_pack(repo, "q1", "q2", "q3")
    commit(repo, "a third question")  # something for update to fetch
    shutil.rmtree(locations.pack_sources_dir() / "shared-packs")  # and for restore to clone
    calls: dict[str, Callable[[], object]] = {
        "add": lambda: pack_sources.add(str(other), on_wait=refuse_to_wait),
        "update": lambda: pack_sources.update(on_wait=refuse_to_wait),
        "remove": lambda: pack_sources.remove("shared-packs", on_wait=refuse_to_wait),
        "restore": lambda: pack_sources.restore(on_wait=refuse_to_wait),
    }

    def state() -> tuple[str, list[str]]:
        clones = sorted(p.name for p in locations.pack_sources_dir().iterdir())
        return locations.pack_lock_path().read_text(encoding="utf-8"), clones

    before = state()
    with FileLock(commands_lock()), pytest.raises(Waited):
        calls[command]()
    assert state() == before  # no clone, no staging folder, the lock file as it was
    calls[command]()  # the lock released, the same call goes through without waiting
    assert state() != before


def _read_only_packs_home(monkeypatch: pytest.MonkeyPatch) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    home = locations.pack_lock_path().parent
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o500)  # made writable again by the test


def _packs_home_is_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    home = locations.pack_lock_path().parent
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("not a folder", encoding="utf-8")


def _no_locks_on_this_file_system(monkeypatch: pytest.MonkeyPatch) -> None:
    """flock fails with ENOLCK (an NFS mount without a lock daemon). Taking that for
    another command holding the lock would wait forever: waiting fails the test."""
    fcntl = pytest.importorskip("fcntl")

    def flock(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    def waiting() -> None:
        raise AssertionError("a failed lock was taken for another command holding it")

    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr("quizapp.commands.packs._waiting", waiting)


@pytest.mark.parametrize(
    "cause", [_read_only_packs_home, _packs_home_is_a_file, _no_locks_on_this_file_system]
)
def test_a_lock_that_cannot_be_taken_is_a_clear_error(repo, monkeypatch, cause):
    cause(monkeypatch)
    try:
        result = run("packs", "add", str(repo))
    finally:
        home = locations.pack_lock_path().parent
        if home.is_dir():
            home.chmod(0o700)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert f"cannot lock {commands_lock()}" in result.output
    assert not locations.pack_lock_path().is_file()


def test_a_plain_folder_or_a_file_says_how_to_use_it_instead(tmp_path):
    # a folder of packs that is not a git repository exists; "repository does not exist" misleads
    folder = tmp_path / "my-packs"
    folder.mkdir()
    write_pack(folder, "q1")
    result = run("packs", "add", str(folder))
    assert result.exit_code == 1
    assert "is a folder but not a git repository" in result.output
    assert f"--packs {folder}" in result.output and "git init" in result.output
    result = run("packs", "add", str(folder / "shared-pack.yaml"))
    assert result.exit_code == 1
    assert "is a file" in result.output and f"--packs {folder}" in result.output
    assert not locations.pack_lock_path().exists() or lock()["sources"] == []


def test_one_problem_is_counted_in_the_singular(repo):
    write_pack(repo, "q1")
    path = repo / "shared-pack.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("difficulty: 1", "difficulty: 9"))
    commit(repo)
    result = run("packs", "add", str(repo))
    assert result.exit_code == 1
    assert "was not enabled: 1 problem in its packs" in result.output
