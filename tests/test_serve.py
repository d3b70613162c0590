"""``ma-tui serve``: where it listens, the page it serves, and the sample proxy config."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ma_tui.screens.web.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    TEMPLATES,
    exposure_warning,
    is_loopback,
)

CADDYFILE = Path(__file__).parents[1] / "deploy" / "Caddyfile"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
     ("0.0.0.0", False), ("10.0.0.5", False), ("ma.clinic.example", False), ("::", False)],
)  # fmt: skip
def test_only_a_loopback_address_is_served_without_a_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    warning = exposure_warning(host)
    assert (warning is None) is loopback
    if warning is not None:
        assert "neither TLS nor authentication" in warning


def test_the_page_asks_nothing_of_another_server() -> None:
    page = (TEMPLATES / "app_index.html").read_text(encoding="utf-8")
    assert re.findall(r"(?:https?:|wss?:)?//[\w.-]+", page) == []  # its URLs are the server's
    assert "config.static.url }}fonts/" in page  # the font is served from here
    assert ".xterm-helper-textarea" in page  # and the terminal takes the focus on load


def test_the_sample_caddy_config_proxies_to_what_serve_listens_on(tmp_path: Path) -> None:
    config = CADDYFILE.read_text(encoding="utf-8")
    assert f"reverse_proxy {DEFAULT_HOST}:{DEFAULT_PORT}" in config
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("no caddy to validate the sample with (apt-get install caddy)")
    checked = subprocess.run(
        [caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
