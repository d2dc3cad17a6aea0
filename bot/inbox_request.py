"""The getUpdates connection, with the upload inbox (handlers.inbox) in between: uploads in each answer are written
down before PTB's next getUpdates confirms them to Telegram, and updates the inbox already holds are emptied."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from handlers.inbox import UpdateInbox, is_upload


class InboxRequest(BaseRequest):
    def __init__(self, inbox: UpdateInbox, inner: BaseRequest | None = None) -> None:
        self.inbox = inbox
        self.inner = inner or HTTPXRequest(connection_pool_size=1)

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if code != 200 or not url.endswith("/getUpdates"):
            return code, payload
        try:
            body: dict[str, Any] = json.loads(payload)
        except ValueError:
            return code, payload
        updates = body.get("result")
        if not body.get("ok") or not isinstance(updates, list):
            return code, payload
        if not any(is_upload(update) for update in updates):
            return code, payload
        # each upload is written and fsynced before getUpdates confirms it: in a thread, not on the event loop
        body["result"] = await asyncio.to_thread(lambda: [self._kept_or_emptied(update) for update in updates])
        return code, json.dumps(body).encode()

    def _kept_or_emptied(self, update: dict[str, Any]) -> dict[str, Any]:
        """A known upload becomes an empty update of the same id (PTB still moves its offset past it; no handler
        acts on an update without content)."""
        if not is_upload(update) or self.inbox.keep(update):
            return update
        return {"update_id": update["update_id"]}
