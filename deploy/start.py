"""Start the dashboard as K replicas behind HAProxy, with PostgreSQL as the audience rooms' store, on one machine.

    python deploy/start.py --replicas 2 --port 8500                 # a throwaway PostgreSQL in a temporary folder
    python deploy/start.py --replicas 4 --database postgresql+psycopg2://user:pass@db/rooms

Each replica is `streamlit run streamlit_app.py` on its own local port, with the same cookie secret (in its
environment: Streamlit's signed XSRF cookie from one replica is then good on another) and a secrets file whose
`[connections.rooms]` section points the room store's `st.connection` at the shared database. HAProxy
(`deploy/haproxy.cfg`) balances new browsers round-robin and keeps each on its replica by a cookie. Ctrl-C stops
everything it started. Needs Debian's `haproxy` and, without --database, `postgresql`. See docs/deploy.md.

`start()` is what the suite's replica test uses (tests/room/test_replicas.py).
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).resolve().parent / "haproxy.cfg"
sys.path.insert(0, str(ROOT))  # run as `python deploy/start.py`: the package beside this folder

# The same free port, `streamlit run` command line and health poll as the test servers'.
from cnnrnn.browser import free_port, healthy, streamlit_command  # noqa: E402

# --- PostgreSQL ------------------------------------------------------------------------------------------------


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        found = [shutil.which("initdb")]
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql), and no --database was given")
    return Path(found[-1]).parent


def _as_postgres(argv: list[str]) -> None:
    """Run argv as the postgres user when we are root (initdb refuses root), else as we are."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, text=True)


@dataclass
class Postgres:
    """A throwaway PostgreSQL server (trust authentication, local only) in `folder`."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> Postgres:
        binaries = _postgres_bin()
        folder = Path(tempfile.mkdtemp(prefix="cnnrnn-deploy-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        port = free_port()
        data = folder / "data"
        _as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        log = str(folder / "log")
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-l", log, "-w", "-o", options, "start"])
        return cls(folder, port)

    def stop(self) -> None:
        try:
            _as_postgres([str(_postgres_bin() / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


# --- The replicas and the balancer -----------------------------------------------------------------------------


@dataclass
class Replica:
    name: str  # the balancer's name for it, which is also its cookie's value
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """What `start` started: `url` is the balancer's address, the one browsers use."""

    url: str
    database: str
    replicas: list[Replica]
    balancer: subprocess.Popen
    folder: Path
    postgres: Postgres | None = None
    logs: list = field(default_factory=list)

    def replica(self, name: str) -> Replica:
        return next(r for r in self.replicas if r.name == name)

    def kill(self, name: str) -> None:
        """Kill replica `name` at once (SIGKILL: no goodbye to its browsers), as a crashed machine would."""
        process = self.replica(name).process
        process.kill()
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in [self.balancer, *(r.process for r in self.replicas)]:
            if process.poll() is None:
                process.terminate()
        for process in [self.balancer, *(r.process for r in self.replicas)]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in self.logs:
            log.close()
        if self.postgres is not None:
            self.postgres.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def haproxy_config(port: int, replicas: list[tuple[str, int]], bind: str = "127.0.0.1") -> str:
    """deploy/haproxy.cfg with its placeholders filled: the frontend's address and a server line per replica
    (health-checked every second; two failures take it out)."""
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{replica_port} check cookie {name} inter 1s fall 2 rise 2"
        for name, replica_port in replicas
    )
    return CONFIG.read_text(encoding="utf-8").format(bind=bind, port=port, servers=servers)


def start(
    replicas: int = 2,
    port: int | None = None,
    database: str | None = None,
    bind: str = "127.0.0.1",
    log_dir: Path | None = None,
    env: dict | None = None,
    timeout: float = 120.0,
) -> Deployment:
    """Start PostgreSQL (unless `database` names one), `replicas` replicas and HAProxy on `port`; returns once the
    balancer answers. Everything started is stopped again if a part fails to start."""
    if replicas < 1:
        raise ValueError("--replicas takes a whole number of at least 1")
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).is_file():
        raise RuntimeError("HAProxy is not installed (apt-get install haproxy)")
    folder = Path(tempfile.mkdtemp(prefix="cnnrnn-deploy-"))
    postgres = None if database else Postgres.start()
    url = database or postgres.url
    (folder / "secrets.toml").write_text(f'[connections.rooms]\nurl = "{url}"\n', encoding="utf-8")
    cookie_secret = secrets.token_hex(32)
    logs_at = Path(log_dir) if log_dir else folder
    deployment = Deployment("", url, [], None, folder, postgres)  # type: ignore[arg-type]
    try:
        for i in range(replicas):
            replica_port = free_port()
            log = open(logs_at / f"replica{i}.log", "w")  # noqa: SIM115 (closed by Deployment.stop)
            deployment.logs.append(log)
            process = subprocess.Popen(
                streamlit_command(replica_port, "--secrets.files", str(folder / "secrets.toml")),
                cwd=ROOT,
                # The secret only through the environment (Streamlit refuses it as a command-line flag).
                env={**os.environ, **(env or {}), "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            deployment.replicas.append(Replica(f"r{i}", replica_port, process))
        for replica in deployment.replicas:
            if not healthy(replica.url, timeout):
                raise RuntimeError(f"replica {replica.name} did not start within {timeout:.0f} s")
        port = port or free_port()
        config = folder / "haproxy.cfg"
        config.write_text(haproxy_config(port, [(r.name, r.port) for r in deployment.replicas], bind), "utf-8")
        log = open(logs_at / "haproxy.log", "w")  # noqa: SIM115
        deployment.logs.append(log)
        command = [haproxy, "-db", "-f", str(config)]
        deployment.balancer = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deployment.url = f"http://{'127.0.0.1' if bind in ('0.0.0.0', '') else bind}:{port}"
        if not healthy(deployment.url, 30):
            raise RuntimeError("HAProxy did not answer within 30 s (see its log)")
        return deployment
    except BaseException:
        if deployment.balancer is None:
            deployment.balancer = subprocess.Popen(["true"])
        deployment.stop()
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="how many `streamlit run` processes (default 2)")
    parser.add_argument("--port", type=int, default=8500, help="the balancer's port (default 8500)")
    parser.add_argument("--bind", default="0.0.0.0", help="the balancer's address (default all interfaces)")
    parser.add_argument("--database", help="the rooms' database URL (default: a throwaway local PostgreSQL)")
    args = parser.parse_args(argv)
    try:
        deployment = start(args.replicas, args.port, args.database, args.bind)
    except (RuntimeError, ValueError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.replicas} replicas behind HAProxy at {deployment.url} (rooms in {deployment.database})")
    print("Ctrl-C stops them all.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(r.process.poll() is None for r in deployment.replicas) and deployment.balancer.poll() is None:
            time.sleep(1)
        print("error: a replica or the balancer stopped; stopping the rest", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        deployment.stop()


if __name__ == "__main__":
    raise SystemExit(main())
