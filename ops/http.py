"""A tornado HTTP server on the running asyncio loop, and the access log it keeps."""

from __future__ import annotations

import logging
import socket

import tornado.httpserver
import tornado.netutil
import tornado.web

log = logging.getLogger(__name__)


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


class HttpServer:
    """A tornado HTTP server on the running asyncio loop; `port` is known after start()."""

    def __init__(self, app: tornado.web.Application, listen: str) -> None:
        self._app = app
        self._host, self._port = split_listen(listen)
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sockets: list[socket.socket] = []

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        self._sockets = tornado.netutil.bind_sockets(self._port, address=self._host)
        self._port = self._sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(self._app, xheaders=True)
        self._server.add_sockets(self._sockets)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
