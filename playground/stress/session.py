"""One bot process talking to one emulator on loopback: the start (timed to its first answered command), the
restart after a kill, and a record of when each of the bot's messages last changed (for answer latencies)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.emulator import BotApiEmulator, MessageRecord
from playground.stress.botproc import BotProcess, bot_environment

TOKEN = "7000000002:load-test-token"
START_TIMEOUT_S = 180.0  # a cold start on a busy 2-core machine, models included


@dataclass
class BotRun:
    emu: BotApiEmulator
    process: BotProcess
    data_dir: Path
    changed_at: dict[tuple[int, int], float] = field(default_factory=dict)  # bot message → last send/edit/delete
    _operator: tuple[int, int] | None = None
    _called_at: dict[int, float] = field(default_factory=dict)
    _calls_seen: int = 0

    def last_call_to(self, chats: set[int]) -> float:
        """When the bot last called the Bot API about one of `chats` (failed and throttled calls included: a reply
        the bot's rate limiter holds back or resends is not done yet)."""
        calls = self.emu.calls
        for name, params in calls[self._calls_seen :]:
            if name != "getUpdates":
                chat = params.get("chat_id")
                if chat is not None:
                    self._called_at[int(chat)] = time.monotonic()
        self._calls_seen = len(calls)
        return max((self._called_at.get(chat, 0.0) for chat in chats), default=0.0)

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") in ("bot_message", "edit", "delete"):
            record = self.emu.state.chat_records(event["chat_id"]).get(event["message_id"])
            if event["type"] != "bot_message" and (record is None or not record.from_bot):
                return
            self.changed_at[(event["chat_id"], event["message_id"])] = time.monotonic()

    async def start(self) -> float:
        """Start the process and ask it /start in a private chat; seconds until the answer arrived."""
        if self._operator is None:
            user = self.emu.create_user("Operator", language_code="en")
            self._operator = (self.emu.create_chat("private", user=user)["id"], user["id"])
        chat_id, user_id = self._operator
        before = len(self.emu.bot_messages(chat_id))
        started = time.monotonic()
        self.process.start()
        await self.emu.send_text(chat_id, user_id, "/start")
        try:
            await self.emu.wait_for(lambda: len(self.emu.bot_messages(chat_id)) > before, timeout=START_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(f"the bot did not answer /start:\n{self.process.log_tail()}") from None
        return time.monotonic() - started

    def replies_to(self, chat_id: int, message_id: int) -> list[MessageRecord]:
        return [
            record
            for record in self.emu.bot_messages(chat_id)
            if (record.message.get("reply_to_message") or {}).get("message_id") == message_id
        ]


@asynccontextmanager
async def bot_on_emulator(workdir: Path, *, extra_env: Mapping[str, str] | None = None) -> AsyncIterator[BotRun]:
    """An emulator and a (not yet started) bot process using `workdir`; the process is stopped on exit."""
    data_dir = workdir / "data"
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        env = bot_environment(
            token=TOKEN,
            base_url=emu.base_url,
            base_file_url=emu.base_file_url,
            data_dir=data_dir,
            extra=extra_env,
        )
        run = BotRun(emu, BotProcess(env, workdir, workdir / "bot.log"), data_dir)
        unsubscribe = emu.subscribe(run.on_event)
        try:
            yield run
        finally:
            unsubscribe()
            await run.process.stop()
