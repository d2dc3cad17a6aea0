"""What handlers remember between updates is bounded: name prompts expire and are capped per chat; a chat's
album and person pages keep only the last few; albums nobody answers expire; per-chat locks and chat actions live
only while in use."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from handlers.bounded import RecentViews
from handlers.context import (
    MEDIA_GROUP_IDLE_S,
    MEDIA_GROUP_MAX_AGE_S,
    NAME_PROMPT_TTL_S,
    NAME_PROMPTS_PER_CHAT,
    REFUSED_ALBUM_TTL_S,
    REFUSED_ALBUMS_PER_CHAT,
    VIEWS_PER_CHAT,
    BotData,
    ChatData,
    MediaGroups,
    MediaGroupTally,
    NamePrompt,
    NamePrompts,
    RefusedAlbums,
)
from handlers.smiles import showing_action
from pipeline.locks import KeyedLocks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_name_prompts_expire_after_a_day() -> None:
    clock = Clock()
    prompts = NamePrompts(clock)
    prompts[(1, 10)] = NamePrompt(person_id=5, card_message_id=9)
    clock.now += NAME_PROMPT_TTL_S - 1
    assert (1, 10) in prompts and prompts.get((1, 10)) == NamePrompt(5, 9)
    prompts[(2, 20)] = NamePrompt(person_id=6, card_message_id=None)
    clock.now += 2
    assert (1, 10) not in prompts and prompts.get((1, 10)) is None, "a day old: forgotten"
    assert (2, 20) in prompts and len(prompts) == 1


def test_name_prompts_are_capped_per_chat_and_other_chats_keep_theirs() -> None:
    clock = Clock()
    prompts = NamePrompts(clock)
    prompts[(2, 1)] = NamePrompt(person_id=99, card_message_id=None)
    for message_id in range(NAME_PROMPTS_PER_CHAT + 5):
        clock.now += 1
        prompts[(1, message_id)] = NamePrompt(person_id=message_id, card_message_id=None)
    assert len(prompts) == NAME_PROMPTS_PER_CHAT + 1
    assert (1, 0) not in prompts and (1, 4) not in prompts, "the chat's oldest questions went first"
    assert (1, 5) in prompts and (1, NAME_PROMPTS_PER_CHAT + 4) in prompts
    assert prompts.get((2, 1)) == NamePrompt(99, None), "another chat is not affected"
    assert prompts.pop((1, 5)) == NamePrompt(5, None) and (1, 5) not in prompts
    assert prompts.pop((1, 5), None) is None


def test_asking_again_with_the_same_message_replaces_the_question() -> None:
    prompts = NamePrompts(Clock())
    prompts[(1, 10)] = NamePrompt(person_id=1, card_message_id=None)
    prompts[(1, 10)] = NamePrompt(person_id=2, card_message_id=None)
    assert len(prompts) == 1 and prompts.get((1, 10)) == NamePrompt(2, None)


def test_views_keep_the_last_pages_only() -> None:
    data = ChatData()
    for nav in range(VIEWS_PER_CHAT * 3):
        data.album_views[nav] = [nav * 10, nav * 10 + 1]
        data.person_photo_views[nav] = [nav]
    assert len(data.album_views) == VIEWS_PER_CHAT and len(data.person_photo_views) == VIEWS_PER_CHAT
    newest = VIEWS_PER_CHAT * 3 - 1
    assert data.album_views.pop(newest, []) == [newest * 10, newest * 10 + 1]
    assert data.album_views.pop(0, []) == [], "an old page is forgotten"


def test_a_page_shown_again_counts_as_new() -> None:
    views = RecentViews(limit=2)
    views[1], views[2] = [10], [20]
    views[1] = [11]
    views[3] = [30]
    assert list(views) == [1, 3]


def test_an_album_nobody_answers_is_forgotten_after_ten_idle_minutes() -> None:
    clock = Clock()
    groups = MediaGroups(clock)
    abandoned = MediaGroupTally(chat_id=1, language="en", sender="Sam", quiet=False)
    groups["1:a"] = abandoned
    abandoned.pending = 2  # two items joined …
    clock.now += 30
    abandoned.pending, abandoned.quiet_since = 0, clock.now  # … and both ended in an error: no one answers
    working = MediaGroupTally(chat_id=2, language="en", sender="Sam", quiet=True)
    groups["2:b"] = working
    working.pending = 1
    clock.now += MEDIA_GROUP_IDLE_S - 1
    assert groups.get("1:a") is abandoned, "not yet ten quiet minutes"
    clock.now += 2
    assert groups.get("1:a") is None and len(groups) == 1, "abandoned: forgotten"
    assert groups.get("2:b") is working, "an item still being worked on keeps its album"
    clock.now += MEDIA_GROUP_MAX_AGE_S
    assert len(groups) == 0, "… but not for ever"


def test_an_answered_album_is_removed_by_its_answer() -> None:
    groups = MediaGroups(Clock())
    groups["1:a"] = MediaGroupTally(chat_id=1, language="en", sender="Sam", quiet=False)
    del groups["1:a"]
    assert groups.get("1:a") is None and len(groups) == 0
    assert isinstance(BotData().media_groups, MediaGroups)


async def test_a_chat_lock_is_dropped_when_no_one_holds_or_waits_for_it() -> None:
    locks: KeyedLocks[int] = KeyedLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold(1):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second() -> None:
        async with locks.hold(1):
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await asyncio.sleep(0)
    assert 1 in locks and len(locks) == 1, "held, and waited for"
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"], "still one at a time"
    assert len(locks) == 0

    waiting = asyncio.Event()

    async def holder() -> None:
        async with locks.hold(2):
            waiting.set()
            await asyncio.sleep(10)

    held = asyncio.create_task(holder())
    await waiting.wait()
    waiter = asyncio.create_task(second_on(locks, 2))
    await asyncio.sleep(0)
    waiter.cancel()
    held.cancel()
    await asyncio.gather(held, waiter, return_exceptions=True)
    assert len(locks) == 0, "cancelled holders and waiters leave nothing behind"
    with pytest.raises(RuntimeError):
        async with locks.hold(3):
            raise RuntimeError("boom")
    assert len(locks) == 0


async def second_on(locks: KeyedLocks[int], key: int) -> None:
    async with locks.hold(key):
        pass


async def test_chat_actions_are_forgotten_when_the_last_handler_of_the_chat_ends() -> None:
    sent: list[tuple[int, str]] = []

    class FakeBot:
        async def send_chat_action(self, chat_id: int, action: str) -> None:
            sent.append((chat_id, action))

    data = BotData()
    context = SimpleNamespace(bot_data=data, bot=FakeBot())
    first, second = (showing_action(context, 1, "upload_photo") for _ in range(2))  # type: ignore[arg-type]
    async with first, second:
        await asyncio.sleep(0)
        assert len(data.chat_actions) == 1 and sent == [(1, "upload_photo")], "one action shared"
    assert data.chat_actions == {}
    with pytest.raises(RuntimeError):
        async with showing_action(context, 2, "typing"):  # type: ignore[arg-type]
            raise RuntimeError("a failing handler")
    assert data.chat_actions == {}


def test_refused_albums_are_forgotten_in_time_and_capped_per_chat() -> None:
    clock = Clock()
    refused = RefusedAlbums(clock)
    for n in range(REFUSED_ALBUMS_PER_CHAT + 5):
        refused[(1, f"g{n}")] = True
    refused[(2, "g0")] = True
    assert len(refused) == REFUSED_ALBUMS_PER_CHAT + 1
    assert (1, "g0") not in refused and (2, "g0") in refused
    clock.now += REFUSED_ALBUM_TTL_S + 1
    assert len(refused) == 0
    assert isinstance(BotData().refused_albums, RefusedAlbums)
