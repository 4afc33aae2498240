"""Listening sockets bound before a server starts, so a busy port is an error that says what to do."""

from __future__ import annotations

import socket


class PortBusyError(RuntimeError):
    """The port asked for is already taken by another process."""


def bind(host: str, port: int, option: str) -> socket.socket:
    """A listening socket, or an error naming the option to change."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise busy(host, port, option, exc) from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def busy(host: str, port: int, option: str, exc: OSError) -> PortBusyError:
    """The error for a port another process holds, naming the option to change."""
    return PortBusyError(f"cannot listen on {host}:{port} ({exc.strerror}); another process uses it. "
                         f"Choose another with {option}, or stop that process.")
