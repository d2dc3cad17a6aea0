"""setMessageReaction: what a bot may set (one emoji from Telegram's list) and where it lands."""

from __future__ import annotations

from playground.emulator import BotApiEmulator
from tests.emulator.conftest import Api, make_image


def _bad(reply: tuple[int, dict], description: str) -> None:
    status, body = reply
    assert status == 400, body
    assert body["description"] == f"Bad Request: {description}"


async def test_a_bot_sets_changes_and_removes_one_emoji_reaction(emu: BotApiEmulator, api: Api) -> None:
    user = emu.create_user("Mina")
    chat = emu.create_chat("private", user=user)
    sent = await emu.send_text(chat["id"], user["id"], "hi")
    thumbs = [{"type": "emoji", "emoji": "👍"}]
    status, body = await api("setMessageReaction", chat_id=chat["id"], message_id=sent["message_id"], reaction=thumbs)
    assert (status, body["result"]) == (200, True)
    assert emu.bot_reaction(chat["id"], sent["message_id"]) == ["👍"]
    await api("setMessageReaction", chat_id=chat["id"], message_id=sent["message_id"], reaction=[])
    assert emu.bot_reaction(chat["id"], sent["message_id"]) == []


async def test_what_telegram_refuses(emu: BotApiEmulator, api: Api) -> None:
    user = emu.create_user("Mina")
    chat = emu.create_chat("private", user=user)
    sent = await emu.send_text(chat["id"], user["id"], "hi")
    two = [{"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "🔥"}]
    _bad(
        await api("setMessageReaction", chat_id=chat["id"], message_id=sent["message_id"], reaction=two),
        "REACTIONS_TOO_MANY",
    )
    for reaction in (
        {"type": "emoji", "emoji": "✅"},
        {"type": "paid"},
        {"type": "custom_emoji", "custom_emoji_id": "5"},
    ):
        _bad(
            await api("setMessageReaction", chat_id=chat["id"], message_id=sent["message_id"], reaction=[reaction]),
            "REACTION_INVALID",
        )
    _bad(await api("setMessageReaction", chat_id=chat["id"], message_id=999, reaction=[]), "message to react not found")


async def test_a_reaction_on_an_album_lands_on_its_first_message(emu: BotApiEmulator, api: Api) -> None:
    user = emu.create_user("Mina")
    chat = emu.create_chat("private", user=user)
    first, second = await emu.send_media_group(chat["id"], user["id"], [make_image(20, 20), make_image(30, 30)])
    await api(
        "setMessageReaction",
        chat_id=chat["id"],
        message_id=second["message_id"],
        reaction=[{"type": "emoji", "emoji": "👌"}],
    )
    assert emu.bot_reaction(chat["id"], first["message_id"]) == ["👌"]
    assert emu.bot_reaction(chat["id"], second["message_id"]) == []
