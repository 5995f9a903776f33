"""`quizapp serve`: the same app in a browser tab (textual-serve), one process per tab."""

from __future__ import annotations

import click

from quizapp.commands.options import pack_dirs, packs_dir_option


def _check_url(_ctx: click.Context, _param: click.Parameter, url: str | None) -> str | None:
    """--public-url must be a whole http(s) address: the page builds its websocket URL on it,
    so anything else serves a page that stays blank with no error anywhere."""
    from urllib.parse import urlsplit

    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(
            f"{url!r} is not an http(s) address; write it whole, e.g. https://quiz.example.org"
        )
    return url


@click.command()
@packs_dir_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but a loopback address lets other machines in: "
    "there is no authentication.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default=None,
    callback=_check_url,
    help="The address browsers use to reach the server, when it differs from "
    "http://HOST:PORT (behind a proxy, or with --host 0.0.0.0).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, public_url: str | None) -> None:
    """Serve the app in a web browser at http://HOST:PORT (Ctrl+C stops it).

    Each browser tab runs its own copy of the app on this machine, with the same
    packs and the same practice history as the terminal app.
    """
    from quizapp import serve as serving

    try:
        warning = serving.exposure_warning(host)
        if warning:
            click.secho(warning, fg="yellow", bold=True, err=True)
        serving.serve(host, port, pack_dirs(ctx), public_url)
    except serving.ServeError as exc:
        raise click.ClickException(str(exc)) from None
