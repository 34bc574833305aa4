"""Patients' files fetched from Telegram on demand for the staff console: getFile, then the
file's bytes streamed on as they arrive, never written to disk (services/context.py
FileSource). The download URL holds the bot token: it is never logged, nor any error text
that could quote it."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

import httpx
from telegram import Bot
from telegram.error import TelegramError

from services.context import FileUnavailable

log = logging.getLogger(__name__)

# Telegram's bots may download files up to 20 MB; a photo is far smaller.
MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024


class TelegramFiles:
    """FileSource over the running bot's Bot API connection (and its base file URL, so a
    self-hosted Bot API server or the tests' fake serves the files too)."""

    def __init__(self, bot: Bot, *, timeout: float = 20.0) -> None:
        self._bot = bot
        self._timeout = timeout

    async def stream(self, file_id: str) -> AsyncGenerator[bytes, None]:
        try:
            found = await self._bot.get_file(file_id)
        except TelegramError as error:
            log.warning("event=file_unavailable step=getFile error=%s", type(error).__name__)
            raise FileUnavailable("getFile refused") from None
        if not found.file_path or (found.file_size or 0) > MAX_BYTES:
            raise FileUnavailable("no path, or too large")
        url = found.file_path
        sent = 0
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            try:
                async with client.stream("GET", url) as response:
                    if response.status_code != httpx.codes.OK:
                        log.warning("event=file_unavailable step=download status=%d",
                                    response.status_code)
                        raise FileUnavailable("download refused")
                    async for chunk in response.aiter_bytes(CHUNK):
                        sent += len(chunk)
                        if sent > MAX_BYTES:
                            raise FileUnavailable("too large")
                        yield chunk
            except httpx.HTTPError as error:
                # Its text may quote the URL, and the URL holds the token.
                log.warning("event=file_unavailable step=download error=%s",
                            type(error).__name__)
                raise FileUnavailable("download failed") from None
