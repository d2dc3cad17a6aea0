"""What handlers remember between updates is bounded: name prompts expire and are capped per chat; a chat's
album and person pages keep only the last few."""

from __future__ import annotations

from handlers.bounded import RecentViews
from handlers.context import NAME_PROMPT_TTL_S, NAME_PROMPTS_PER_CHAT, VIEWS_PER_CHAT, ChatData, NamePrompt, NamePrompts


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
