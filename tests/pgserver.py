"""A throwaway PostgreSQL server the tests start themselves: initdb in a temporary
folder, listening on 127.0.0.1 on a free port, fsync off (nothing in it outlives the
run). The suite's conftest uses one per xdist worker; the outage test stops and
starts its own under a running app.

As root (CI), the server runs as the ``postgres`` user (``runuser -u postgres --``),
which PostgreSQL demands. The binaries are looked for on the PATH, then in
``/usr/lib/postgresql/<version>/bin`` (Debian's packages).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "postgres"


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is absent."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(versions[-1]).parent if versions else None


def why_not_available() -> str | None:
    """None when a server can be started here, else the reason (for a skip)."""
    import importlib.util

    if importlib.util.find_spec("psycopg") is None:
        return "the psycopg driver is not installed (pip install -e '.[postgres]')"
    if find_binaries() is None:
        return "no PostgreSQL server binaries (apt-get install postgresql; .ci/run does)"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return "running as root without a 'postgres' user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start the server as 'postgres'"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgServer:
    """One PostgreSQL cluster in a folder of its own; ``url(name)`` for its databases."""

    def __init__(self, folder: Path | None = None) -> None:
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError("no PostgreSQL server binaries")
        self.bin = binaries
        self.folder = Path(folder or tempfile.mkdtemp(prefix="ma-tui-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.folder, SUPERUSER, SUPERUSER)
        self.folder.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, timeout=120, cwd="/"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as a crash or a pulled cable would)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
