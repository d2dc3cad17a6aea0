"""The Mini App's API over HTTP (aiohttp's test client): sign-in, every refusal, and that no refused request ever
reads a photo's bytes."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from miniapp.limits import RateLimit
from miniapp.tokens import AUDIENCE, SESSION_TTL_S, MediaKind, Tokens
from tests.miniapp.conftest import FACE_BOX, STRIP_SIZE, Seeded

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def reads(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids of photos whose stored bytes were read."""
    seen: list[int] = []
    real = seeded.services.albums.load

    async def spy(photo: Any) -> bytes:
        seen.append(photo.id)
        return await real(photo)

    monkeypatch.setattr(seeded.services.albums, "load", spy)
    return seen


async def sign_in(client: Client, seeded: Seeded, user: dict, chat: dict) -> tuple[str, str]:
    album = seeded.miniapp.tokens.album_token(chat["id"])
    response = await client.post("/api/session", json={"init_data": seeded.init_data(user, start_param=album)})
    assert response.status == 200, await response.text()
    return (await response.json())["token"], album


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_member_signs_in_and_browses_the_album(client: Client, seeded: Seeded) -> None:
    token, album = await sign_in(client, seeded, seeded.mina, seeded.group_a)
    page = await (await client.get("/api/album", params={"album": album, "limit": 5}, headers=bearer(token))).json()
    assert page["total"] == 7 and len(page["items"]) == 5 and page["next"] == 5
    assert {item["id"] for item in page["items"]} <= set(seeded.photos_a)
    rest = await (await client.get("/api/album", params={"album": album, "offset": 5}, headers=bearer(token))).json()
    assert len(rest["items"]) == 2 and rest["next"] is None

    thumb = await client.get("/" + page["items"][0]["thumb"])
    assert thumb.status == 200 and thumb.content_type == "image/jpeg"
    assert (await thumb.read())[:2] == b"\xff\xd8"

    person = await (
        await client.get("/api/album", params={"album": album, "person": seeded.person_a}, headers=bearer(token))
    ).json()
    assert person["total"] == 3  # the person is in photos 0, 3 and 6

    people = await (await client.get("/api/people", params={"album": album}, headers=bearer(token))).json()
    assert [p["id"] for p in people] == [seeded.person_a] and people[0]["photos"] == 3
    cover = await client.get("/" + people[0]["cover"])
    assert cover.status == 200 and cover.content_type == "image/jpeg"

    first = seeded.photos_a[0]  # the oldest photo: it has the face and a V-sign
    detail = await (await client.get(f"/api/photo/{first}", params={"album": album}, headers=bearer(token))).json()
    assert (detail["width"], detail["height"]) == STRIP_SIZE
    assert len(detail["cuts"]) == 4  # vision.cuts found the strip's four cuts
    (face,) = detail["faces"]
    assert face["box"] == list(FACE_BOX) and face["smile"] == 80 and face["person"]["id"] == seeded.person_a
    assert face["points"] == detail["points"] > 0
    assert [pose["key"] for pose in detail["poses"]] == ["v_sign"] and "✌" in detail["poses"][0]["en"]
    assert [mood["key"] for mood in detail["moods"]] == ["lovely"] and detail["moods"][0]["ko"].startswith("사랑스러운")
    original = await client.get("/" + detail["original"])
    assert original.status == 200 and await original.read() == seeded.services.albums.read(
        await seeded.services.albums.get(first)  # type: ignore[arg-type]
    )

    rank = await (await client.get("/api/rank", params={"album": album}, headers=bearer(token))).json()
    assert rank["standings"][0]["points"] == 3 * face["points"] and rank["standings"][0]["place"] == 1


async def test_no_or_bad_session_is_401_and_reads_nothing(client: Client, seeded: Seeded, reads: list[int]) -> None:
    album = seeded.miniapp.tokens.album_token(seeded.group_a["id"])
    photo = seeded.photos_a[0]
    now = int(time.time())
    key = Tokens._derive(b"x" * 40, b"session")
    expired = seeded.miniapp.tokens.issue_session(seeded.mina["id"], "ko", now=now - SESSION_TTL_S - 5)
    other_audience = jwt.encode(
        {"sub": str(seeded.mina["id"]), "aud": "another-app", "iat": now, "exp": now + 60}, key, algorithm="HS256"
    )
    forged = jwt.encode(
        {"sub": str(seeded.mina["id"]), "aud": AUDIENCE, "iat": now, "exp": now + 60}, "y" * 40, algorithm="HS256"
    )
    for headers in ({}, bearer(expired), bearer(other_audience), bearer(forged), {"Authorization": "Basic eA=="}):
        for path in ("/api/album", f"/api/photo/{photo}", "/api/people", "/api/rank"):
            response = await client.get(path, params={"album": album}, headers=headers)
            assert response.status == 401, (path, headers)
    assert reads == []


async def test_a_member_of_a_gets_403_for_chat_b(client: Client, seeded: Seeded, reads: list[int]) -> None:
    token, album_a = await sign_in(client, seeded, seeded.mina, seeded.group_a)
    tokens = seeded.miniapp.tokens
    album_b = tokens.album_token(seeded.group_b["id"])
    photo_b = seeded.photos_b[0]
    for path in ("/api/album", f"/api/photo/{photo_b}", "/api/people", "/api/rank"):
        response = await client.get(path, params={"album": album_b}, headers=bearer(token))
        assert response.status == 403, path
    # B's photo through A's album, and a picture link minted for B's photo: refused too.
    response = await client.get(f"/api/photo/{photo_b}", params={"album": album_a}, headers=bearer(token))
    assert response.status == 403
    for kind in MediaKind:
        item = photo_b if kind is not MediaKind.face else 10**6
        link = tokens.media_token(seeded.mina["id"], item, kind)
        assert (await client.get(f"/m/{link}")).status == 403
    # An edited album token and a signed-in user asking to open B: refused.
    edited = album_a[:-2] + ("AA" if album_a[-2:] != "AA" else "BB")
    assert (await client.get("/api/album", params={"album": edited}, headers=bearer(token))).status == 403
    refused = await client.post("/api/session", json={"init_data": seeded.init_data(seeded.mina, start_param=album_b)})
    assert refused.status == 403
    assert reads == []


async def test_sign_in_refuses_bad_init_data(client: Client, seeded: Seeded) -> None:
    album = seeded.miniapp.tokens.album_token(seeded.group_a["id"])
    stale = seeded.init_data(seeded.mina, start_param=album, auth_date=int(time.time()) - 3700)
    good = seeded.init_data(seeded.mina, start_param=album)
    for init_data in (stale, good + "&user=%7B%7D", good.replace("Mina", "Joon")):
        body = {"init_data": init_data}
        assert (await client.post("/api/session", json=body)).status == 401
    assert (await client.post("/api/session", data=b"not json")).status == 400
    # Without the startapp parameter the album comes from the button's URL (private chats): still checked.
    plain = seeded.init_data(seeded.mina)
    assert (await client.post("/api/session", json={"init_data": plain, "album": album})).status == 200
    assert (await client.post("/api/session", json={"init_data": plain})).status == 403


async def test_someone_who_left_the_group_is_refused(client: Client, seeded: Seeded) -> None:
    sora = seeded.emu.create_user("Sora")
    group = seeded.group_a
    seeded.emu.add_member(group["id"], sora["id"])
    await seeded.services.albums.remember(
        chat_id=group["id"], chat_type=group["type"], chat_title="A", user_id=sora["id"], first_name="Sora"
    )
    seeded.emu.state.members[group["id"]][sora["id"]] = "left"  # Telegram knows; our member row does not
    album = seeded.miniapp.tokens.album_token(group["id"])
    response = await client.post("/api/session", json={"init_data": seeded.init_data(sora, start_param=album)})
    assert response.status == 403
    stranger = seeded.emu.create_user("Stranger")  # no member row at all
    response = await client.post("/api/session", json={"init_data": seeded.init_data(stranger, start_param=album)})
    assert response.status == 403


async def test_security_headers_no_cors_and_rate_limits(client: Client, seeded: Seeded) -> None:
    page = await client.get("/")
    assert page.status == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://telegram.org" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp and page.headers["X-Content-Type-Options"] == "nosniff"
    body = await page.text()
    assert "<script>" not in body and "style=" not in body and "<style" not in body
    token, album = await sign_in(client, seeded, seeded.mina, seeded.group_a)
    response = await client.get(
        "/api/album", params={"album": album}, headers={**bearer(token), "Origin": "https://evil.example"}
    )
    assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers
    seeded.miniapp.api_limit = RateLimit(per_second=20, burst=60, clock=lambda: 0.0)  # time stands still
    statuses = [
        (await client.get("/api/people", params={"album": album}, headers=bearer(token))).status for _ in range(61)
    ]
    assert statuses.count(200) == 60 and statuses[-1] == 429


async def test_deleting_a_photo_deletes_its_thumbnails_at_once(client: Client, seeded: Seeded) -> None:
    token, album = await sign_in(client, seeded, seeded.mina, seeded.group_a)
    first = seeded.photos_a[0]
    detail = await client.get(f"/api/photo/{first}", params={"album": album}, headers=bearer(token))
    assert detail.status == 200
    photo = await seeded.services.albums.get(first)
    assert photo is not None and seeded.miniapp.cache.get_views(photo.sha256) is not None
    await seeded.services.albums.delete_photo(first)
    assert seeded.miniapp.cache.get_views(photo.sha256) is None
    assert not list(seeded.miniapp.cache.root.glob(f"*/{photo.sha256}.*"))
    gone = await client.get("/" + (await detail.json())["view"])
    assert gone.status == 403
