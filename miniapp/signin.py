"""Telegram Mini App sign-in: the `initData` check exactly as core.telegram.org/bots/webapps specifies.

Written here rather than taken from a library because the check is a dozen lines and we want two things the
libraries differ on: strict parsing that refuses a repeated key (two `user` fields must not let one be checked and
the other read) and no default lifetime (the caller passes ours). tests/miniapp/test_signin.py checks it against
init-data-py's signer, an independent implementation of the same rule.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

WEB_APP_DATA_KEY = b"WebAppData"
MAX_INIT_DATA_LENGTH = 8192  # real initData is well under 2 KB; anything this long is not from Telegram


class InitDataError(ValueError):
    """The initData is malformed, not signed with our bot's token, or too old. The message names the reason only."""


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    language_code: str | None


@dataclass(frozen=True)
class SignedIn:
    user: WebAppUser
    auth_date: int
    start_param: str | None  # the `startapp` value of a direct link, signed with the rest


def secret_key(bot_token: str) -> bytes:
    """HMAC-SHA256 with the constant "WebAppData" as the key and the bot token as the message (not the reverse)."""
    return hmac.new(WEB_APP_DATA_KEY, bot_token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def _parse_strictly(raw: str) -> dict[str, str]:
    if not raw or len(raw) > MAX_INIT_DATA_LENGTH:
        raise InitDataError("initData is empty or too long")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InitDataError("initData is not a query string") from exc
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise InitDataError("initData repeats a key")
        fields[key] = value
    return fields


def check_init_data(raw: str, bot_token: str, *, max_age_s: float, now: float | None = None) -> SignedIn:
    """The signed-in user, or InitDataError. `max_age_s` bounds how old `auth_date` may be (replays)."""
    fields = _parse_strictly(raw)
    received = fields.pop("hash", None)
    if received is None:
        raise InitDataError("initData has no hash")
    expected = hmac.new(secret_key(bot_token), data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise InitDataError("initData is not signed with this bot's token")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError) as exc:
        raise InitDataError("initData has no auth_date") from exc
    age = (time.time() if now is None else now) - auth_date
    if age > max_age_s:
        raise InitDataError("initData is too old")
    if age < -60:  # more than a minute in the future: a clock problem or a forgery attempt, either way refuse
        raise InitDataError("initData is from the future")
    return SignedIn(_user(fields.get("user")), auth_date, fields.get("start_param") or None)


def _user(raw: str | None) -> WebAppUser:
    if raw is None:
        raise InitDataError("initData has no user")  # keyboard-button Mini Apps get none: we never use those
    try:
        user = json.loads(raw)
        user_id = user["id"]
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # RecursionError: "[[[[…" nested too deep
        raise InitDataError("initData's user is not readable") from exc
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("initData's user has no id")
    language = user.get("language_code")
    return WebAppUser(user_id, str(user.get("first_name", "")), language if isinstance(language, str) else None)


def sign_init_data(fields: dict[str, str], bot_token: str, *, auth_date: int | None = None) -> str:
    """What Telegram hands a Mini App, for the playground and the tests (they play Telegram's part)."""
    signed = {**fields, "auth_date": str(int(time.time()) if auth_date is None else auth_date)}
    digest = hmac.new(secret_key(bot_token), data_check_string(signed).encode(), hashlib.sha256).hexdigest()
    return urlencode({**signed, "hash": digest})
