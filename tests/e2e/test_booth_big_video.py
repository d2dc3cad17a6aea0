"""Booth videos near Telegram's 50 MB upload limit (issue 13): the fetch cap is 50 MiB, Telegram takes 50,000,000
bytes per file. A video over the limit is kept in the album and explained with the booth's link, not sent (the
strict emulator would refuse it with 413); one just under it is sent as before."""

from __future__ import annotations

import random
import struct

import pytest

from handlers.qr import TELEGRAM_UPLOAD_LIMIT, video_too_big_text
from storage.models import MediaKind
from tests.booths.fixture_server import FixtureServer
from tests.e2e.harness import Harness, qr_photo, text_of
from tests.e2e.test_qr_flow import BOOTH_PHOTO

OVER = "https://qr.seobuk.kr/s/over50"
UNDER = "https://qr.seobuk.kr/s/under50"
SIZES = {"over": TELEGRAM_UPLOAD_LIMIT + 1, "under": TELEGRAM_UPLOAD_LIMIT - 1}


def mp4_of_size(total: int, seed: int) -> bytes:
    """An ISO-BMFF file of exactly `total` bytes: an ftyp box, then one mdat box of random bytes."""
    ftyp = b"ftypisom\x00\x00\x02\x00isommp41"
    header = struct.pack(">I", len(ftyp) + 4) + ftyp
    payload = total - len(header) - 8
    return header + struct.pack(">I", payload + 8) + b"mdat" + random.Random(seed).randbytes(payload)


VIDEOS = {uid: mp4_of_size(size, seed) for seed, (uid, size) in enumerate(SIZES.items())}


BOOTH_FETCHER_TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 5.0, "deadline": 20.0}


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """Photoism's shape, with one strip whose video is just over the limit and one just under."""
    for uid in SIZES:
        loopback_booth.photoism(f"/s/{uid}50", uid, BOOTH_PHOTO, VIDEOS[uid])
    return loopback_booth


async def _file_strip(harness: Harness, link: str) -> tuple[dict, dict]:
    user = harness.emu.create_user("지수", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_photo(chat["id"], user["id"], qr_photo(link, seed=len(link)))
    await harness.emu.wait_for(lambda: any("✅" in text_of(m) for m in harness.bot_messages(chat["id"])), timeout=60)
    return user, chat


async def test_a_video_over_50_000_000_bytes_is_kept_and_explained_not_sent(harness: Harness) -> None:
    _, chat = await _file_strip(harness, OVER)
    explained = await harness.emu.wait_for(
        lambda: next((m for m in harness.bot_messages(chat["id"]) if "🎬" in text_of(m)), None), timeout=30
    )
    text = text_of(explained)
    assert "50.0 MB" in text and "at most 50 MB" in text and OVER in text, text
    (video,) = await harness.services.albums.page(chat["id"], 0, 10, kind=MediaKind.video)
    assert harness.services.albums.read(video) == VIDEOS["over"], "the whole video is kept in the album"
    assert not any(m.video for m in harness.bot_messages(chat["id"]))
    assert harness.emu.calls_to("sendVideo") == [], "never tried: Telegram would refuse it"


async def test_a_video_just_under_the_limit_is_sent(harness: Harness) -> None:
    _, chat = await _file_strip(harness, UNDER)
    sent = await harness.emu.wait_for(
        lambda: next((m for m in harness.bot_messages(chat["id"]) if m.video), None), timeout=60
    )
    assert sent.video["file_size"] == TELEGRAM_UPLOAD_LIMIT - 1
    assert harness.emu.file_bytes(sent.video["file_id"]) == VIDEOS["under"]
    assert not any("at most 50 MB" in text_of(m) for m in harness.bot_messages(chat["id"]))


def test_the_explanation_in_korean_names_size_limit_and_link() -> None:
    text = video_too_big_text("photoism", 52_000_000, OVER, "ko")
    assert "52.0 MB" in text and "50 MB" in text and OVER in text and "포토이즘" in text
