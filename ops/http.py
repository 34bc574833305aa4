"""A tornado HTTP server on the running asyncio loop, with limits, and the access log it keeps.

The limits (`ServerLimits`) are what keeps one client from taking the process down: a body
cap checked against Content-Length before a byte of the body is read, a header cap, and
timeouts that close a connection that sends its request slowly or sits idle, so slow
clients cannot hold every file descriptor. When descriptors run out anyway, the accept loop
pauses instead of spinning on "Too many open files".
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, kw_only=True)
class ServerLimits:
    """What one connection may cost the server (docs/deploy.md, "Server limits", says why)."""

    # The largest request body read; a larger Content-Length is refused before reading
    # (413 on the webhook, 400 elsewhere). Telegram's updates are a few KiB, a handful of
    # tens of KiB at most (a 4,096-character text, its entities, one replied-to message).
    max_body_bytes: int = 1 * MIB
    # Request line plus headers; Telegram's are under 1 KiB, a proxy adds a few lines.
    max_header_bytes: int = 16 * KIB
    # Seconds a connection may take to send its request line and headers, and may sit
    # idle between keep-alive requests, before it is closed.
    header_timeout: float = 10.0
    # Seconds the whole body may take to arrive.
    body_timeout: float = 10.0
    # The soft limit on open files is raised to this (never above the hard limit) at start.
    open_files: int = 65_536
    # After "Too many open files" on accept, new connections wait this long in the backlog.
    accept_pause: float = 0.25

    @property
    def max_buffer_bytes(self) -> int:
        """A connection's read buffer: a whole body plus its headers, never 100 MB."""
        return self.max_body_bytes + self.max_header_bytes + 64 * KIB


DEFAULT_LIMITS = ServerLimits()

# accept() failing with these means "out of descriptors or memory right now": retry later.
_EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_ACCEPT_BATCH = 128  # connections accepted per wake-up at most (tornado's own figure)


def quiet_access_log(handler: tornado.web.RequestHandler) -> None:
    """Log only failures, and never the full URL (a webhook path may be a secret)."""
    status = handler.get_status()
    if status >= 500:
        log.warning("event=http_error status=%d method=%s", status, handler.request.method)


def split_listen(listen: str) -> tuple[str, int]:
    """"host:port" -> (host, port); port 0 picks a free one (tests)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected host:port, got {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - operators choose


def raise_open_files_limit(target: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `target` (capped by the hard limit;
    never lowered); the soft limit now in force. The event loop uses epoll, so a high
    limit costs nothing until descriptors are actually open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (OSError, ValueError) as error:  # a container may refuse; keep what we have
            log.warning("event=open_files_limit_unchanged soft=%d error=%s",
                        soft, type(error).__name__)
            return soft
        log.info("event=open_files_limit_raised soft=%d was=%d", wanted, soft)
        return wanted
    return soft


def accept_with_pause(
    sock: socket.socket, callback: Callable[[socket.socket, Any], None], pause: float
) -> Callable[[], None]:
    """tornado.netutil.add_accept_handler, except that running out of descriptors stops
    accepting for `pause` seconds (one log line) instead of failing on every loop turn,
    which logged tens of thousands of "Too many open files" lines a second and spun the
    CPU. Waiting connections stay in the listen backlog meanwhile. Returns the remover."""
    io_loop = tornado.ioloop.IOLoop.current()
    state: dict[str, Any] = {"removed": False, "timer": None}

    def resume() -> None:
        state["timer"] = None
        if not state["removed"]:
            io_loop.add_handler(sock, on_readable, tornado.ioloop.IOLoop.READ)

    def on_readable(_fd: Any, _events: int) -> None:
        for _ in range(_ACCEPT_BATCH):
            if state["removed"]:
                return
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if error.errno not in _EXHAUSTED:
                    raise
                io_loop.remove_handler(sock)
                state["timer"] = io_loop.call_later(pause, resume)
                log.error("event=http_accept_paused error=%s seconds=%.2f",
                          errno.errorcode.get(error.errno or 0, "?"), pause)
                return
            callback(connection, address)

    def remove() -> None:
        if state["removed"]:
            return
        state["removed"] = True
        if state["timer"] is not None:
            io_loop.remove_timeout(state["timer"])
        else:
            io_loop.remove_handler(sock)

    io_loop.add_handler(sock, on_readable, tornado.ioloop.IOLoop.READ)
    return remove


class LimitedHTTPServer(tornado.httpserver.HTTPServer):
    """tornado's HTTPServer whose accept loop pauses when descriptors run out."""

    accept_pause: float = DEFAULT_LIMITS.accept_pause

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = accept_with_pause(
                sock, self._handle_connection, self.accept_pause
            )


def limited_server(
    app: tornado.web.Application, limits: ServerLimits = DEFAULT_LIMITS
) -> LimitedHTTPServer:
    """An HTTP server for `app` that enforces `limits` (not yet listening)."""
    server = LimitedHTTPServer(
        app,
        xheaders=True,
        max_header_size=limits.max_header_bytes,
        max_body_size=limits.max_body_bytes,
        max_buffer_size=limits.max_buffer_bytes,
        # tornado uses the idle timeout for the request line and headers too.
        idle_connection_timeout=limits.header_timeout,
        body_timeout=limits.body_timeout,
    )
    server.accept_pause = limits.accept_pause
    return server


class HttpServer:
    """A tornado HTTP server on the running asyncio loop; `port` is known after start()."""

    def __init__(
        self, app: tornado.web.Application, listen: str, limits: ServerLimits = DEFAULT_LIMITS
    ) -> None:
        self._app = app
        self._host, self._port = split_listen(listen)
        self._limits = limits
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    @property
    def port(self) -> int:
        return self._port

    @property
    def limits(self) -> ServerLimits:
        return self._limits

    async def start(self) -> None:
        raise_open_files_limit(self._limits.open_files)
        self._sockets = tornado.netutil.bind_sockets(self._port, address=self._host)
        self._port = self._sockets[0].getsockname()[1]
        self._server = limited_server(self._app, self._limits)
        self._server.add_sockets(self._sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
