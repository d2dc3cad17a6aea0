"""Which failed Bot API requests Telegram may still have carried out (handlers.delivery): the errors as PTB 22 over
httpx raises them."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from handlers.delivery import may_have_been_done


def caused(error: TelegramError, cause: BaseException) -> TelegramError:
    error.__cause__ = cause
    return error


REQUEST = httpx.Request("POST", "https://api.telegram.org/bot1:x/sendPhoto")
NOT_DONE = {
    "429": RetryAfter(3),
    "refused": BadRequest("Bad Request: message text is empty"),
    "blocked": Forbidden("Forbidden: bot was kicked from the group chat"),
    "moved": ChatMigrated(-100123),
    "500 answer": NetworkError("Internal Server Error"),
    "502 page": caused(NetworkError("Bad Gateway (502). Parsing the server response failed"), TelegramError("x")),
    "connection refused": caused(NetworkError("httpx.ConnectError: [Errno 111]"), httpx.ConnectError("refused")),
    "connect timeout": caused(TimedOut(), httpx.ConnectTimeout("no connection in time")),
    "pool timeout": caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool full")),
}
MAYBE_DONE = {
    "read timeout": caused(TimedOut(), httpx.ReadTimeout("no answer in time", request=REQUEST)),
    "write timeout": caused(TimedOut(), httpx.WriteTimeout("upload stalled", request=REQUEST)),
    "cut while waiting": caused(
        NetworkError("httpx.RemoteProtocolError: Server disconnected without sending a response."),
        httpx.RemoteProtocolError("Server disconnected without sending a response.", request=REQUEST),
    ),
    "reset while reading": caused(NetworkError("httpx.ReadError"), httpx.ReadError("reset", request=REQUEST)),
    "unknown http failure": caused(NetworkError("Unknown error in HTTP implementation"), RuntimeError("?")),
    "timeout of unknown cause": TimedOut(),
    "504": NetworkError("Gateway Timeout (504)"),
}


@pytest.mark.parametrize("error", NOT_DONE.values(), ids=NOT_DONE.keys())
def test_telegram_answered_or_never_got_the_request(error: TelegramError) -> None:
    assert not may_have_been_done(error)


@pytest.mark.parametrize("error", MAYBE_DONE.values(), ids=MAYBE_DONE.keys())
def test_an_answer_lost_after_the_request_left_may_hide_a_post(error: TelegramError) -> None:
    assert may_have_been_done(error)
