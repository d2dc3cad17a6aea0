"""A seeded album behind the Mini App: the emulator plays Telegram (users, groups, getChatMember), the services are
the bot's own, photos are small generated images filed through the album store."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image, ImageDraw
from pydantic import SecretStr
from telegram import Bot

from miniapp.api import MiniApp
from miniapp.server import build_app, make_miniapp
from miniapp.signin import sign_init_data
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from storage.albums import NewMedia
from storage.faces import NewFace, NewPerson
from storage.models import saved_id
from storage.moods import NewMood

STRIP_SIZE = (160, 480)  # a 1x4 strip: four cuts of 144 x 108 with white margins
FACE_BOX = (50, 32, 60, 60)  # the smiley in the first cut


def booth_strip(seed: int) -> bytes:
    """A small 4-cut strip drawn for the tests: coloured cuts with a smiley each, a little noise so every seed's
    bytes differ (the album files identical bytes once)."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", STRIP_SIZE, "white")
    draw = ImageDraw.Draw(image)
    for cut in range(4):
        top = 8 + cut * 118
        colour = tuple(int(v) for v in rng.integers(60, 200, 3))
        draw.rectangle((8, top, 151, top + 107), fill=colour)
        x, y = FACE_BOX[0], top + FACE_BOX[1] - 8
        draw.ellipse((x, y, x + 60, y + 60), fill=(250, 215, 90))
        draw.ellipse((x + 16, y + 18, x + 24, y + 26), fill=(40, 40, 40))
        draw.ellipse((x + 36, y + 18, x + 44, y + 26), fill=(40, 40, 40))
        draw.arc((x + 14, y + 24, x + 46, y + 48), 20, 160, fill=(150, 40, 40), width=3)
    pixels = np.asarray(image).astype(np.int16) + rng.integers(-4, 5, (STRIP_SIZE[1], STRIP_SIZE[0], 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=88)
    return out.getvalue()


@dataclass
class Seeded:
    emu: BotApiEmulator
    services: Services
    miniapp: MiniApp
    mina: dict
    joon: dict
    group_a: dict
    group_b: dict
    photos_a: list[int]
    photos_b: list[int]
    person_a: int  # a person in group A's album, in every third photo

    def init_data(self, user: dict, start_param: str | None = None, auth_date: int | None = None) -> str:
        fields = {"user": json.dumps({k: user[k] for k in ("id", "first_name", "language_code") if k in user})}
        if start_param:
            fields["start_param"] = start_param
        return sign_init_data(fields, self.emu.token, auth_date=auth_date)


async def seed_album(services: Services, chat: dict, member: dict, count: int, seed: int) -> tuple[list[int], int]:
    """`count` photos from `member` in `chat`; every third has a face of one person (box in the upper left)."""
    albums = services.albums
    await albums.remember(
        chat_id=chat["id"],
        chat_type=chat["type"],
        chat_title=chat.get("title"),
        user_id=member["id"],
        first_name=member["first_name"],
        language_code=member.get("language_code"),
    )
    ids = []
    faces: list[int] = []
    for index in range(count):
        saved = await albums.save(
            chat["id"], NewMedia(booth_strip(seed + index), "image/jpeg", *STRIP_SIZE, sender_id=member["id"])
        )
        photo_id = saved_id(saved.photo.id)
        ids.append(photo_id)
        if index % 3 == 0:
            embedding = np.ones(128, dtype=np.float32)
            new = NewFace(0, FACE_BOX, 0.9, 80.0, embedding, poses=(("v_sign", 0.9),))
            moods = [NewMood(0, "lovely", 0.8, 1.0), NewMood(0, "calm", 0.3, 1.0)]
            faces += await services.faces.record_analysis(photo_id, [new], moods=moods)
    person = NewPerson()
    stored = await services.faces.assign(chat["id"], {face_id: person for face_id in faces})
    person_id = next(iter(stored.values()))
    return ids, person_id if person_id is not None else -1


@pytest.fixture
async def seeded(tmp_path: Path, cpu_pool: CpuPool) -> AsyncIterator[Seeded]:
    async with BotApiEmulator() as emu:
        mina = emu.create_user("Mina", language_code="ko")
        joon = emu.create_user("Joon", language_code="en")
        group_a = emu.create_chat("supergroup", title="A", user=mina)
        group_b = emu.create_chat("supergroup", title="B", user=joon)
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path / "data",
            telegram_bot_token=SecretStr(emu.token),
            miniapp_jwt_secret=SecretStr("x" * 40),
        )
        services = await Services.start(settings, cpu=cpu_pool)
        bot = Bot(emu.token, base_url=emu.base_url)
        async with bot:
            photos_a, person_a = await seed_album(services, group_a, mina, 7, seed=100)
            photos_b, _ = await seed_album(services, group_b, joon, 3, seed=200)
            miniapp = make_miniapp(services, bot)
            yield Seeded(emu, services, miniapp, mina, joon, group_a, group_b, photos_a, photos_b, person_a)
        await services.close()


@pytest.fixture
async def client(seeded: Seeded) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(build_app(seeded.miniapp))) as test_client:
        yield test_client
