"""What a process remembers between updates (the one-process backends of pipeline.shared) is bounded: chat keys
expire and are capped per chat; albums nobody answers expire; per-chat locks and chat actions live only while in
use."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from handlers.context import (
    NAME_PROMPT_TTL_S,
    REFUSED_ALBUM_TTL_S,
    VIEW_TTL_S,
    BotData,
    NamePrompt,
    NamePrompts,
    PageViews,
    RefusedAlbums,
)
from handlers.smiles import showing_action
from storage.chat_keys import MemoryChatKeys
from storage.chat_locks import KeyedLocks
from storage.media_groups import (
    MEDIA_GROUP_IDLE_S,
    MEDIA_GROUP_MAX_AGE_S,
    GroupHeader,
    GroupItem,
    MemoryMediaGroups,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_refused_albums_are_per_chat_and_forgotten_in_time() -> None:
    clock = Clock()
    refused = RefusedAlbums(MemoryChatKeys(clock))
    assert await refused.refuse(1, "album-a"), "the first photo refused says so"
    assert not await refused.refuse(1, "album-a"), "the album's other photos say nothing"
    assert await refused.refused(1, "album-a") and not await refused.refused(2, "album-a")
    assert not await refused.refused(1, "album-b")
    clock.now += REFUSED_ALBUM_TTL_S + 1
    assert not await refused.refused(1, "album-a"), "long after its photos arrived: forgotten"


async def test_name_prompts_expire_after_a_day() -> None:
    clock = Clock()
    keys = MemoryChatKeys(clock)
    prompts = NamePrompts(keys)
    await prompts.ask(1, 10, NamePrompt(person_id=5, card_message_id=9))
    clock.now += NAME_PROMPT_TTL_S - 1
    await prompts.ask(2, 20, NamePrompt(person_id=6, card_message_id=None))
    clock.now += 2
    assert await prompts.take(1, 10) is None, "a day old: forgotten"
    assert len(keys) == 1
    assert await prompts.take(2, 20) == NamePrompt(6, None)
    assert await prompts.take(2, 20) is None, "taken once"
    assert len(keys) == 0


async def test_chat_keys_are_capped_per_chat_and_other_chats_keep_theirs() -> None:
    clock = Clock()
    keys = MemoryChatKeys(clock, per_chat=20)
    await keys.put(2, "a", 99, 60)
    for number in range(25):
        clock.now += 1
        await keys.put(1, f"k{number}", number, 600)
    assert len(keys) == 21
    assert await keys.get(1, "k0") is None and await keys.get(1, "k4") is None, "the chat's oldest went first"
    assert await keys.get(1, "k5") == 5 and await keys.get(1, "k24") == 24
    assert await keys.get(2, "a") == 99, "another chat is not affected"


async def test_asking_again_with_the_same_message_replaces_the_question() -> None:
    keys = MemoryChatKeys(Clock())
    prompts = NamePrompts(keys)
    await prompts.ask(1, 10, NamePrompt(person_id=1, card_message_id=None))
    await prompts.ask(1, 10, NamePrompt(person_id=2, card_message_id=None))
    assert len(keys) == 1 and await prompts.take(1, 10) == NamePrompt(2, None)


async def test_a_page_on_screen_is_forgotten_when_turned_or_after_two_days() -> None:
    clock = Clock()
    keys = MemoryChatKeys(clock)
    album, person = PageViews(keys, "album"), PageViews(keys, "person")
    await album.remember(1, 100, [98, 99])
    await person.remember(1, 100, [97])
    assert await album.take(1, 100) == [98, 99] and await album.take(1, 100) is None
    clock.now += VIEW_TTL_S + 1
    assert await person.take(1, 100) is None, "older than a bot may delete anyway"
    assert len(keys) == 0


async def test_an_album_nobody_answers_is_forgotten_after_ten_idle_minutes() -> None:
    clock = Clock()
    groups = MemoryMediaGroups(clock)
    header = GroupHeader("en", "Sam", quiet=False)
    for _ in range(2):  # two items joined …
        await groups.join(1, "a", header)
    clock.now += 30
    for message_id in (1, 2):  # … and both ended in an error: no one answers
        assert await groups.finish(1, "a", message_id, None) == 0
    await groups.join(2, "b", header)
    clock.now += MEDIA_GROUP_IDLE_S - 1
    assert len(groups) == 2, "not yet ten quiet minutes"
    clock.now += 31
    assert len(groups) == 1, "abandoned: forgotten"
    assert await groups.take(1, "a", 0) is None
    assert await groups.finish(2, "b", 7, GroupItem(saved=True, photo_id=3)) == 1, "still being worked on: kept"
    await groups.join(3, "c", header)
    clock.now += MEDIA_GROUP_MAX_AGE_S + 1
    assert len(groups) == 0, "… but not for ever"


async def test_an_answered_album_is_removed_by_its_answer() -> None:
    groups = MemoryMediaGroups(Clock())
    await groups.join(1, "a", GroupHeader("en", "Sam", quiet=False))
    seq = await groups.finish(1, "a", 5, GroupItem(duplicate=True))
    taken = await groups.take(1, "a", seq)
    assert taken is not None and taken.items == {5: GroupItem(duplicate=True)}
    assert await groups.take(1, "a", seq) is None and len(groups) == 0


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
