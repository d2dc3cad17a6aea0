"""What the fuzzer found, each kept as a regression test: the input that crashed a parser now gets a clear refusal."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Bot
from yarl import URL

from booths.html import absolute, parse_html
from booths.urls import find_urls, identify
from bot.webhook import webhook_app, webhook_path
from evals.fuzzing.images import _picture
from handlers.updates import parse_update
from miniapp.signin import InitDataError, check_init_data, sign_init_data
from pipeline.settings import Settings
from ranking.charities import valid_url
from vision.images import ImageRejected, probe_image

TOKEN = "123456:FUZZ-TOKEN"


def test_a_heic_whose_image_data_is_zeroed_is_refused_not_an_eoferror() -> None:
    heic = _picture("HEIF")
    cut = heic.find(b"mdat") - 4
    with pytest.raises(ImageRejected):
        probe_image(heic[:cut] + bytes(len(heic) - cut))  # pillow-heif raised EOFError


@pytest.mark.parametrize("url", ["https://xn--.com/s/8ijZsg_", "http://user@xn--.com/"])
def test_a_link_with_an_invalid_idna_label_is_no_link(url: str) -> None:
    assert find_urls(f"look {url} !", include_unknown=True) == []  # yarl decodes the host lazily: UnicodeError
    assert identify(url) is None
    assert absolute(URL("https://photoism.co.kr/s/x"), url) is None


def test_a_booth_page_nested_thousands_deep_is_read_without_recursion() -> None:
    root = parse_html("<div>" * 5000 + '<a href="/photo.jpg">x</a>' + "</div>" * 5000)
    (link,) = list(root.iter("a"))  # RecursionError before
    assert link.get("href") == "/photo.jpg" and root.text() == "x"


@pytest.mark.parametrize("url", ["http://[::1", "https://[fe80::1%25eth0", "http://[x]/", "https://[2001:db8::1]]/"])
def test_a_charity_link_with_a_broken_bracketed_host_is_refused(url: str) -> None:
    assert valid_url(url) is False  # urlsplit raised ValueError through /donate add


def test_signed_init_data_with_a_user_nested_too_deep_is_refused() -> None:
    raw = sign_init_data({"user": "[" * 2000 + "]" * 2000}, TOKEN)
    with pytest.raises(InitDataError):  # RecursionError before (reachable only with the bot's token)
        check_init_data(raw, TOKEN, max_age_s=60)


BROKEN_BODIES = [
    b"5",
    b"null",
    b'"x"',
    b"[1]",
    b"\xff\xfe",
    b'{"update_id": true}',
    b'{"update_id": -1}',
    b'{"update_id": 99999999999999999999}',
    b'{"update_id": 1, "message": "x"}',
    b'{"update_id": 1, "message": {"message_id": "x"}}',
    b'{"update_id": 1, "callback_query": []}',
    b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
]


@pytest.mark.parametrize("body", BROKEN_BODIES, ids=range(len(BROKEN_BODIES)))
def test_a_webhook_body_that_is_no_update_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_update(body, Bot(TOKEN))


async def test_the_webhook_answers_broken_bodies_400_and_queues_only_updates(tmp_path: Any) -> None:
    """Through the real route: before, `5`, `null` or a message that is a string made it answer 500."""
    claimed: list[int] = []
    handled: list[int] = []

    class Seen:
        async def claim(self, _bot_id: int, update_id: int, payload: dict[str, Any]) -> bool:
            assert payload["update_id"] == update_id, "the claim keeps the update itself"
            claimed.append(update_id)
            return True

    class Handling:
        def start(self, update: Any) -> None:
            handled.append(update.update_id)

    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, data_dir=tmp_path, webhook_secret="s3cret")
    app = SimpleNamespace(bot=Bot(TOKEN))
    app.bot._bot_user = SimpleNamespace(id=123456)  # what initialize() would have fetched with getMe
    server = webhook_app(app, settings, Seen(), Handling())  # type: ignore[arg-type]
    async with TestClient(TestServer(server)) as client:
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        for body in BROKEN_BODIES:
            response = await client.post(webhook_path(settings), data=body, headers=headers)
            assert response.status == 400, body[:60]
        good = json.dumps(
            {"update_id": 9, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}}}
        )
        response = await client.post(webhook_path(settings), data=good, headers=headers)
        assert response.status == 200
    assert claimed == [9] and handled == [9]
