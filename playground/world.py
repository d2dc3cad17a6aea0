"""The simulated people and chats of the playground: everyone has a private chat with the bot, and a group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.emulator import BotApiEmulator

GROUP_TITLE = "네컷 모임 · Photo club"


@dataclass(frozen=True)
class Person:
    first_name: str
    language_code: str
    username: str
    group_status: str  # in the group: creator, administrator or member


PEOPLE = (
    Person("지수", "ko", "jisoo_cheese", "creator"),
    Person("Mina", "en", "mina_snaps", "administrator"),
    Person("민준", "ko", "minjun_4cut", "member"),
    Person("Alex", "en", "alex_strips", "member"),
)


@dataclass(frozen=True)
class World:
    users: list[dict[str, Any]]
    group: dict[str, Any]

    @property
    def user_ids(self) -> list[int]:
        return [user["id"] for user in self.users]


def seed_world(emu: BotApiEmulator) -> World:
    """Create the people, their private chats and the group; the group's creator adds the bot to it.

    Adding the bot goes through the emulator's user action, so the bot gets the same `my_chat_member` update and
    "joined" service message it would get from Telegram.
    """
    users = [
        emu.create_user(person.first_name, language_code=person.language_code, username=person.username)
        for person in PEOPLE
    ]
    for user in users:
        emu.create_chat("private", user=user)
    owner = users[0]
    group = emu.create_chat("supergroup", title=GROUP_TITLE, user=owner, bot_status=None)
    for person, user in zip(PEOPLE[1:], users[1:], strict=True):
        emu.add_member(group["id"], user["id"], person.group_status)
    emu.add_bot_to_chat(group["id"], owner["id"])
    return World(users=users, group=group)
