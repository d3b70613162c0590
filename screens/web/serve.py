"""``ma-tui serve``: the same app in a browser, one process and one sign-in per tab.

textual-serve starts the command it is given once for each browser tab that
connects, and relays the tab's keys and the app's screen over a websocket. It has
neither TLS nor authentication of its own: it listens on 127.0.0.1 unless told
otherwise, and anything else goes behind a reverse proxy that adds TLS (README).

The page is textual-serve's, with two changes (``templates/app_index.html``): it
asks no outside server for its font (the font is served from here), and it puts the
keyboard focus in the terminal as soon as the terminal exists, so the first key
typed reaches the sign-in screen without a click.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from textual_serve.server import Server

DATABASE_ENV_VAR = "MA_TUI_DB"  # ma_tui.data.store.ENV_VAR: screens do not import data
SERVED_ENV_VAR = "MA_TUI_SERVED"  # set for the app a tab starts: it then runs as served
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TEMPLATES = Path(__file__).parent / "templates"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host`` (``localhost``, 127.0.0.0/8, ::1)."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def exposure_warning(host: str) -> str | None:
    """The warning printed before serving on an address other machines can reach."""
    if is_loopback(host):
        return None
    return (
        f"warning: serving on {host}: anyone who reaches this port gets the sign-in "
        "screen over plain HTTP. textual-serve has neither TLS nor authentication: "
        "serve on 127.0.0.1 behind a reverse proxy with TLS (README: ma-tui in a browser)"
    )


def tab_command(python: str = sys.executable) -> str:
    """What each tab runs: this ma-tui, on the database the server was given (in the
    environment, so a password in a database URL does not show in ``ps``)."""
    return shlex.join([python, "-m", "ma_tui", "run"])


def tab_environment(database_url: str) -> dict[str, str]:
    """The variables a tab's process needs on top of the server's own, which it
    inherits (an encrypted database's key among them)."""
    return {DATABASE_ENV_VAR: database_url, SERVED_ENV_VAR: "1"}


class MaTuiServer(Server):
    """textual-serve's server with ma-tui's page and a one-line start-up message."""

    def __init__(self, *, host: str, port: int, public_url: str | None) -> None:
        super().__init__(
            tab_command(),
            host=host,
            port=port,
            title="ma-tui",
            public_url=public_url,
            templates_path=TEMPLATES,
        )

    def initialize_logging(self) -> None:
        """textual-serve's log, without the local variables of a traceback (a tab's
        error could hold a patient's data)."""
        import logging

        logging.basicConfig(level="INFO", format="ma-tui serve: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        print(f"ma-tui serve: open {self.public_url} in a browser (Ctrl+C stops)", flush=True)

    async def handle_index(self, request: web.Request) -> Any:
        response = await super().handle_index(request)
        # The page may only talk to this server (a proxy in front may tighten it).
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; connect-src 'self' ws: wss:; "
            "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'"
        )
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def serve(*, database_url: str, host: str, port: int, public_url: str | None) -> None:
    """Serve until Ctrl+C (or SIGTERM); each tab opens ``database_url``."""
    os.environ.update(tab_environment(database_url))
    MaTuiServer(host=host, port=port, public_url=public_url).serve()
