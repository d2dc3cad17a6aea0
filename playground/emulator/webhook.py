"""Webhook delivery as Telegram does it: with a webhook set, each update is POSTed (JSON, the secret token in
`X-Telegram-Bot-Api-Secret-Token`) and forgotten only after a 2xx answer; any other answer, a refused connection or
a dropped one sends it again later. One chat's updates go one at a time, in order (each waits for the previous
answer); different chats go in parallel, up to `max_connections`.

A real webhook URL is public https; on loopback the emulator delivers to `deliver_to` (a load balancer's or one
replica's http address) whatever URL the bot registered."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from playground.emulator.state import EmulatorState
from runtime.tasks import cancel_and_wait

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_S = 0.5
ANSWER_TIMEOUT_S = 60.0


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat whose order an update keeps (None: ordered with nothing)."""
    payload = next(value for key, value in update.items() if key != "update_id")
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat") or {}
    chat_id = chat.get("id")
    return int(chat_id) if chat_id is not None else None


class WebhookDelivery:
    def __init__(self, state: EmulatorState, deliver_to: str, max_connections: int = 40) -> None:
        self.state, self.deliver_to, self.max_connections = state, deliver_to, max_connections
        self.delivered = 0
        self.failed_attempts = 0
        self._inflight: set[int] = set()
        self._busy_chats: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task, *self._sends)

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=ANSWER_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if self.state.webhook_url:
                    self._start_sends(session)
                await self.state.wait_for_updates(RETRY_S)

    def _start_sends(self, session: aiohttp.ClientSession) -> None:
        for update in list(self.state.updates):
            if len(self._inflight) >= self.max_connections:
                return
            chat = chat_of(update)
            if update["update_id"] in self._inflight or (chat is not None and chat in self._busy_chats):
                continue
            self._inflight.add(update["update_id"])
            if chat is not None:
                self._busy_chats.add(chat)
            task = asyncio.get_running_loop().create_task(self._send(session, update, chat))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    async def _send(self, session: aiohttp.ClientSession, update: dict[str, Any], chat: int | None) -> None:
        headers = {SECRET_HEADER: self.state.webhook_secret} if self.state.webhook_secret else {}
        ok = False
        try:
            async with session.post(self.deliver_to, json=update, headers=headers) as response:
                ok = 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            self.delivered += 1
            self.state.updates = [item for item in self.state.updates if item["update_id"] != update["update_id"]]
        else:
            self.failed_attempts += 1
            await asyncio.sleep(RETRY_S)
        self._inflight.discard(update["update_id"])
        if chat is not None:
            self._busy_chats.discard(chat)
        self.state.wake_pollers()
