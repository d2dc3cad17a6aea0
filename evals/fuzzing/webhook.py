"""Webhook bodies: what a POST to the webhook path carries (bot.webhook.parse_update). Real updates of every kind
the bot handles, mutated as JSON (values of the wrong type, keys dropped, nesting thousands deep) and as bytes. A
result is an Update with its update_id; a refusal (ValueError) is answered 400."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from functools import cache
from typing import Any

from telegram import Bot

from evals.fuzzing.mutate import mutate_bytes, odd_text
from evals.fuzzing.run import Outcome, Target
from handlers.updates import parse_update

USER = {"id": 7, "is_bot": False, "first_name": "Ann", "language_code": "ko"}
GROUP = {"id": -100, "type": "group", "title": "Friends"}
MESSAGE = {"message_id": 5, "date": 1_700_000_000, "chat": GROUP, "from": USER}
SEEDS: tuple[dict[str, Any], ...] = (
    {
        "update_id": 1,
        "message": {**MESSAGE, "text": "/album smile", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]},
    },
    {
        "update_id": 2,
        "message": {**MESSAGE, "photo": [{"file_id": "a", "file_unique_id": "b", "width": 9, "height": 9}]},
    },
    {
        "update_id": 3,
        "message": {**MESSAGE, "document": {"file_id": "a", "file_unique_id": "b", "mime_type": "image/heic"}},
    },
    {
        "update_id": 4,
        "callback_query": {"id": "q", "from": USER, "chat_instance": "c", "data": "pp:o:1", "message": MESSAGE},
    },
    {"update_id": 5, "message": {**MESSAGE, "migrate_to_chat_id": -1001}},
    {
        "update_id": 6,
        "my_chat_member": {
            "chat": GROUP,
            "from": USER,
            "date": 1,
            "old_chat_member": {"status": "left", "user": USER},
            "new_chat_member": {"status": "member", "user": USER},
        },
    },
    {"update_id": 7, "edited_message": {**MESSAGE, "text": "x", "edit_date": 2}},
)
ODD_VALUES: tuple[Any, ...] = (None, True, -1, 2**64, 1.5, "", "x" * 5000, [], {}, [[]], {"id": "x"})


def _nested(depth: int) -> str:
    return '{"update_id": 1, "message": ' + "[" * depth + "]" * depth + "}"


def _mutate_json(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict) and value:
        out = dict(value)
        key = rng.choice(list(out))
        kind = rng.randrange(4)
        if kind == 0:
            del out[key]
        elif kind == 1:
            out[key] = rng.choice(ODD_VALUES)
        elif kind == 2:
            out[key] = _mutate_json(out[key], rng)
        else:
            out[odd_text(rng, 2)] = rng.choice(ODD_VALUES)
        return out
    if isinstance(value, list) and value:
        return [_mutate_json(item, rng) for item in value]
    return rng.choice(ODD_VALUES) if rng.random() < 0.5 else value


@cache
def _bot() -> Bot:
    return Bot("123456:FUZZ-TOKEN")


def cases(rng: random.Random, n: int) -> Iterator[bytes]:
    for _ in range(n):
        kind = rng.randrange(10)
        seed = rng.choice(SEEDS)
        if kind < 6:
            mutated = seed
            for _ in range(rng.randint(1, 4)):
                mutated = _mutate_json(mutated, rng)
            yield json.dumps(mutated).encode()
        elif kind < 9:
            yield mutate_bytes(json.dumps(seed).encode(), rng)
        else:
            yield rng.choice(
                [_nested(rng.choice([10, 5000, 100_000])).encode(), b"", b"\xff\xfe", b"[1]", b'"x"', b"1e999"]
            )


def check(body: bytes) -> Outcome:
    update = parse_update(body, _bot())
    assert update.update_id >= 0
    return Outcome.result


TARGETS = (Target("webhook", cases, check, (ValueError,)),)
