"""A local fake of the OpenAI chat completions endpoint (aiohttp, loopback only) for the opt-in OpenAI step.

It records every request (the JSON body and the Authorization header) and answers as told: `ok` with `answer`
(a dict sent as the message content's JSON, or a str sent as it is), or `500`, `429`, `timeout` (answers after
`delay` seconds), `broken_body` (a 200 whose body is not JSON).
"""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FakeOpenAI:
    port: int = 0
    behaviour: str = "ok"
    answer: dict[str, Any] | str = field(default_factory=lambda: {"cuts": []})
    delay: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.authorizations.append(request.headers.get("Authorization", ""))
        if self.behaviour == "500":
            return web.json_response({"error": {"message": "boom", "type": "server_error"}}, status=500)
        if self.behaviour == "429":
            error = {"message": "Rate limit reached", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}
            return web.json_response({"error": error}, status=429, headers={"retry-after": "20"})
        if self.behaviour == "timeout":
            await asyncio.sleep(self.delay)
        if self.behaviour == "broken_body":
            return web.Response(text="<html>gateway</html>", content_type="application/json")
        content = self.answer if isinstance(self.answer, str) else json.dumps(self.answer)
        body = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": self.requests[-1].get("model", "?"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return web.json_response(body)
