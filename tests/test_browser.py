"""ma-tui served to a real browser: Chromium (the system's package) driven by Playwright.

One visit end to end, as an MA at a thin client would do it: the page opens and takes
keys at once (no click), sign in, open Dana Whitfield, check her in, take her vitals
on the one line, sign; then the tab closes, which signs out. The database says what
happened; the page asks nothing of any server but ma-tui's own.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from ma_tui.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium: install the system's package (apt-get install chromium)",
    ),
]
WAIT_SECONDS = 20.0  # the longest one step may take on a busy machine
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], T | None]) -> T:
    """Poll ``check`` until it gives something true (the database is the oracle: the
    page's terminal is drawn on a canvas, its text is not in the page)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {WAIT_SECONDS:.0f} s for {what}")


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A demo clinic for today, served on a free port of 127.0.0.1."""
    db = tmp_path / "clinic.db"
    assert main(["demo", "--db", str(db)]) == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ma_tui", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        assert server.poll() is None, server.communicate()[0].decode()
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for("the server to listen", listening)
        yield url, db
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stdout is not None
        server.stdout.close()


def test_an_ma_rooms_a_patient_in_the_browser(served: tuple[str, Path]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, db = served
    elsewhere: list[str] = []
    first_event = query(db, "SELECT max(id) FROM audit_event")[0][0]

    def opened() -> int | None:
        """The visit mia opened: her first view of an encounter."""
        rows = query(
            db,
            "SELECT a.entity_id FROM audit_event a JOIN staff s ON s.id = a.staff_id "
            "WHERE a.action = 'view' AND a.entity = 'encounter' AND s.username = 'mia' "
            "AND a.id > ? ORDER BY a.id",
            first_event,
        )
        return int(str(rows[0][0])) if rows else None

    def draft_step() -> str | None:
        rows = query(db, "SELECT data FROM rooming_draft WHERE encounter_id = ?", dana)
        return str(json.loads(str(rows[0][0]))["step"]) if rows else None

    def events(action: str) -> int:
        """How many ``action`` events mia has written since the test began."""
        rows = query(
            db,
            "SELECT count(*) FROM audit_event a JOIN staff s ON s.id = a.staff_id "
            "WHERE a.action = ? AND s.username = 'mia' AND a.id > ?",
            action,
            first_event,
        )
        return int(str(rows[0][0]))

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.on(
            "request",
            lambda request: None if request.url.startswith(url) else elsewhere.append(request.url),
        )
        page.goto(url)
        keys = page.keyboard
        # No click: the page puts the focus in the terminal, and keeps what is typed
        # while the app starts.
        keys.type("mia\n472913\n", delay=20)
        wait_for("mia's sign-in", lambda: events("sign_in"))
        keys.type("whit da", delay=20)
        keys.press("Enter")
        dana = wait_for("Dana's visit to open", opened)
        for _ in range(3):  # identity, demographics, insurance
            keys.press("Enter")
        wait_for("the vitals step", lambda: draft_step() == "vitals")
        keys.type("128/82 p76 r16 t98.4 o97 w171 pn2", delay=10)
        keys.press("Enter")
        wait_for("the history step", lambda: draft_step() == "history")
        for _ in range(6):  # each section reviewed
            keys.press("Enter")
        wait_for("the chief complaint", lambda: draft_step() == "complaint")
        keys.type("cough for 5 days", delay=10)
        keys.press("Control+r")  # review: a browser's reload, taken by the page
        wait_for("the review", lambda: draft_step() == "review")
        keys.press("Control+s")
        wait_for("the signature", lambda: events("sign"))
        page.close()  # the tab closes: its ma-tui signs out
        wait_for("the sign-out", lambda: events("sign_out"))
        browser.close()

    signed = query(db, "SELECT signed_at, chief_complaint FROM encounter WHERE id = ?", dana)
    assert signed[0][0] is not None
    assert signed[0][1] == "cough for 5 days"
    values = {
        value
        for (value,) in query(db, "SELECT value FROM observation WHERE encounter_id = ?", dana)
    }
    assert {128.0, 82.0, 76.0, 16.0, 97.0, 2.0} <= values, values
    assert elsewhere == []
