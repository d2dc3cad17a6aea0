"""The playground's web server: the chat page, the small JSON API it calls, live events, files, the sample booth.

Every action goes through the emulator's own user actions (the ones the end-to-end tests use), so what a person
does on the page reaches the bot as the same updates Telegram would send.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from booths.sniff import SNIFF_BYTES, sniff
from playground import booth_site
from playground.emulator import ApiError, BotApiEmulator
from playground.samples import BOOTH_HOST, BOOTH_PATH, examples

WEB_DIR = Path(__file__).parent / "web"
MAX_UPLOAD_BYTES = 60 * 1024 * 1024
MAX_ALBUM = 10
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Emulator events the page does not draw (it learns about them from what the bot does next).
QUIET_EVENTS = frozenset({"update", "callback_query"})
HEARTBEAT_S = 15.0
EMULATOR_KEY = web.AppKey("emulator", BotApiEmulator)
STREAMS_KEY = web.AppKey("streams", set[asyncio.Queue[dict[str, Any] | None]])


# What a Telegram app tells a person when Telegram refuses a picture, instead of the Bot API's raw reason.
HUMAN_ERRORS = {
    "IMAGE_PROCESS_FAILED": (
        "This picture can't be sent as a photo: Telegram could not read it as an image (it may be damaged, or a "
        "format Telegram does not take as a photo). Tick “Send as files” to send it as a file instead."
    ),
    "PHOTO_INVALID_DIMENSIONS": (
        "This picture can't be sent as a photo: it is too long and thin, or too large, for Telegram. Tick "
        "“Send as files” to send it as a file instead."
    ),
    "PHOTO_SAVE_FILE_INVALID": (
        "This picture is too large to send as a photo (Telegram takes photos up to 10 MB). Tick “Send as files” "
        "to send it as a file instead."
    ),
}


def human_error(description: str) -> str:
    """A refusal as a person should read it: Telegram's reason in words, or the description when we have none."""
    reason = description.split(": ", 1)[-1]
    return HUMAN_ERRORS.get(reason, description)


class BadAction(Exception):
    """A request the page should not have made (missing ids, an empty message, no file …)."""


def _host_name(request: web.Request) -> str:
    host = (request.host or "").lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


@web.middleware
async def loopback_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """Answer loopback names only (no DNS rebinding) and refuse writes that another site's page started."""
    host = _host_name(request)
    if host == BOOTH_HOST:
        if not request.path.startswith(BOOTH_PATH):
            raise web.HTTPNotFound()
    elif host not in LOOPBACK_NAMES:
        raise web.HTTPForbidden(text="The playground answers on 127.0.0.1 only.")
    origin = request.headers.get("Origin")
    if request.method not in ("GET", "HEAD") and origin and origin != f"{request.scheme}://{request.host}":
        raise web.HTTPForbidden(text="Cross-site request refused.")
    return await handler(request)


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except (BadAction, ApiError, ValueError) as error:  # ValueError: how the emulator's user actions say what was wrong
        text = human_error(error.description) if isinstance(error, ApiError) else str(error)
        return web.json_response({"ok": False, "error": text}, status=400)


def build_web_app(emu: BotApiEmulator) -> web.Application:
    app = web.Application(middlewares=[loopback_only, json_errors], client_max_size=MAX_UPLOAD_BYTES)
    app[EMULATOR_KEY] = emu
    app[STREAMS_KEY] = set()
    app.router.add_get("/", index)
    app.router.add_static("/static/", WEB_DIR, append_version=False)
    app.router.add_get("/api/state", get_state)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/messages", post_message)
    app.router.add_post("/api/media", post_media)
    app.router.add_post("/api/press", press_button)
    app.router.add_post("/api/examples", post_examples)
    app.router.add_get("/api/files/{file_id}", get_file)
    booth_site.add_routes(app)
    app.on_shutdown.append(_close_streams)
    return app


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


# ----- reading ------------------------------------------------------------------------------------------------


def page_state(emu: BotApiEmulator) -> dict[str, Any]:
    """What the page draws: the emulator's snapshot (live messages only) plus the bot's command menus."""
    snapshot = emu.snapshot()
    commands = {
        language or "default": entries
        for (scope, language), entries in emu.state.commands.items()
        if scope == "default"
    }
    return {
        "bot": snapshot["bot"],
        "users": [user for user in snapshot["users"] if not user.get("is_bot")],
        "chats": snapshot["chats"],
        "members": snapshot["members"],
        "messages": {
            chat_id: [_with_reactions(record) for record in records if not record["deleted"]]
            for chat_id, records in snapshot["messages"].items()
        },
        "commands": commands,
        "examples": len(examples()),
    }


def _with_reactions(record: dict[str, Any]) -> dict[str, Any]:
    """The message as Telegram has it, plus the reactions on it for the page to draw (`reactions_shown`)."""
    shown = [reaction.get("emoji", "") for reactions in record["reactions"].values() for reaction in reactions]
    return {**record["message"], "reactions_shown": shown} if shown else record["message"]


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(page_state(request.app[EMULATOR_KEY]), dumps=_dumps)


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every change of the emulator's world, as it happens."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    unsubscribe = request.app[EMULATOR_KEY].subscribe(queue.put_nowait)
    request.app[STREAMS_KEY].add(queue)
    try:
        await response.write(b"retry: 1000\n: connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is None:
                break
            if event.get("type") not in QUIET_EVENTS:
                await response.write(f"data: {_dumps(event)}\n\n".encode())
    except ConnectionResetError:  # the page was closed or reloaded
        pass
    finally:
        unsubscribe()
        request.app[STREAMS_KEY].discard(queue)
    return response


async def _close_streams(app: web.Application) -> None:
    streams = app[STREAMS_KEY]
    for queue in list(streams):
        queue.put_nowait(None)


async def get_file(request: web.Request) -> web.Response:
    emu = request.app[EMULATOR_KEY]
    stored = emu.state.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound(text="no such file")
    sniffed = sniff(stored.data[:SNIFF_BYTES])
    headers = {"Cache-Control": "max-age=86400, immutable", "X-Content-Type-Options": "nosniff"}
    if sniffed is None:
        name = stored.meta.get("file_name") or Path(stored.file_path).name
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        content_type = "application/octet-stream"
    else:
        content_type = sniffed.mime
    return web.Response(body=stored.data, content_type=content_type, headers=headers)


# ----- acting -------------------------------------------------------------------------------------------------


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BadAction("send JSON")
    try:
        body = await request.json()
    except ValueError:
        raise BadAction("malformed JSON") from None
    if not isinstance(body, dict):
        raise BadAction("a JSON object is expected")
    return body


def _ids(values: Any, *names: str) -> list[int]:
    out = []
    for name in names:
        try:
            out.append(int(values.get(name)))
        except (TypeError, ValueError):
            raise BadAction(f"{name} must be a number") from None
    return out


async def post_message(request: web.Request) -> web.Response:
    body = await _json_body(request)
    chat_id, user_id = _ids(body, "chat_id", "user_id")
    text = str(body.get("text") or "")
    if not text.strip():
        raise BadAction("the message is empty")
    reply_to = body.get("reply_to_message_id")
    message = await request.app[EMULATOR_KEY].send_text(
        chat_id, user_id, text, reply_to_message_id=int(reply_to) if reply_to else None
    )
    return web.json_response({"ok": True, "messages": [message]}, dumps=_dumps)


async def post_media(request: web.Request) -> web.Response:
    """Files from the picker or a drop: pictures as photos (2-10 at once as an album), the rest as documents."""
    form = await request.post()
    chat_id, user_id = _ids(form, "chat_id", "user_id")
    caption = str(form.get("caption") or "") or None
    as_files = form.get("as_files") == "1"
    reply_to = int(str(form["reply_to_message_id"])) if str(form.get("reply_to_message_id") or "").isdigit() else None
    uploads = [item for key, item in form.items() if key == "file" and isinstance(item, web.FileField)]
    if not uploads:
        raise BadAction("no file was attached")
    photos: list[bytes] = []
    documents: list[web.FileField] = []
    for upload in uploads:
        if not as_files and upload.content_type in PHOTO_TYPES:
            photos.append(upload.file.read())
        else:
            documents.append(upload)
    emu = request.app[EMULATOR_KEY]
    sent = await send_photos(emu, chat_id, user_id, photos, caption, reply_to)
    for index, document in enumerate(documents):
        first = index == 0 and not photos
        sent.append(
            await emu.send_document(
                chat_id,
                user_id,
                document.file.read(),
                document.filename or "file",
                mime_type=document.content_type,
                caption=caption if first else None,
                reply_to_message_id=reply_to if first else None,
            )
        )
    return web.json_response({"ok": True, "messages": sent}, dumps=_dumps)


async def send_photos(
    emu: BotApiEmulator,
    chat_id: int,
    user_id: int,
    photos: list[bytes],
    caption: str | None,
    reply_to: int | None = None,
) -> list[dict[str, Any]]:
    """One photo alone, more as albums of at most ten (as Telegram clients split them); caption on the first. A
    single photo may answer a message (`reply_to`: naming a person, a donation receipt)."""
    sent: list[dict[str, Any]] = []
    for start in range(0, len(photos), MAX_ALBUM):
        chunk = photos[start : start + MAX_ALBUM]
        chunk_caption = caption if start == 0 else None
        if len(chunk) == 1:
            sent.append(
                await emu.send_photo(
                    chat_id,
                    user_id,
                    chunk[0],
                    caption=chunk_caption,
                    reply_to_message_id=reply_to if start == 0 else None,
                )
            )
        else:
            sent.extend(await emu.send_media_group(chat_id, user_id, chunk, caption=chunk_caption))
    return sent


async def press_button(request: web.Request) -> web.Response:
    body = await _json_body(request)
    chat_id, user_id, message_id = _ids(body, "chat_id", "user_id", "message_id")
    data = body.get("data")
    if not isinstance(data, str):
        raise BadAction("data must be the button's callback_data")
    query_id = await request.app[EMULATOR_KEY].press_button(chat_id, user_id, message_id, data)
    return web.json_response({"ok": True, "callback_query_id": query_id})


async def post_examples(request: web.Request) -> web.Response:
    """The sample strips, photographed, sent as one album by the chosen person."""
    body = await _json_body(request)
    chat_id, user_id = _ids(body, "chat_id", "user_id")
    photos = [item.phone_photo for item in examples()]
    sent = await send_photos(request.app[EMULATOR_KEY], chat_id, user_id, photos, None)
    return web.json_response({"ok": True, "messages": sent}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def start_web(
    emu: BotApiEmulator, host: str, port: int, extend: Callable[[web.Application], None] | None = None
) -> web.AppRunner:
    """Serve the page on host:port (`extend` adds routes first). Raises OSError when the port is taken."""
    web_app = build_web_app(emu)
    if extend is not None:
        extend(web_app)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        raise
    return runner
