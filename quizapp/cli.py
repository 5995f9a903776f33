"""Command-line entry point.

A click group whose bare invocation opens the TUI. Subcommands live in
`quizapp.commands.<name>` and are imported only when listed or run, and each of
those modules imports sympy/numpy/textual inside its function body, so that
`quizapp --help` and `quizapp --version` stay fast (no heavy import at all).
"""

from __future__ import annotations

import codecs
import importlib
import io
import os
import sys
from typing import Any

import click

from quizapp import __version__
from quizapp.commands.options import pack_dirs, packs_dir_option

#: name -> "module:attribute"; the order is the order shown in --help.
COMMANDS: dict[str, str] = {
    "practice": "quizapp.commands.practice:practice",
    "serve": "quizapp.commands.serve:serve",
    "mock": "quizapp.commands.mock:mock",
    "calc": "quizapp.commands.calc:calc",
    "demo": "quizapp.commands.demo:demo",
    "packs": "quizapp.commands.packs:packs",
    "validate": "quizapp.commands.validate:validate",
    "preview": "quizapp.commands.preview:preview",
    "check": "quizapp.commands.check:check",
    "new": "quizapp.commands.new:new",
    "plan": "quizapp.commands.plan:plan",
    "optimize": "quizapp.commands.optimize:optimize",
    "stats": "quizapp.commands.stats:stats",
    "export": "quizapp.commands.export:export",
    "import": "quizapp.commands.importing:import_history",
    "schema": "quizapp.commands.schema:schema",
}


#: Error handlers that already never raise on a character the encoding lacks.
_TOLERANT = frozenset({"replace", "backslashreplace", "xmlcharrefreplace", "namereplace", "ignore"})


def tolerate_narrow_terminals() -> None:
    """Let stdout and stderr print every character of the app's text, or stand in for it.

    The app's text is full of ·, ², ×, QKᵀ and ∝. Under the C locale without Python's UTF-8
    mode the streams are ASCII: like click and Python's own UTF-8 mode, take that for a
    terminal whose locale was never set and write UTF-8. Under a real narrower encoding
    (Latin-1, or Windows' cp1252 when the output is redirected) a character it lacks
    becomes `?`: a whole answer with one odd character beats a UnicodeEncodeError.
    """
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            encoding = codecs.lookup(stream.encoding).name
        except LookupError:
            encoding = ""
        if encoding == "utf-8":
            continue
        if encoding == "ascii":
            stream.reconfigure(encoding="utf-8")
        elif stream.errors not in _TOLERANT:
            stream.reconfigure(errors="replace")


class SuggestingGroup(click.Group):
    """A click group that answers a misspelt command with the one probably meant.

    click suggests a misspelt option (`--minute`: did you mean `--minutes`?), but a misspelt
    command only from 8.4 on and only among commands registered up front, which the lazy
    group below has none of: `quizapp stat` said only "No such command 'stat'".
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            typed = args[0] if args else ""
            found = getattr(exc, "possibilities", None)  # click >= 8.4 suggested some
            if not typed or typed.startswith("-") or found or self.get_command(ctx, typed):
                raise
            import difflib

            close = difflib.get_close_matches(typed, self.list_commands(ctx))
            if not close:
                raise
            names = ", ".join(repr(name) for name in close)
            # worded as click words its own suggestions
            hint = (
                f"Did you mean {names}?" if len(close) == 1 else f"(Did you mean one of: {names}?)"
            )
            raise click.UsageError(f"{exc.message} {hint}", ctx) from None


class LazyGroup(SuggestingGroup):
    """A click group that imports a subcommand's module only when it is needed."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        tolerate_narrow_terminals()
        if os.environ.get("NO_COLOR"):  # https://no-color.org: click would colour anyway
            kwargs.setdefault("color", False)
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="quizapp")
@packs_dir_option
@click.pass_context
def main(ctx: click.Context) -> None:
    """Train for ML-systems interviews on the cost of attention and transformers.

    Run with no command to open the terminal app. Every answer is saved as you go in
    your user data folder (`quizapp stats` names it); set QUIZAPP_HOME to keep it
    elsewhere.
    """
    if ctx.invoked_subcommand is None:
        from quizapp.tui.app import run_app

        run_app(packs_dirs=pack_dirs(ctx))
