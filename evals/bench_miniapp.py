"""The album Mini App's API on loopback: a 200-photo album (small drawn strips), thumbnails and views made once.

METRIC miniapp.first_page_ms  median ms for what opening the app costs after sign-in: the first album page (30) and
                              its 30 thumbnails fetched 6 at a time, as a browser does (goal < 300 ms)
METRIC miniapp.api_p95_ms     95th percentile ms of API calls (album pages, photo details, people, this week's
                              ranking) under a bounded load: 8 clients, 50 calls each (goal < 50 ms)
METRIC miniapp.api_rps        calls per second during that load
METRIC miniapp.api_p95_one_client_ms  the same calls made by one client alone (no queueing)
METRIC miniapp.api_<call>_median_ms   median per kind of call under the load
METRIC miniapp.load_average   the machine's 1-minute load average when the load ran (the figures are shared-CPU ones)
The per-user rate limits are lifted for the load (one user makes every call); getChatMember is not asked (no
Telegram here), the member row is.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import statistics
import tempfile
import time
from pathlib import Path

from evals.common import metric

PHOTOS = 200
CLIENTS = 8
CALLS_PER_CLIENT = 50
BOT_TOKEN = "7000000009:bench-token"


def _strip(seed: int) -> bytes:
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (160, 480), "white")
    draw = ImageDraw.Draw(image)
    for cut in range(4):
        top = 8 + cut * 118
        draw.rectangle((8, top, 151, top + 107), fill=tuple(int(v) for v in rng.integers(60, 200, 3)))
        draw.ellipse((50, top + 24, 110, top + 84), fill=(250, 215, 90))
    pixels = np.asarray(image).astype(np.int16) + rng.integers(-4, 5, (480, 160, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=88)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _bench(folder: Path) -> None:
    import aiohttp
    import numpy as np
    from pydantic import SecretStr

    from miniapp.limits import RateLimit
    from miniapp.server import build_app, make_miniapp, serve
    from miniapp.signin import sign_init_data
    from pipeline.services import Services
    from pipeline.settings import Settings
    from storage.albums import NewMedia
    from storage.faces import NewFace, NewPerson
    from storage.models import saved_id

    settings = Settings(_env_file=None, data_dir=folder, telegram_bot_token=SecretStr(BOT_TOKEN))
    services = await Services.start(settings)
    chat_id, user = -1009000000001, {"id": 4242, "first_name": "Mina", "language_code": "ko"}
    await services.albums.remember(
        chat_id=chat_id, chat_type="supergroup", chat_title="Bench", user_id=4242, first_name="Mina"
    )
    photo_ids, faces = [], []
    for index in range(PHOTOS):
        saved = await services.albums.save(chat_id, NewMedia(_strip(index), "image/jpeg", 160, 480, sender_id=4242))
        photo_ids.append(saved_id(saved.photo.id))
        if index % 3 == 0:
            face = NewFace(0, (50, 32, 60, 60), 0.9, 70.0, np.ones(128, dtype=np.float32), poses=(("v_sign", 0.9),))
            faces += await services.faces.record_analysis(photo_ids[-1], [face])
    person = NewPerson()
    await services.faces.assign(chat_id, {face_id: person for face_id in faces})
    miniapp = make_miniapp(services)
    miniapp.api_limit = RateLimit(per_second=1e6, burst=10**6)
    miniapp.media_limit = RateLimit(per_second=1e6, burst=10**6)
    port = _free_port()
    runner = await serve(build_app(miniapp), "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    album = miniapp.tokens.album_token(chat_id)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=6)) as http:
            signed = sign_init_data({"user": json.dumps(user), "start_param": album}, BOT_TOKEN)
            async with http.post(f"{base}/api/session", json={"init_data": signed}) as response:
                token = (await response.json())["token"]
            headers = {"Authorization": f"Bearer {token}"}

            async def get(path: str, **params: str) -> bytes:
                async with http.get(f"{base}/{path}", params=params or None, headers=headers) as response:
                    if response.status != 200:
                        raise RuntimeError(f"{path}: HTTP {response.status}")
                    return await response.read()

            async def first_page() -> None:
                page = json.loads(await get("api/album", album=album, limit="30"))
                await asyncio.gather(*(get(item["thumb"]) for item in page["items"]))

            started = time.perf_counter()
            for offset in range(0, PHOTOS, 50):  # make every thumbnail and view once (cached afterwards)
                page = json.loads(await get("api/album", album=album, offset=str(offset), limit="50"))
                await asyncio.gather(*(get(item["thumb"]) for item in page["items"]))
            metric("miniapp.thumbnails_made_s", round(time.perf_counter() - started, 2))
            for photo_id in photo_ids:
                await get(f"api/photo/{photo_id}", album=album)

            timings = []
            for _ in range(10):
                started = time.perf_counter()
                await first_page()
                timings.append((time.perf_counter() - started) * 1e3)
            metric("miniapp.first_page_ms", round(statistics.median(timings), 1))

        calls = [
            ("api/album", {"offset": "60", "limit": "30"}),
            (f"api/photo/{photo_ids[3]}", {}),
            ("api/people", {}),
            ("api/rank", {}),
        ]
        latencies: list[float] = []
        by_path: dict[str, list[float]] = {}

        async def client(number: int) -> None:
            async with aiohttp.ClientSession() as own:
                for index in range(CALLS_PER_CLIENT):
                    path, params = calls[(number + index) % len(calls)]
                    started = time.perf_counter()
                    async with own.get(f"{base}/{path}", params={"album": album, **params}, headers=headers) as r:
                        await r.read()
                        if r.status != 200:
                            raise RuntimeError(f"{path}: HTTP {r.status}")
                    latencies.append((time.perf_counter() - started) * 1e3)
                    by_path.setdefault(path.split("/")[1], []).append(latencies[-1])

        await client(0)  # one client alone: the latency without queueing behind the others
        alone = sorted(latencies)
        metric("miniapp.api_p95_one_client_ms", round(alone[int(0.95 * (len(alone) - 1))], 1))
        latencies.clear()
        by_path.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
        elapsed = time.perf_counter() - started
        latencies.sort()
        metric("miniapp.api_p95_ms", round(latencies[int(0.95 * (len(latencies) - 1))], 1))
        metric("miniapp.api_rps", round(len(latencies) / elapsed))
        metric("miniapp.load_average", round(os.getloadavg()[0], 1))
        for name, values in sorted(by_path.items()):
            metric(f"miniapp.api_{name}_median_ms", round(statistics.median(values), 1))
    finally:
        await runner.cleanup()
        await services.close()


def run(_data: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-miniapp-") as folder:
        asyncio.run(_bench(Path(folder)))
