"""Whether a Bot API request that failed may still have been carried out by Telegram. A post has no idempotency
key: one sent again after its answer was lost can show twice (python-telegram-bot#1045, #4071: TimedOut on
send_photo although the photo was posted). So a post is sent again only when Telegram certainly did not do it.

How PTB 22 over httpx surfaces each case (telegram.request.HTTPXRequest / BaseRequest):
- Telegram answered with an error (its JSON, or its front end's page: 500, 502, …) → a NetworkError with no httpx
  cause; BadRequest, Forbidden, ChatMigrated and RetryAfter (429) are answers too. An answer is what Telegram did:
  nothing. A 500 is the Bot API server saying the call failed (tdlib retries its own MTProto calls with the same
  random id, so a message it did post is answered 200); a 502 is mostly the front end failing to reach the Bot API
  server (Telegram down or restarting) — taken as an answer, at the price of a rare double when a Bot API server
  died mid-post. The exception is 504 Gateway Timeout: the front end gave up waiting while the Bot API server may
  still post.
- The request never left: httpx.ConnectError (connection refused, no route, DNS), ConnectTimeout, PoolTimeout
  (PTB: "Request was *not* sent to Telegram") → not done.
- Anything once bytes left: ReadTimeout (the answer was late), WriteTimeout and WriteError (cut while uploading:
  the front end may hold the whole body already, pyTelegramBotAPI#2456 saw such posts arrive), ReadError and
  RemoteProtocolError (the connection dropped before the answer) → maybe done. So is a TimedOut whose cause is
  unknown.

Two rules for sending a post again (bot.rate_limit): a post sent `at_most_once` (the weekly post, a digest: public,
scheduled, nobody waiting) is sent again only when Telegram certainly did not make it; any other post (a member's
answer, at once) also after its connection was cut, but not after a timeout. A member would rather see an answer
twice than never, and a cut connection is rare, while a slow Telegram times out many requests at once (the load
benchmark's emulator, whose dropped connections never ran their method, lost /help answers under the strict rule).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar
from http import HTTPStatus

import httpx
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

from runtime.scoped import scoped

_AT_MOST_ONCE: ContextVar[bool] = ContextVar("at_most_once", default=False)

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
GATEWAY_TIMEOUT = f"({HTTPStatus.GATEWAY_TIMEOUT.value})"  # how PTB's message names a 504 without a description


def may_have_been_done(error: BaseException) -> bool:
    """True when Telegram may have carried out the request that raised `error` (its answer was lost or late)."""
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return False  # Telegram's own answer: a refusal, a flood wait, a moved chat
    cause = error.__cause__
    if isinstance(cause, NEVER_SENT):
        return False
    if cause is not None and not isinstance(cause, TelegramError):
        return True  # lost on the wire (httpx), or an unknown failure inside the HTTP client
    if isinstance(error, TimedOut):
        return True
    return GATEWAY_TIMEOUT in error.message or HTTPStatus.GATEWAY_TIMEOUT.phrase in error.message


def at_most_once() -> AbstractContextManager[None]:
    """Posts sent in this block are never sent again unless Telegram certainly did not make them."""
    return scoped(_AT_MOST_ONCE, True)


def sent_again_risks_a_double(error: BaseException) -> bool:
    """Whether sending a post again after `error` could show it twice, by the rule of the post being sent."""
    if _AT_MOST_ONCE.get():
        return may_have_been_done(error)
    return isinstance(error, TimedOut) and may_have_been_done(error)
