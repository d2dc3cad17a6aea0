"""The Mini App's HTTP side: the page, sign-in, the album API and picture links.

Every /api call carries the session JWT (Authorization: Bearer) and the album token; both are checked, then the
membership (miniapp.membership) — on every call, not once. Pictures are fetched through short-lived links minted
for one user and one item (miniapp.tokens); a picture link is checked the same way. Nothing here logs a path, a
token or a face: the access log is ours and names only the route.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from miniapp.limits import API_LIMIT, MEDIA_LIMIT, SIGNIN_LIMIT, RateLimit, RequestLimit
from miniapp.membership import Membership
from miniapp.signin import InitDataError, check_init_data
from miniapp.tokens import MediaKind, Session, TokenError, Tokens
from miniapp.views import PreparedViews, ViewCache, face_cover, prepare_views
from pipeline.analysis import stored_strip_moods
from pipeline.services import Services
from ranking.board import RankBy, leaderboard
from ranking.points import face_points, photo_points, week_start
from runtime.tasks import cancel_and_wait
from storage.album_access import AlbumAccessStore, KnownChat
from storage.faces import PersonSummary
from storage.models import MediaKind as StoredKind
from storage.models import Person, Photo, saved_id
from vision.moods import mood_rules
from vision.poses import catalogue

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PAGE_LIMIT = 60
TELEGRAM_SDK = "https://telegram.org/js/telegram-web-app.js"
# Telegram's clients embed Mini Apps in web.telegram.org's page; phones use a web view (no framing).
TELEGRAM_FRAMES = ("https://web.telegram.org",)


@dataclass
class MiniApp:
    services: Services
    bot_token: str
    tokens: Tokens
    membership: Membership
    access: AlbumAccessStore
    cache: ViewCache
    origin: str | None  # MINIAPP_URL's origin; None: the request's own
    frame_ancestors: tuple[str, ...] = TELEGRAM_FRAMES
    max_auth_age_s: float = 3600.0
    sdk_url: str = TELEGRAM_SDK  # the playground serves its stand-in for Telegram's script
    api_limit: RequestLimit = field(default_factory=lambda: RateLimit(API_LIMIT.per_second, API_LIMIT.burst))
    media_limit: RequestLimit = field(default_factory=lambda: RateLimit(MEDIA_LIMIT.per_second, MEDIA_LIMIT.burst))
    signin_limit: RequestLimit = field(default_factory=lambda: RateLimit(SIGNIN_LIMIT.per_second, SIGNIN_LIMIT.burst))


MINIAPP = web.AppKey("miniapp", MiniApp)


def _error(status: type[web.HTTPException], reason: str) -> web.HTTPException:
    return status(text=json.dumps({"error": reason}), content_type="application/json")


async def _limited(limit: RequestLimit, key: Hashable) -> None:
    wait = await limit.wait_s(key)
    if wait:
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(max(1, round(wait)))})


# --- middlewares ---------------------------------------------------------------------------------------------------


def _csp(frame_ancestors: tuple[str, ...], sdk_url: str) -> str:
    sdk_origin = origin_of(sdk_url)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'" + (f" {sdk_origin}" if sdk_origin else ""),
            "style-src 'self'",
            "img-src 'self' blob:",
            "media-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self' " + " ".join(frame_ancestors),
        )
    )


@web.middleware
async def security(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
    app = request.app[MINIAPP]
    origin = request.headers.get("Origin")
    own = app.origin or f"{request.scheme}://{request.host}"
    if origin is not None and origin != own and request.match_info.handler is not static:
        raise _error(web.HTTPForbidden, "cross-origin requests are not allowed")  # and no CORS header is ever sent
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
    elapsed_ms = (time.perf_counter() - started) * 1e3
    log.debug("miniapp %s %s → %d in %.0f ms", request.method, route, response.status, elapsed_ms)
    headers = response.headers
    headers["Content-Security-Policy"] = _csp(app.frame_ancestors, app.sdk_url)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


# --- sign-in and the checks of every call -------------------------------------------------------------------------


def _session(request: web.Request) -> Session:
    app = request.app[MINIAPP]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _error(web.HTTPUnauthorized, "sign in first")
    try:
        return app.tokens.read_session(token.strip())
    except TokenError as exc:
        raise _error(web.HTTPUnauthorized, "session expired or invalid") from exc


async def _album(request: web.Request) -> tuple[Session, KnownChat]:
    """The session and the chat its album token names, after the membership check (401 / 403 otherwise)."""
    app = request.app[MINIAPP]
    session = _session(request)
    await _limited(app.api_limit, session.user_id)
    try:
        chat_id = app.tokens.album_chat(request.query.get("album", ""))
    except TokenError as exc:
        raise _error(web.HTTPForbidden, "not an album link") from exc
    chat = await app.membership.chat_for(chat_id, session.user_id)
    if chat is None:
        raise _error(web.HTTPForbidden, "not a member of this chat")
    return session, chat


async def create_session(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(web.HTTPBadRequest, "send JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("init_data"), str):
        raise _error(web.HTTPBadRequest, "init_data is missing")
    try:
        signed = check_init_data(body["init_data"], app.bot_token, max_age_s=app.max_auth_age_s)
    except InitDataError as exc:
        raise _error(web.HTTPUnauthorized, str(exc)) from exc
    # Per signed-in user, not per address: behind a reverse proxy every user has the proxy's address. A forged
    # initData costs one HMAC before it is refused.
    await _limited(app.signin_limit, signed.user.id)
    album = signed.start_param or body.get("album")  # a direct link's startapp, or the private chat's button URL
    try:
        chat_id = app.tokens.album_chat(album if isinstance(album, str) else "")
    except TokenError as exc:
        raise _error(web.HTTPForbidden, "not an album link") from exc
    chat = await app.membership.chat_for(chat_id, signed.user.id)
    if chat is None:
        raise _error(web.HTTPForbidden, "not a member of this chat")
    language = await app.services.albums.language(user_id=signed.user.id, chat_id=None)
    language = language or signed.user.language_code or app.services.settings.default_language
    language = "ko" if language.startswith("ko") else "en"
    token = app.tokens.issue_session(signed.user.id, language)
    return web.json_response(
        {"token": token, "album": album, "language": language, "title": chat.title if chat.type != "private" else None}
    )


# --- the album ------------------------------------------------------------------------------------------------------


def _media(app: MiniApp, session: Session, item_id: int, kind: MediaKind) -> str:
    return "m/" + app.tokens.media_token(session.user_id, item_id, kind)


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query.get(name, default))
    except ValueError as exc:
        raise _error(web.HTTPBadRequest, f"{name} must be a number") from exc
    return min(max(value, low), high)


async def album_page(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    session, chat = await _album(request)
    offset = _int(request, "offset", 0, 0, 10**9)
    limit = _int(request, "limit", 30, 1, PAGE_LIMIT)
    person = request.query.get("person")
    if person:
        person_id = _int(request, "person", 0, 0, 2**62)
        found = await app.services.faces.person(person_id)
        if found is None or found.chat_id != chat.id or found.hidden:
            raise _error(web.HTTPNotFound, "no such person here")
        photos, total = await app.services.faces.photos_of(person_id, offset, limit)
    else:
        photos = await app.services.albums.page(chat.id, offset, limit)
        total = await app.services.albums.count(chat.id)
    items = [{"id": saved_id(p.id), "thumb": _media(app, session, saved_id(p.id), MediaKind.thumb)} for p in photos]
    following = offset + len(items)
    return web.json_response({"total": total, "items": items, "next": following if following < total else None})


async def _views(app: MiniApp, photo: Photo) -> PreparedViews:
    views = app.cache.get_views(photo.sha256)
    if views is None:
        data = await app.services.albums.load(photo)
        views = await app.services.cpu.run(prepare_views, data, app.services.settings.max_image_pixels)
        app.cache.put_views(photo.sha256, views)
    return views


async def photo_detail(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    session, chat = await _album(request)
    try:
        photo_id = int(request.match_info["photo_id"])
    except ValueError as exc:
        raise _error(web.HTTPNotFound, "no such photo") from exc
    photo = await app.services.albums.get(photo_id)
    if photo is None or photo.chat_id != chat.id or photo.kind != StoredKind.photo:
        raise _error(web.HTTPForbidden, "not a photo of this album")
    views = await _views(app, photo)
    faces = await app.services.faces.faces_of_photo(photo_id)
    people = {}
    for person_id in {face.person_id for face in faces if face.person_id is not None}:
        person = await app.services.faces.person(person_id)
        if person is not None and not person.hidden:
            people[person_id] = person
    poses = await app.services.poses.poses_of_photo(photo_id)
    stored_moods = await app.services.moods.moods_of_photo(photo_id)
    moods = stored_strip_moods(stored_moods)
    known = catalogue()
    videos = await app.access.videos_of(photo_id)
    body = {
        "id": photo_id,
        "width": views.width,
        "height": views.height,
        "view": _media(app, session, photo_id, MediaKind.view),
        "original": _media(app, session, photo_id, MediaKind.original),
        "source": photo.source,
        "brand": photo.brand,
        "taken": _iso(photo.created_at),
        "points": photo_points(face.smile for face in faces),
        "cuts": [list(box) for box in views.cuts],
        "faces": [
            {
                "frame": face.frame,
                "box": list(face.box),
                "smile": round(face.smile),
                "points": face_points(face.smile),
                "person": _person(people.get(face.person_id)) if face.person_id is not None else None,
            }
            for face in faces
        ],
        "poses": [
            {
                "frame": pose.frame,
                "key": pose.key,
                "ko": f"{known[pose.key].ko} {known[pose.key].emoji}".strip() if pose.key in known else pose.key,
                "en": f"{known[pose.key].en} {known[pose.key].emoji}".strip() if pose.key in known else pose.key,
                "confidence": round(pose.confidence, 2),
            }
            for pose in poses
        ],
        "moods": [_mood(key) for key in moods],
        "videos": [_media(app, session, saved_id(video.id), MediaKind.original) for video in videos],
    }
    return web.json_response(body)


def _mood(key: str) -> dict[str, str]:
    """The strip's mood in both languages ('사랑스러운 💗' / 'Lovely 💗')."""
    mood = mood_rules().mood(key)
    if mood is None:
        return {"key": key, "ko": key, "en": key}
    return {"key": key, "ko": f"{mood.ko} {mood.emoji}".strip(), "en": f"{mood.en} {mood.emoji}".strip()}


def _person(person: PersonSummary | Person | None) -> dict[str, Any] | None:
    if person is None:
        return None  # a hidden person is not named in the Mini App either
    return {"id": person.id, "number": person.number, "name": person.name}


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


async def people(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    session, chat = await _album(request)
    found = await app.services.faces.people(chat.id)
    return web.json_response(
        [
            {**(_person(p) or {}), "photos": p.photo_count, "cover": _media(app, session, p.cover.id, MediaKind.face)}
            for p in found
        ]
    )


async def rank(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    _session, chat = await _album(request)
    tz = ZoneInfo(await app.services.ranking.timezone(chat.id))
    week = week_start(app.services.clock(), tz)
    data = await app.services.ranking.ranking(chat.id, RankBy.person, week)
    labels = {sid: name or f"#{data.numbers.get(sid, sid)}" for sid, name in data.names.items()}
    standings = leaderboard(data.contributions, labels)
    return web.json_response(
        {
            "week": week.isoformat(),
            "photos": data.photos,
            "points": data.points,
            "standings": [
                {
                    "place": s.place,
                    "name": data.names.get(s.subject_id),
                    "number": data.numbers.get(s.subject_id),
                    "points": s.points,
                    "photos": s.photos,
                }
                for s in standings
            ],
        }
    )


# --- pictures -------------------------------------------------------------------------------------------------------


async def media(request: web.Request) -> web.Response:
    app = request.app[MINIAPP]
    try:
        grant = app.tokens.read_media(request.match_info["token"])
    except TokenError as exc:
        raise _error(web.HTTPForbidden, "link expired or invalid") from exc
    await _limited(app.media_limit, grant.user_id)
    if grant.kind is MediaKind.face:
        spot = await app.access.face(grant.item_id)
        photo = None if spot is None else await app.services.albums.get(spot.photo_id)
    else:
        spot = None
        photo = await app.services.albums.get(grant.item_id)
    if photo is None or await app.membership.chat_for(photo.chat_id, grant.user_id) is None:
        raise _error(web.HTTPForbidden, "not yours to see")
    headers = {"Cache-Control": "private, max-age=600"}
    if grant.kind is MediaKind.original:
        return web.Response(body=await app.services.albums.load(photo), content_type=photo.mime, headers=headers)
    if spot is not None:
        variant = f"face-{grant.item_id}"
        data = app.cache.get(photo.sha256, variant)
        if data is None:
            max_pixels = app.services.settings.max_image_pixels
            data = await app.services.cpu.run(face_cover, await app.services.albums.load(photo), spot.box, max_pixels)
            app.cache.put(photo.sha256, variant, data)
        return web.Response(body=data, content_type="image/jpeg", headers=headers)
    views = await _views(app, photo)
    body = views.thumb if grant.kind is MediaKind.thumb else views.view
    return web.Response(body=body, content_type="image/jpeg", headers=headers)


# --- the page -------------------------------------------------------------------------------------------------------

_STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


async def static(request: web.Request) -> web.Response:
    name = request.match_info.get("name") or "index.html"
    path = STATIC / name
    if path.parent != STATIC or not path.is_file() or path.suffix not in _STATIC_TYPES:
        raise web.HTTPNotFound()
    body = path.read_bytes()
    if name == "index.html":
        body = body.replace(TELEGRAM_SDK.encode(), request.app[MINIAPP].sdk_url.encode())
    return web.Response(body=body, content_type=_STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


SWEEP_EVERY_S = 300.0


async def _sweep_views(app: web.Application) -> AsyncIterator[None]:
    """Thumbnails, views and face covers of files that are gone (/forget, a deleted photo) are removed within
    minutes, not left until the next start."""
    miniapp = app[MINIAPP]

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            live = await asyncio.to_thread(lambda: set(miniapp.services.albums.blobs.digests()))
            await asyncio.to_thread(miniapp.cache.sweep, live)

    task = asyncio.create_task(sweep_forever())
    yield
    await cancel_and_wait(task)


def build_app(miniapp: MiniApp) -> web.Application:
    """The Mini App as an aiohttp application (run alone, or added under a prefix to another server)."""
    app = web.Application(middlewares=[security], client_max_size=64 * 1024)
    app[MINIAPP] = miniapp
    app.cleanup_ctx.append(_sweep_views)
    app.router.add_get("/", static)
    app.router.add_get("/static/{name}", static)
    app.router.add_post("/api/session", create_session)
    app.router.add_get("/api/album", album_page)
    app.router.add_get("/api/photo/{photo_id}", photo_detail)
    app.router.add_get("/api/people", people)
    app.router.add_get("/api/rank", rank)
    app.router.add_get("/m/{token}", media)
    return app


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an absolute URL; None for an empty or relative one."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
