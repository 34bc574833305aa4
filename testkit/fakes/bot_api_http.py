"""The fake Bot API's HTTP edge: tornado routes, request parameters and JSON answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import tornado.http1connection
import tornado.httputil
import tornado.web

from testkit.fakes.bot_api_state import JSON

if TYPE_CHECKING:
    from testkit.fakes.bot_api import FakeBotApi

# Parameters whose form value is a plain string even when it looks like JSON ("123").
_STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token",
    "language_code", "action", "inline_message_id", "photo", "file_id", "ip_address",
    "name", "icon_custom_emoji_id",
})
# Returned by a method run when the connection was dropped on purpose: answer nothing.
DROPPED = object()


def make_application(api: FakeBotApi) -> tornado.web.Application:
    """Routes `/bot<token>/<method>` and `/file/bot<token>/<path>` to `api`."""
    return tornado.web.Application(
        [
            (r"/bot([^/]*)/([^/]*)", _MethodHandler, {"api": api}),
            (r"/file/bot([^/]*)/(.+)", _FileHandler, {"api": api}),
        ],
        log_function=_no_access_log,  # the access log would print the token
    )


class _MethodHandler(tornado.web.RequestHandler):
    """Hands every method call to the fake."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api
        self.gone = False

    def on_connection_close(self) -> None:
        # A client that gave up (a cancelled long poll, a killed bot) stops waiting at once.
        self.gone = True
        self.api.wake_pollers()

    async def post(self, token: str, method: str) -> None:
        await self.api.serve(self, token, method)

    async def get(self, token: str, method: str) -> None:
        await self.api.serve(self, token, method)

    def compute_etag(self) -> None:
        return None


class _FileHandler(tornado.web.RequestHandler):
    """Serves files at getFile's path: `/file/bot<token>/<folder>/<file_id>.<ext>`."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
        with self.api.state.cond:
            content = self.api.state.files.get(file_id)
        if token != self.api.token or content is None:
            self.set_status(404)
            self.finish(b"Not Found")
            return
        self.finish(content)


def request_params(request: tornado.httputil.HTTPServerRequest) -> tuple[JSON, dict[str, bytes]]:
    """Parameters from a JSON body, or from url-encoded / multipart form fields (PTB's way)."""
    files: dict[str, bytes] = {}
    if request.headers.get("Content-Type", "").startswith("application/json"):
        params = json.loads(request.body or b"{}")
        if not isinstance(params, dict):
            raise ValueError("a JSON body must be an object")
    else:
        params = {}
        for source in (request.query_arguments, request.body_arguments):
            for key, values in source.items():
                params[key] = _form_value(key, values[-1].decode("utf-8"))
        files = {name: uploads[0]["body"] for name, uploads in request.files.items()}
        # An upload's file name (sendDocument keeps it), beside the parameters.
        params["_filenames"] = {name: uploads[0]["filename"]
                                for name, uploads in request.files.items()}
    for key in ("chat_id", "from_chat_id"):
        chat_id = params.get(key)
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            params[key] = int(chat_id)  # Telegram accepts ids sent as strings
    return params, files


def _form_value(key: str, raw: str) -> Any:
    # PTB json.dumps()es every non-string parameter, so JSON-decode all but the text ones.
    if key in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def answer(handler: tornado.web.RequestHandler, body: JSON, status: int) -> None:
    """Finish the request with a JSON body."""
    handler.set_status(status)
    handler.set_header("Content-Type", "application/json")
    handler.finish(json.dumps(body))


def drop_connection(handler: tornado.web.RequestHandler) -> None:
    """Close the connection without an answer (the client sees a disconnect)."""
    connection = handler.request.connection
    if isinstance(connection, tornado.http1connection.HTTP1Connection):
        connection.close()


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    return None
