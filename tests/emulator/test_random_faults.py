"""502 pages, dropped connections and seeded random faults: a failed call never runs its method."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError
from telegram.request import HTTPXRequest

from playground.emulator import BotApiEmulator
from playground.emulator.faults import FaultPlan


@pytest.fixture
async def emu() -> BotApiEmulator:
    async with BotApiEmulator() as emulator:
        yield emulator


async def test_502_and_drop_fail_without_running_the_method(emu: BotApiEmulator) -> None:
    user = emu.create_user("A")
    chat = emu.create_chat("private", user=user)
    request = HTTPXRequest(read_timeout=2, connect_timeout=2)
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url, request=request) as bot:
        emu.inject_fault("sendMessage", kind="502")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(chat["id"], "lost")
        emu.inject_fault("sendMessage", kind="drop")
        with pytest.raises(NetworkError):
            await bot.send_message(chat["id"], "lost too")
        await bot.send_message(chat["id"], "arrives")
    assert [m.text for m in emu.bot_messages(chat["id"])] == ["arrives"]
    assert [kind for _, kind in emu.triggered_faults] == ["502", "drop"]


def test_random_faults_are_seeded_and_spare_what_is_spared() -> None:
    def served(seed: int) -> list[str | None]:
        plan = FaultPlan()
        plan.randomly(0.3, ("429", "502", "drop"), seed, spared=("getUpdates",))
        assert plan.take("getUpdates") is None
        return [fault.kind if (fault := plan.take("sendMessage")) else None for _ in range(200)]

    first = served(1)
    assert first == served(1)
    assert first != served(2)
    assert 30 < sum(kind is not None for kind in first) < 90
    assert {kind for kind in first if kind} == {"429", "502", "drop"}


def test_unknown_kinds_and_rates_are_refused() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.randomly(0.1, ("418",), 0)
    with pytest.raises(ValueError):
        plan.randomly(1.5, ("500",), 0)
