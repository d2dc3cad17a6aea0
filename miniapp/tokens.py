"""The Mini App's own tokens, all keyed by one secret (MINIAPP_JWT_SECRET, never the bot token):

- the session: a PyJWT HS256 token, 15 minutes, our audience, the Telegram user id as subject;
- the album token: names one chat in a `startapp` parameter or the Mini App URL, HMAC-signed so it can be neither
  guessed nor edited into another chat (33 characters of A-Z a-z 0-9 _ -, inside Telegram's startapp rule);
- media links: one photo (or face) for one user, for a few minutes, so an <img src> works without exposing anything
  that outlives the session.
Each kind has its own key derived from the secret, so one kind of token is never accepted as another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
import time
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import jwt

AUDIENCE = "choosecheese-miniapp"
SESSION_TTL_S = 15 * 60
MEDIA_TTL_S = 10 * 60
SECRET_FILE = "miniapp-secret"
_ALBUM_PREFIX = "a"
_MAC_BYTES = 16  # 128-bit tags: far beyond guessing over HTTP
_ALBUM = struct.Struct(">q")
_MEDIA = struct.Struct(">qqBI")  # user id, item id, kind, expiry (unix seconds)


class TokenError(ValueError):
    pass


class MediaKind(IntEnum):
    thumb = 1
    view = 2
    original = 3  # the stored file: the booth's original photo, or a making-of video
    face = 4  # item id is a face id: a person's cover in the filter


@dataclass(frozen=True)
class Session:
    user_id: int
    language: str


@dataclass(frozen=True)
class MediaGrant:
    user_id: int
    item_id: int
    kind: MediaKind


def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    """MINIAPP_JWT_SECRET, or a random one generated once and kept in DATA_DIR (mode 0600)."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if path.is_file():
        return path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("not base64url") from exc


class Tokens:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("MINIAPP_JWT_SECRET must be at least 32 characters")
        self._session_key = self._derive(secret, b"session")
        self._album_key = self._derive(secret, b"album")
        self._media_key = self._derive(secret, b"media")

    @staticmethod
    def _derive(secret: bytes, purpose: bytes) -> bytes:
        return hmac.new(secret, b"choosecheese-miniapp/" + purpose, hashlib.sha256).digest()

    # The session (PyJWT).
    def issue_session(self, user_id: int, language: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims = {"sub": str(user_id), "aud": AUDIENCE, "iat": issued, "exp": issued + SESSION_TTL_S, "lang": language}
        return jwt.encode(claims, self._session_key, algorithm="HS256")

    def read_session(self, token: str) -> Session:
        try:
            claims = jwt.decode(
                token,
                self._session_key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
            return Session(int(claims["sub"]), str(claims.get("lang", "en")))
        except (jwt.PyJWTError, ValueError) as exc:
            raise TokenError(type(exc).__name__) from exc

    # The album token.
    def album_token(self, chat_id: int) -> str:
        packed = _ALBUM.pack(chat_id)
        return _ALBUM_PREFIX + _b64(packed + self._mac(self._album_key, packed))

    def album_chat(self, token: str) -> int:
        if not token.startswith(_ALBUM_PREFIX) or len(token) > 64:
            raise TokenError("not an album token")
        raw = _unb64(token[len(_ALBUM_PREFIX) :])
        packed, tag = raw[: _ALBUM.size], raw[_ALBUM.size :]
        if len(raw) != _ALBUM.size + _MAC_BYTES or not hmac.compare_digest(tag, self._mac(self._album_key, packed)):
            raise TokenError("album token does not verify")
        (chat_id,) = _ALBUM.unpack(packed)
        return int(chat_id)

    # Media links.
    def media_token(self, user_id: int, item_id: int, kind: MediaKind, now: float | None = None) -> str:
        expires = int(time.time() if now is None else now) + MEDIA_TTL_S
        packed = _MEDIA.pack(user_id, item_id, kind, expires)
        return _b64(packed + self._mac(self._media_key, packed))

    def read_media(self, token: str, now: float | None = None) -> MediaGrant:
        if len(token) > 64:
            raise TokenError("not a media token")
        raw = _unb64(token)
        packed, tag = raw[: _MEDIA.size], raw[_MEDIA.size :]
        if len(raw) != _MEDIA.size + _MAC_BYTES or not hmac.compare_digest(tag, self._mac(self._media_key, packed)):
            raise TokenError("media token does not verify")
        user_id, item_id, kind, expires = _MEDIA.unpack(packed)
        if expires < (time.time() if now is None else now):
            raise TokenError("media token expired")
        try:
            return MediaGrant(int(user_id), int(item_id), MediaKind(kind))
        except ValueError as exc:
            raise TokenError("unknown media kind") from exc

    @staticmethod
    def _mac(key: bytes, packed: bytes) -> bytes:
        return hmac.new(key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
