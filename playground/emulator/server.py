"""aiohttp application: ``/bot<token>/<method>`` and ``/file/bot<token>/<file_path>``."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

import playground.emulator.methods_chat as methods_chat
import playground.emulator.methods_media as methods_media
import playground.emulator.methods_reactions as methods_reactions
import playground.emulator.methods_text as methods_text
from playground.emulator.errors import (
    ENTITY_TOO_LARGE,
    INTERNAL_ERROR,
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    too_many_requests,
)
from playground.emulator.faults import LOST, FaultPlan
from playground.emulator.params import Params, UploadedFile
from playground.emulator.state import EmulatorState
from playground.emulator.updates import UpdatePoller

MAX_REQUEST_BYTES = 60 * 1024 * 1024
MAX_UPLOAD_FILE_BYTES = 50_000_000  # Telegram's limit for each file a bot uploads: 50 MB, not 50 MiB
BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
    "\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_LOG = logging.getLogger(__name__)
Handler = Callable[[EmulatorState, Params], Any]


# Methods whose uploads may be photos: their size ladders are made off the event loop first (FileStore.prepare_photo).
PHOTO_UPLOADING = frozenset({"sendPhoto", "sendMediaGroup", "editMessageMedia"})


class BotApiServer:
    def __init__(self, token: str, state: EmulatorState, faults: FaultPlan) -> None:
        self.token = token
        self.state = state
        self.faults = faults
        self.poller = UpdatePoller(state)
        self.stopping = asyncio.Event()
        handlers: dict[str, Handler] = {
            **methods_text.METHODS,
            **methods_media.METHODS,
            **methods_chat.METHODS,
            **methods_reactions.METHODS,
            "getUpdates": self.poller.get_updates,
        }
        self.methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self.handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self.handle_download)
        return app

    def close(self) -> None:
        self.stopping.set()
        self.poller.closed = True
        self.state.wake_pollers()

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN_SHAPE.match(token):
            return _reply(NOT_FOUND)
        if token != self.token:
            return _reply(UNAUTHORIZED)
        entry = self.methods.get(request.match_info["method"].lower())
        if entry is None:
            return _reply(NOT_FOUND)
        name, handler = entry
        try:
            params = await read_params(request)
        except web.HTTPRequestEntityTooLarge:
            return _reply(ENTITY_TOO_LARGE)
        except ApiError as error:
            return _reply(error)
        if any(len(upload.data) > MAX_UPLOAD_FILE_BYTES for upload in params.uploads.values()):
            return _reply(ENTITY_TOO_LARGE)
        self.state.calls.append((name, params.to_log()))
        fault = self.faults.take(name)
        if fault is not None:
            if fault.kind == "429":
                return _reply(too_many_requests(fault.retry_after))
            if fault.kind == "500":
                return _reply(INTERNAL_ERROR)
            if fault.kind == "502":
                # Telegram's front end answers a 502 with its own HTML page, not the Bot API's JSON.
                return web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")
            if fault.kind == "drop":
                # The connection is cut before any answer: the method never runs.
                return _drop(request)
            if fault.kind == LOST:
                # Telegram carried the request out; its answer is lost (late, then the connection is cut).
                await self._run(name, handler, params)
                await self._sleep_unless_stopping(fault.delay)
                return _drop(request)
            await self._sleep_unless_stopping(fault.delay)
            if fault.kind == "timeout":
                # A hung request: the method never runs and the connection is dropped.
                return _drop(request)
        return await self._run(name, handler, params)

    async def _run(self, name: str, handler: Handler, params: Params) -> web.Response:
        if name in PHOTO_UPLOADING:
            for upload in params.uploads.values():
                await self.state.files.prepare_photo(upload.data)
        try:
            result = handler(self.state, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return _reply(error)
        except Exception:
            _LOG.exception("emulator failed in %s", name)
            return _reply(INTERNAL_ERROR)
        return web.json_response({"ok": True, "result": result})

    async def _sleep_unless_stopping(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), delay)

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _reply(NOT_FOUND)
        stored = self.state.files.by_path(request.match_info["file_path"])
        if stored is None:
            return _reply(NOT_FOUND)
        return web.Response(body=stored.data, content_type="application/octet-stream")


def _drop(request: web.Request) -> web.Response:
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=504)


def _reply(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.code)


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    content_type = request.content_type
    if request.method == "POST" and request.body_exists:
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            values.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form: MultiDictProxy[Any] = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = UploadedFile(value.file.read(), value.filename, value.content_type)
                elif isinstance(value, bytes | bytearray):
                    values[key] = bytes(value).decode("utf-8", errors="replace")
                else:
                    values[key] = value
    return Params(values, uploads)
