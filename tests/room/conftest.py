"""The room store's databases: a SQLite file, and a real PostgreSQL server started for the tests.

The PostgreSQL fixture runs Debian's `initdb` into a temporary folder and `pg_ctl` on a free local port
(as the `postgres` user when the tests run as root, as CI does), and stops it afterwards. It skips only
where the PostgreSQL binaries are missing and CNNRNN_REQUIRE_POSTGRES is not set; CI sets it.
Both engines are made the way the page makes them: through Streamlit's `SQLConnection` (what
`st.connection("rooms", type="sql")` returns) from a URL.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from streamlit.connections import SQLConnection

from cnnrnn.tasks.room import store


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(argv: list[str], **kwargs):
    """Run argv as the postgres user when we are root (initdb refuses root), else as we are."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def postgres_url():
    """postgresql+psycopg2://postgres@127.0.0.1:PORT/postgres of a throwaway server (trust authentication)."""
    binaries = _postgres_bin()
    if binaries is None:
        if os.environ.get("CNNRNN_REQUIRE_POSTGRES") == "1":
            raise RuntimeError("CNNRNN_REQUIRE_POSTGRES=1 but PostgreSQL is not installed (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed")
    folder = Path(tempfile.mkdtemp(prefix="cnnrnn-pg-"))  # not under pytest's tmp_path: postgres must reach it
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    _as_postgres(
        [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
    )
    _as_postgres(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ]
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def connection_engine(name: str, url: str):
    """The engine of `SQLConnection(name, url=url)`: the page's `st.connection(..., type="sql")` outside a run."""
    return SQLConnection(name, url=url).engine


@pytest.fixture
def reconnect():
    """A new engine on a store's URL, as a restarted server makes it (`connection_engine`)."""
    made = []

    def make(url) -> object:
        made.append(connection_engine(f"rooms_test_again_{len(made)}", url.render_as_string(hide_password=False)))
        return made[-1]

    yield make
    for eng in made:
        eng.dispose()


# PostgreSQL is the whole-suite tier (a real server); SQLite runs in the fast tier.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def engine(request, tmp_path):
    """A fresh, empty room store on SQLite and on PostgreSQL (the same store code on both)."""
    if request.param == "sqlite":
        eng = connection_engine("rooms_test_sqlite", f"sqlite:///{tmp_path / 'rooms.sqlite'}")
    else:
        url = request.getfixturevalue("postgres_url")
        eng = connection_engine("rooms_test_pg", url)
        with eng.begin() as conn:  # each test starts empty
            store._META.drop_all(conn, checkfirst=True)
    store.create_tables(eng)
    yield eng
    eng.dispose()
