"""getUpdates: long polling with offset confirmation, limit, timeout and allowed_updates."""

from __future__ import annotations

import time
from typing import Any

from playground.emulator.errors import bad_request, conflict
from playground.emulator.params import Params
from playground.emulator.state import DEFAULT_UPDATE_TYPES, EmulatorState

MAX_POLL_TIMEOUT = 50.0


class UpdatePoller:
    """Serves getUpdates; a newer request ends an older one with 409 as Telegram does."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.generation = 0
        self.closed = False

    async def get_updates(self, state: EmulatorState, params: Params) -> list[dict[str, Any]]:
        if state.webhook_url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        limit = min(max(params.int("limit") or 100, 1), 100)
        timeout = min(max(params.float("timeout") or 0.0, 0.0), MAX_POLL_TIMEOUT)
        allowed = params.json("allowed_updates", "can't parse allowed updates JSON object")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed updates JSON object")
            state.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
        state.confirm_updates(params.int("offset"))

        self.generation += 1
        my_generation = self.generation
        state.wake_pollers()  # an older long poll notices it has been superseded
        deadline = time.monotonic() + timeout
        while True:
            if my_generation != self.generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot instance is running"
                )
            updates = state.deliverable_updates(limit)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or self.closed or state.webhook_url:
                return updates
            await state.wait_for_updates(remaining)
