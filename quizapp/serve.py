"""The app in a browser tab, through textual-serve.

Why it looks like this:

* textual-serve starts one app process per browser tab (the same `python -m quizapp`
  a terminal would run, with Textual's web driver), so tabs never share state in
  memory; they share the SQLite history exactly as two terminals would.
* There is no authentication: whoever reaches the port drives the app and reads the
  history. So the default address is loopback, and any other address is allowed only
  with a warning the user cannot miss.
* A port that is taken is found before the server starts (aiohttp would print a
  traceback), so the user gets one sentence that names the port and what to do.
"""

from __future__ import annotations

import errno
import ipaddress
import shlex
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class ServeError(Exception):
    """A reason the server cannot start, written for the user."""


def host_addresses(host: str) -> list[str]:
    """The IP addresses `host` stands for (a literal address is itself)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ServeError(f"cannot use host {host!r}: {exc.strerror or exc}") from None
    return sorted({str(info[4][0]) for info in infos})


def is_loopback(host: str) -> bool:
    """True when only this machine can reach `host` (127.0.0.0/8, ::1, localhost)."""
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in host_addresses(host))


def exposure_warning(host: str) -> str | None:
    """The warning to print before serving on `host`, or None for a loopback address."""
    if is_loopback(host):
        return None
    return (
        f"WARNING: serving on {host}: quizapp has NO authentication. Anyone who can reach "
        "this address can use the app and read and change your practice history. "
        f"Use the default --host {DEFAULT_HOST} unless you trust every machine on that network."
    )


def check_port_free(host: str, port: int) -> None:
    """Raise ServeError if `port` cannot be bound on `host` (in use, or not allowed)."""
    family = socket.AF_INET6 if ":" in host_addresses(host)[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServeError(port_message(host, port, exc)) from None


def port_message(host: str, port: int, exc: OSError) -> str:
    """One sentence for a failed bind: what happened and what to try."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another `quizapp serve`?); "
            f"choose another with --port, e.g. --port {port + 1}"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} on {host}; use a port above 1023"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def app_command(pack_dirs: Sequence[str] = ()) -> str:
    """The shell command textual-serve runs for each tab: this Python, this app, these packs.

    `-P` keeps the working folder off the import path: `-m` would otherwise put it first,
    and a project there with its own `engine` package would shadow quizapp's.
    """
    argv = [sys.executable, "-P", "-m", "quizapp"]
    for directory in pack_dirs:
        argv += ["--packs", str(Path(directory).resolve())]
    return shlex.join(argv)


def public_url(host: str, port: int) -> str:
    """The address the page tells the browser to connect back to.

    A wildcard address (0.0.0.0, ::) cannot be connected to from another machine, so the
    machine's name is used instead.
    """
    name = host
    if name in ("0.0.0.0", "::", ""):
        name = socket.getfqdn()
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    pack_dirs: Sequence[str] = (),
    url: str | None = None,
) -> None:
    """Serve the app until interrupted; ServeError if it cannot start."""
    check_port_free(host, port)
    from textual_serve.server import Server

    server = Server(
        app_command(pack_dirs),
        host=host,
        port=port,
        title="quizapp",
        public_url=url or public_url(host, port),
    )
    try:
        server.serve()
    except OSError as exc:  # lost the race for the port after the check
        raise ServeError(port_message(host, port, exc)) from None
