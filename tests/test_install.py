"""A real install: build the wheel, install it in a fresh virtual environment, run it elsewhere.

This is what `pip install .`, `pipx install .` and `uv tool install .` do; the packs
must come inside the wheel (an editable install would find them in the repository and
hide the bug). Nothing is downloaded: the wheel is built without build isolation with
the setuptools of the test environment, installed with `--no-deps --no-index`, and the
dependencies come from the test environment's site-packages on PYTHONPATH (a path
entry there does not run the `.pth` of the editable install, so `quizapp` is the wheel's).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT, builds_the_fused_kernel, cpu_runs_the_fused_kernel

pytestmark = pytest.mark.install

SOURCES = ("pyproject.toml", "setup.py", "README.md", "quizapp", "engine", "questions")


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv with only the built quizapp wheel installed."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so"),  # built afresh
            )
        else:
            shutil.copy2(src, source / name)
    wheels = work / "wheels"
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
            str(source),
        ]
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("quizapp-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    done = run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return env_dir / "bin"


def installed_env(tmp_path: Path) -> dict[str, str]:
    """The environment the installed app runs in: the dependencies, a fresh home."""
    env = {
        **os.environ,
        "PYTHONPATH": sysconfig.get_paths()["purelib"],  # the dependencies, not the .pth
        "QUIZAPP_HOME": str(tmp_path / "home"),
    }
    env.pop("QUIZAPP_PACKS", None)
    return env


def quizapp(bin_dir: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `quizapp` from a folder outside the repository."""
    outside = tmp_path / "elsewhere"
    outside.mkdir(exist_ok=True)
    return run([str(bin_dir / "quizapp"), *args], cwd=outside, env=installed_env(tmp_path))


def test_a_served_tab_runs_quizapp_from_a_project_with_its_own_engine_package(
    installed: Path, tmp_path: Path
) -> None:
    """`quizapp serve` starts each tab with `python -m quizapp` in the folder it was run
    from; a project there with its own `engine` package must not shadow quizapp's."""
    project = tmp_path / "project"
    (project / "engine").mkdir(parents=True)
    (project / "engine" / "__init__.py").write_text("")
    env = installed_env(tmp_path)
    ask = "from quizapp.serve import app_command; print(app_command())"
    command = run([str(installed / "python"), "-P", "-c", ask], cwd=project, env=env)
    assert command.returncode == 0, command.stderr
    argv = [*shlex.split(command.stdout), "calc", "matmul", "m=2", "n=2", "k=2", "--json"]
    tab = run(argv, cwd=project, env=env)
    assert tab.returncode == 0, tab.stderr
    assert json.loads(tab.stdout)["flops"] == 2 * 2 * 2 * 2  # 2·m·n·k


def test_the_installed_wheel_carries_the_fused_kernel_where_a_compiler_built_it(
    installed: Path, tmp_path: Path
) -> None:
    """The wheel is built from source, so where a C compiler exists it carries the fused
    diagonal kernel (engine/_diagonal.c) for every CPython from 3.11 (stable ABI, abi3),
    and the installed engine uses it on a CPU that runs it."""
    if not builds_the_fused_kernel():
        pytest.skip("no C compiler for x86-64 Linux here: the wheel is pure Python")
    (wheel,) = (installed.parent.parent / "wheels").glob("quizapp-*.whl")
    assert wheel.name.endswith("-cp311-abi3-linux_x86_64.whl"), wheel.name
    ask = "from engine import kernels as K; print(K._diagonal is not None, K.FUSED_DIAGONAL)"
    got = run([str(installed / "python"), "-P", "-c", ask], env=installed_env(tmp_path))
    assert got.returncode == 0, got.stderr
    assert got.stdout.split() == ["True", str(cpu_runs_the_fused_kernel())]


def test_the_installed_wheel_carries_the_packs(installed: Path, tmp_path: Path) -> None:
    listed = quizapp(installed, tmp_path, "packs", "--json")
    assert listed.returncode == 0, listed.stderr
    packs = json.loads(listed.stdout)["packs"]
    shipped = sorted(p.name for p in (ROOT / "questions").glob("*.yaml"))
    assert sorted(Path(p["file"]).name for p in packs) == shipped
    venv_dir = installed.parent.resolve()
    for pack in packs:  # read from the install, not from this repository
        assert Path(pack["file"]).resolve().is_relative_to(venv_dir), pack["file"]

    first = next(p for p in packs if p["questions"])
    qid = _first_question(first["file"], first["id"])
    shown = quizapp(installed, tmp_path, "preview", qid)
    assert shown.returncode == 0, shown.stderr
    assert qid in shown.stdout


def test_an_install_without_packs_says_so_and_fails(installed: Path, tmp_path: Path) -> None:
    """Were the packs left out, `packs` and `validate` say why instead of '0 packs OK'."""
    shipped = _site_packages(installed.parent) / "quizapp" / "questions"
    hidden = shipped.with_name("questions-hidden")
    shipped.rename(hidden)
    try:
        listed = quizapp(installed, tmp_path, "packs")
        checked = quizapp(installed, tmp_path, "validate")
    finally:
        hidden.rename(shipped)
    for result in (listed, checked):
        assert result.returncode == 1
        assert "No question packs were found" in result.stderr
        assert "Reinstall" in result.stderr


def _site_packages(env_dir: Path) -> Path:
    (found,) = env_dir.glob("lib/python*/site-packages")
    return found


def _first_question(pack_file: str, pack_id: str) -> str:
    import yaml

    data = yaml.safe_load(Path(pack_file).read_text(encoding="utf-8"))
    return f"{pack_id}/{data['questions'][0]['id']}"


def test_the_installed_wheel_writes_a_starter_pack_that_validates(
    installed: Path, tmp_path: Path
) -> None:
    # the template is package data: an install without it fails on a first author's first step
    folder = tmp_path / "my-packs"
    made = quizapp(installed, tmp_path, "new", "first-pack", "--dir", str(folder))
    assert made.returncode == 0, made.stderr
    checked = quizapp(installed, tmp_path, "validate", str(folder / "first-pack.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 pack, 2 questions OK" in checked.stdout
