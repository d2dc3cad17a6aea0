"""What the bot's operators (ADMIN_IDS) are told about an unexpected error, in a private message: the error, the
update (shortened) and the end of the traceback, HTML-escaped, within Telegram's 4096 characters, never a token.
At most one report per distinct error a minute; the ones held back are counted in the next. With REDIS_URL the
minute is shared by every replica (storage.redis_state.RedisWindowGate): one report a minute for the whole bot,
not one per replica."""

from __future__ import annotations

import html
import json
import re
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from telegram import Update

REPORT_EVERY_S = 60.0
KNOWN_ERRORS = 200  # distinct errors remembered for the rate limit (the oldest are forgotten first)
MESSAGE_LIMIT = 4096  # Telegram's, counted after the HTML is parsed
HEADER_CHARS = 600
UPDATE_CHARS = 1200
ELLIPSIS = "…"
# A bot token anywhere in a text (a URL of the Bot API in an httpx error, a pasted token): "<digits>:<35 chars>".
TOKEN_PATTERN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")  # also inside "…/bot<token>/…"
REDACTED = "[redacted]"


def error_signature(error: BaseException) -> str:
    """Errors are 'the same' when they are of one type and raised at one place (not by message: those carry ids)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__module__}.{type(error).__qualname__}@{where}"


@dataclass
class _Sent:
    at: float
    held_back: int = 0


class SharedGate(Protocol):
    async def admit(self, key: str, window_s: float) -> int | None: ...


class ErrorReports:
    """The rate limit of the reports: `admitted` says whether an error may be reported now — counted in this process,
    or with a `gate` (Redis) across replicas."""

    def __init__(
        self,
        every_s: float = REPORT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        gate: SharedGate | None = None,
    ) -> None:
        self.every_s, self._clock, self.gate = every_s, clock, gate
        self._sent: OrderedDict[str, _Sent] = OrderedDict()

    async def admitted(self, signature: str) -> int | None:
        """As `admit`, through the shared gate when there is one."""
        if self.gate is not None:
            return await self.gate.admit(signature, self.every_s)
        return self.admit(signature)

    def admit(self, signature: str) -> int | None:
        """None: reported less than a minute ago, held back (and counted). Else: report it now, mentioning this
        many held back since the last report."""
        now = self._clock()
        sent = self._sent.get(signature)
        if sent is not None and now - sent.at < self.every_s:
            sent.held_back += 1
            return None
        held_back = sent.held_back if sent is not None else 0
        self._sent[signature] = _Sent(now)
        self._sent.move_to_end(signature)
        while len(self._sent) > KNOWN_ERRORS:
            self._sent.popitem(last=False)
        return held_back

    def __len__(self) -> int:
        return len(self._sent)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return TOKEN_PATTERN.sub(REDACTED, text)


def shorten_end(text: str, limit: int) -> str:
    """The start of `text` within `limit` characters."""
    return text if len(text) <= limit else text[: max(0, limit - len(ELLIPSIS))] + ELLIPSIS


def shorten_start(text: str, limit: int) -> str:
    """The end of `text` within `limit` characters (a traceback's last frames say the most)."""
    return text if len(text) <= limit else ELLIPSIS + text[len(text) - max(0, limit - len(ELLIPSIS)) :]


def describe_update(update: object) -> str:
    if isinstance(update, Update):
        return json.dumps(update.to_dict(), ensure_ascii=False, indent=1, default=str)
    return repr(update)


def error_report(error: BaseException, update: object, held_back: int, secrets: Iterable[str]) -> str:
    """The report as HTML. Parts are cut to size before escaping, so what Telegram counts (the parsed text) fits."""
    secrets = list(secrets)
    header = shorten_end(
        redact(f"Error while handling an update: {type(error).__name__}: {error}", secrets), HEADER_CHARS
    )
    if held_back:
        header = f"({held_back} more like it in the last minute were not reported)\n{header}"
    shown_update = shorten_end(redact(describe_update(update), secrets), UPDATE_CHARS)
    # The frames, not the message again (it heads the report and may be long): the last frames say the most.
    trace = redact("".join(traceback.format_tb(error.__traceback__)) + type(error).__name__, secrets)
    labels = "\n\nupdate:\n" + "\n\ntraceback:\n"
    room = MESSAGE_LIMIT - len(header) - len(shown_update) - len(labels) - 16  # a little slack for line ends
    trace = shorten_start(trace, room)
    return (
        f"<b>{html.escape(header)}</b>\n\n"
        f"update:\n<pre>{html.escape(shown_update)}</pre>\n\n"
        f"traceback:\n<pre>{html.escape(trace)}</pre>"
    )
