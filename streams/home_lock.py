"""One `ledger run` (or `ledger demo`) per LEDGER_HOME: its embedded services are not shared."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class HomeBusyError(RuntimeError):
    """Another process already runs the ledger on this LEDGER_HOME."""


class HomeLock:
    """An exclusive lock on a file under LEDGER_HOME, released when the process ends, however it ends."""

    def __init__(self, home: Path) -> None:
        self.path = home / "run.lock"
        self._fd: int | None = None

    def __enter__(self) -> HomeLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise HomeBusyError(
                f"another ledger (pid {holder}) is running on LEDGER_HOME={self.path.parent}. Stop it first, "
                "or set LEDGER_HOME to another folder.") from exc
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
