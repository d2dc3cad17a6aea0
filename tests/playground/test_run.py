"""`make run` with no token: `python -m bot` prints how to get a token, serves the playground, stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "BOT_API_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": "",
        "DATA_DIR": str(tmp_path / "data"),
        "PLAYGROUND_PORT": str(port),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }
    return env


async def start_bot(tmp_path: Path, port: int) -> asyncio.subprocess.Process:
    # From an empty folder, so a developer's .env (with a real token) is not read.
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=environment(tmp_path, port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_without_a_token_the_bot_serves_the_playground_until_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    process = await start_bot(tmp_path, port)
    try:
        address = f"http://127.0.0.1:{port}/"
        printed = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        while address.encode() not in printed:
            line = await asyncio.wait_for(process.stdout.readline(), max(0.1, deadline - time.monotonic()))
            assert line, f"the process ended early: {(await process.stderr.read()).decode()[-2000:]}"
            printed += line
        async with aiohttp.ClientSession() as http:
            async with http.get(address + "api/state") as response:
                state = await response.json()
            me = state["users"][0]
            body = {"chat_id": me["id"], "user_id": me["id"], "text": "/start"}
            async with http.post(address + "api/messages", json=body) as response:
                assert response.status == 200
            for _ in range(100):
                async with http.get(address + "api/state") as response:
                    shown = (await response.json())["messages"][str(me["id"])]
                if any(m["from"]["id"] == state["bot"]["id"] for m in shown):
                    break
                await asyncio.sleep(0.1)
            reply = next(m for m in shown if m["from"]["id"] == state["bot"]["id"])
            assert "ChooseCheese" in reply["text"]
        assert (tmp_path / "data" / "playground" / "choosecheese.sqlite3").is_file(), "its own folder"
        assert not (tmp_path / "data" / "choosecheese.sqlite3").exists(), "never the real bot's database"

        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        stderr = (await process.stderr.read()).decode()
        assert "@BotFather" in stderr, "it says how to get a token"
        assert "Traceback" not in stderr
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_busy_port_is_explained(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = await start_bot(tmp_path, busy.getsockname()[1])
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), START_TIMEOUT_S)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 1
    assert "already in use" in stderr.decode() and "PLAYGROUND_PORT" in stderr.decode()
