"""`python -m bot` in webhook mode, stopped by SIGTERM (what an orchestrator sends a replica): the update it took
just before is still answered, and the process exits cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bot.webhook import SECRET_HEADER
from playground.emulator import BotApiEmulator
from tests.e2e.harness import TOKEN, raw_command_update, text_of

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_healthy(http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.returncode is None, "the bot exited while starting"
        try:
            async with http.get(url) as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError("the bot did not answer /healthz")


async def test_sigterm_answers_the_update_taken_and_exits_cleanly(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": emu.base_url,
            "BOT_API_BASE_FILE_URL": emu.base_file_url,
            "DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "WEBHOOK_URL": "https://bot.example/hook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": "sigterm-secret",
            "MINIAPP_URL": "",
            "WEEKLY_POST_CHECK_S": "0",
            "DIGEST_CHECK_S": "0",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with aiohttp.ClientSession() as http:
                await wait_until_healthy(http, f"http://127.0.0.1:{port}/healthz", process)
                update, chat_id = raw_command_update(emu, 1, "/album")
                hook = f"http://127.0.0.1:{port}/hook"
                async with http.post(hook, json=update, headers={SECRET_HEADER: "sigterm-secret"}) as answer:
                    assert answer.status == 200
                process.send_signal(signal.SIGTERM)
                _, stderr = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()[-2000:]
        (reply,) = emu.bot_messages(chat_id)
        assert "empty" in text_of(reply)
