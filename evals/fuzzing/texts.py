"""Text a member controls: callback data (a modified client sends any 1-64 bytes with a press), command arguments
(`/album <pose | name>`, `/donate add <url> <name>`), the names members give people, and the Mini App's initData.
Every parser returns its typed value or refuses with its own error; names the bot shows go out as valid HTML."""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
import unicodedata
from collections.abc import Iterator
from functools import cache
from urllib.parse import quote

import handlers
from evals.fuzzing.mutate import mutate_text, odd_text
from evals.fuzzing.run import Outcome, Target
from handlers.callbacks import MAX_BYTES, Action
from handlers.people import NAME_MAX, clean_name, search_key
from handlers.person_label import person_html
from handlers.poses import find_pose
from miniapp.signin import InitDataError, check_init_data, sign_init_data
from playground.emulator.html_entities import parse_html
from ranking.charities import valid_url

BOT_TOKEN = "123456:FUZZ-TOKEN"
INT64 = 2**63


@cache
def all_actions() -> tuple[Action, ...]:
    """Every button action the bot declares, found in the handler modules."""
    found: dict[tuple[str, str, int], Action] = {}
    for info in pkgutil.iter_modules(handlers.__path__):
        for value in vars(importlib.import_module(f"handlers.{info.name}")).values():
            if isinstance(value, Action):
                found[(value.feature, value.name, len(value.fields))] = value
    return tuple(sorted(found.values(), key=lambda a: (a.feature, a.name, len(a.fields))))


def _field_value(rng: random.Random, field: type) -> str:
    if field is int:
        return rng.choice(["0", "-1", "7", "007", "-0", str(INT64), "9" * 18, "9" * 19, "1e3", "0x10", "٣", "", " 1"])
    return rng.choice(["x", "Asia/Seoul", "../..", "a" * 41, "", "20261130", "한글", "a:b", "a b", "\n"])


def callback_cases(rng: random.Random, n: int) -> Iterator[str]:
    actions = all_actions()
    for _ in range(n):
        action = rng.choice(actions)
        fields = [_field_value(rng, field) for field in action.fields]
        data = ":".join([action.feature, action.name, *fields][: rng.randint(1, 2 + len(fields) + 1)])
        kind = rng.randrange(3)
        if kind == 1:
            data = mutate_text(data, rng)
        elif kind == 2:
            data = odd_text(rng, 4)
        yield data.encode()[: rng.choice([MAX_BYTES, MAX_BYTES, 200])].decode(errors="ignore")


def check_callback(data: str) -> Outcome:
    accepted = False
    for action in all_actions():
        try:
            values = action.parse(data)
        except ValueError:
            continue
        accepted = True
        assert len(values) == len(action.fields)
        for field, value in zip(action.fields, values, strict=True):
            assert isinstance(value, field), (action, values)
            assert not isinstance(value, int) or -INT64 < value < INT64, f"{value} does not fit a database integer"
    return Outcome.result if accepted else Outcome.refused


def word_cases(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        yield odd_text(rng) if rng.random() < 0.7 else mutate_text("Alice Kim 김지민", rng)


def check_words(text: str) -> Outcome:
    """A name as typed (people's names), as searched (`/album <name>`, `/people <name>`) and as a pose."""
    name = clean_name(text)
    if name is not None:
        assert 1 <= len(name) <= NAME_MAX and name == name.strip(), repr(name)
        assert not any(unicodedata.category(c).startswith("C") for c in name), repr(name)
    shown = person_html(7, name, "en")
    parse_html(shown)  # the emulator's copy of Telegram's parser: raises ApiError on HTML Telegram refuses
    search_key(text)
    find_pose(text)
    return Outcome.result if name is not None else Outcome.refused


def donate_cases(rng: random.Random, n: int) -> Iterator[str]:
    from evals.fuzzing.urls import hostile_url

    for _ in range(n):
        yield hostile_url(rng) if rng.random() < 0.8 else odd_text(rng)


def check_donate_url(url: str) -> Outcome:
    """`/donate add <url> <name>`: the charity's link."""
    return Outcome.result if valid_url(url) else Outcome.refused


def _hostile_user(rng: random.Random) -> str:
    return rng.choice(
        [
            json.dumps({"id": rng.choice([1, 0, -5, 2**70, True, "12", None, 1.5]), "first_name": odd_text(rng)}),
            json.dumps({"id": 42, "first_name": rng.choice([None, 5, [], {}]), "language_code": rng.choice([7, "ko"])}),
            "[" * rng.choice([10, 2000, 5000]) + "]" * 10,
            '{"id": 1' + ', "x": {' * 3000,
            "null",
            "[]",
            '"x"',
            "1e999",
            "",
            odd_text(rng),
        ]
    )


def initdata_cases(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        fields = {"user": _hostile_user(rng), "start_param": odd_text(rng, 3)}
        signed = sign_init_data(fields, BOT_TOKEN, auth_date=rng.choice([0, 1_700_000_000, 2**40, -1]))
        kind = rng.randrange(4)
        if kind == 0:
            yield signed
        elif kind == 1:
            yield mutate_text(signed, rng)
        elif kind == 2:
            yield signed + "&" + rng.choice(["hash=00", "user=%7B%7D", "auth_date=1", "=", "&&", "%ZZ"])
        else:
            yield "&".join(f"{quote(odd_text(rng, 2))}={quote(odd_text(rng, 3))}" for _ in range(rng.randint(0, 4)))


def check_initdata(raw: str) -> Outcome:
    signed = check_init_data(raw, BOT_TOKEN, max_age_s=10**12, now=1_700_000_100)
    assert signed.user.id > 0, signed
    return Outcome.result


TARGETS = (
    Target("callbacks", callback_cases, check_callback, ()),
    Target("names", word_cases, check_words, ()),
    Target("donate_urls", donate_cases, check_donate_url, ()),
    Target("initdata", initdata_cases, check_initdata, (InitDataError,)),
)
