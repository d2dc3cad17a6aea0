"""The end-to-end test harness: a running bot and the emulator it talks to, plus picture makers."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import delete, update
from telegram import Update
from telegram.ext import Application

from bot.app import HANDLING
from pipeline.services import Services
from pipeline.settings import Settings
from playground.emulator import BotApiEmulator, MessageRecord
from storage.faces import FaceStore, NewFace
from storage.models import Face, Photo

TOKEN = "123456:TEST-TOKEN"


def emulator_settings(emu: BotApiEmulator, data_dir: Path, **overrides: Any) -> Settings:
    """The bot's settings for talking to `emu` (no .env file read), its data in `data_dir`."""
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        bot_api_base_url=emu.base_url,
        bot_api_base_file_url=emu.base_file_url,
        data_dir=data_dir,
        **overrides,
    )


def raw_command_update(emu: BotApiEmulator, update_id: int, text: str) -> tuple[dict[str, Any], int]:
    """A command from a new user in their private chat, as the raw update Telegram would POST to a webhook; and the
    chat's id."""
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }
    return update, chat["id"]


@dataclass
class Harness:
    emu: BotApiEmulator
    settings: Settings
    app: Application

    @property
    def services(self) -> Services:
        services = self.app.bot_data.services
        assert services is not None, "the application is not running"
        return services

    async def album_count(self, chat_id: int) -> int:
        return await self.services.albums.count(chat_id)

    def stored_files(self) -> list[Path]:
        return [p for p in self.settings.blob_dir.rglob("*") if p.is_file()]

    def bot_messages(self, chat_id: int) -> list[MessageRecord]:
        """What the bot shows in the chat now (deleted messages left out)."""
        return [m for m in self.emu.bot_messages(chat_id) if not m.deleted]

    async def reply(
        self, chat_id: int, predicate: Callable[[MessageRecord], bool] | None = None, timeout: float = 30
    ) -> MessageRecord:
        # 30 s: a photo's answer waits for its face analysis (one worker, on a CI machine shared with other jobs).
        return await self.emu.wait_for_bot_message(chat_id, timeout=timeout, predicate=predicate)

    async def settled(self, quiet_s: float = 1.0, timeout: float = 60) -> None:
        """Wait until the bot has asked the Bot API for nothing but updates for `quiet_s` (handlers that answer first
        and redraw after): what a test checks then is everything the bot drew, and its teardown has nothing left."""
        deadline = time.monotonic() + timeout
        seen, since = -1, time.monotonic()
        while True:
            now, count = time.monotonic(), sum(name != "getUpdates" for name, _ in self.emu.calls)
            if count != seen:
                seen, since = count, now
            elif now - since >= quiet_s:
                return
            if now > deadline:
                raise TimeoutError(f"the bot was still calling the Bot API after {timeout}s")
            await asyncio.sleep(0.1)

    @asynccontextmanager
    async def updates_held(self) -> AsyncIterator[None]:
        """Updates sent meanwhile stay with Telegram (the emulator), as if their replica died: polled afterwards."""
        updater = self.app.updater
        assert updater is not None
        await updater.stop()
        try:
            yield
        finally:
            await updater.start_polling(
                poll_interval=0.0, timeout=timedelta(seconds=1), allowed_updates=Update.ALL_TYPES
            )

    async def handle_again(self, message: dict[str, Any], update_id: int) -> None:
        """The member's message handled once more (a dead replica's update taken over), to the end of its handler."""
        again = Update.de_json({"update_id": update_id, "message": message}, self.app.bot)
        assert again is not None
        tasks: set[asyncio.Task[Any]] = set()
        HANDLING.set(tasks)  # media and text handlers run as tasks (block=False): wait for them
        await self.app.process_update(again)
        await asyncio.gather(*tasks)


def jpeg_bytes(
    color: tuple[int, int, int] | str = "red", size: tuple[int, int] = (320, 240), quality: int = 90
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=quality)
    return out.getvalue()


def png_bytes(color: str = "blue", size: tuple[int, int] = (200, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def text_of(message: MessageRecord) -> str:
    return message.text or message.caption or ""


def encoded(fmt: str, color: str = "green", size: tuple[int, int] = (160, 120)) -> bytes:
    """A picture in any format Pillow (with pillow-heif) writes: JPEG, PNG, WEBP, HEIF."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def noisy_jpeg(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo-like JPEG whose bytes differ per seed (flat colours compress to near-identical files)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def qr_photo(text: str, seed: int = 0, size: tuple[int, int] = (1280, 960), module_px: int = 6) -> bytes:
    """A photo-like JPEG with a QR code for `text` pasted on it, like a phone shot of a strip's corner."""
    import numpy as np
    import segno

    rng = np.random.default_rng(seed)
    canvas = Image.fromarray(rng.integers(60, 200, (size[1], size[0], 3), dtype=np.uint8))
    code = io.BytesIO()
    segno.make(text, error="m").save(code, kind="png", scale=module_px, border=4)
    qr = Image.open(code).convert("RGB")
    canvas.paste(qr, (size[0] - qr.width - 80, size[1] - qr.height - 60))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()


async def group_where_two_sent_photos(harness: Harness, chat_type: str, seed: int) -> tuple[dict, dict, dict]:
    """A group (or supergroup) where Alice and then Bob each sent a photo (seeds `seed` and `seed + 1`), both
    filed; returns the group, Alice and Bob."""
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    group = emu.create_chat(chat_type, title="Booth friends")
    for member in (alice, bob):
        emu.add_member(group["id"], member["id"])
    for number, member in enumerate((alice, bob)):
        await emu.send_photo(group["id"], member["id"], noisy_jpeg(seed + number))
        await harness.reply(group["id"], predicate=lambda m, n=number + 1: f"{n} in total" in text_of(m))
    return group, alice, bob


async def photo_with_one_smiling_face(harness: Harness, chat_id: int, user_id: int, seed: int, saved: str) -> int:
    """A photo filed in the chat whose analysis is replaced by one known face (smile 80): pledges and points
    without depending on what the detector makes of a noise picture. `saved` is a word of the 'saved' reply."""
    await harness.emu.send_photo(chat_id, user_id, noisy_jpeg(seed, size=(160, 120)))
    await harness.reply(chat_id, lambda m: saved in text_of(m))
    (photo,) = await harness.services.albums.page(chat_id, 0, 5)
    assert photo.id is not None
    async with harness.services.db.session() as session:
        await session.exec(delete(Face).where(Face.photo_id == photo.id))
        await session.exec(update(Photo).where(Photo.id == photo.id).values(analysed_at=None))
    face = NewFace(0, (10, 10, 50, 50), 0.9, 80.0, np.ones(128, np.float32))
    await FaceStore(harness.services.db).record_analysis(photo.id, [face])
    return photo.id
