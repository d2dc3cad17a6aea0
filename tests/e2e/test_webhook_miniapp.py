"""Webhook mode: one aiohttp server takes Telegram's updates (secret token checked) and serves the Mini App under
MINIAPP_URL's path."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.app import build_application
from bot.playground_miniapp import signed_launch
from bot.webhook import SECRET_HEADER, running_webhook
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from tests.e2e.harness import TOKEN, emulator_settings, raw_command_update, text_of


async def test_updates_and_the_mini_app_share_the_webhook_server(tmp_path: Path, cpu_pool: CpuPool) -> None:
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        settings = emulator_settings(
            emu,
            tmp_path / "data",
            webhook_url="https://bot.example/telegram-hook",
            webhook_listen="127.0.0.1",
            webhook_secret="s3cret_-token",
            miniapp_url="https://bot.example/album/",
            miniapp_short_name="album",
        )
        update, chat_id = raw_command_update(emu, 1, "/album")
        app = build_application(settings, cpu=cpu_pool)
        async with running_webhook(app, settings, port=0) as port, aiohttp.ClientSession() as http:
            assert emu.state.webhook_url == "https://bot.example/telegram-hook"
            base = f"http://127.0.0.1:{port}"
            refused = await http.post(f"{base}/telegram-hook", json=update, headers={SECRET_HEADER: "wrong"})
            assert refused.status == 403
            accepted = await http.post(f"{base}/telegram-hook", json=update, headers={SECRET_HEADER: "s3cret_-token"})
            assert accepted.status == 200
            reply = await emu.wait_for_bot_message(chat_id, timeout=20)
            assert "empty" in text_of(reply)

            page = await http.get(f"{base}/album/")
            assert page.status == 200 and "Content-Security-Policy" in page.headers
            album_token = app.bot_data.album_token
            assert album_token is not None
            init_data = signed_launch(update["message"]["from"], emu.token)
            session = await http.post(
                f"{base}/album/api/session", json={"init_data": init_data, "album": album_token(chat_id)}
            )
            assert session.status == 200  # Sam wrote to the bot, so he is the member of his private chat
