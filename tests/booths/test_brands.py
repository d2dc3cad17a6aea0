"""Each brand extractor end to end: fixture pages in the brands' shapes, the real SafeFetcher, download()."""

from __future__ import annotations

import base64
import json
import time

import pytest
from aiohttp import web

from booths import LinkExpired, NotMedia, download
from tests.booths.conftest import BoothEnv
from tests.booths.fixture_server import Handler, jpeg, mp4, png

PHOTO, PHOTO2, VIDEO, VIDEO2 = jpeg(1), jpeg(2), mp4(3), mp4(4, brand=b"qt  ")


# --- 인생네컷 / Life4Cuts ---------------------------------------------------------------------------------

OLD_L4C = "/QRImage/20230606/SEL.MPO.YEONNAM02/161723678"


async def test_life4cut_old_index_page(env: BoothEnv) -> None:
    host = "l4c01.lifejuin.biz"
    env.server.html_at(
        host,
        f"{OLD_L4C}/index.html",
        '<html><body><a id="image_download" href="image.jpg" download>사진</a>'
        '<a id="video_download" href="video.mp4" download>영상</a></body></html>',
    )
    env.server.bytes_at(host, f"{OLD_L4C}/image.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at(host, f"{OLD_L4C}/video.mp4", VIDEO, "video/mp4")

    result = await download(f"http://{host}{OLD_L4C}/index.html", env.fetcher())

    assert result.brand.id == "life4cut"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert result.photos[0].mime == "image/jpeg" and result.videos[0].mime == "video/mp4"
    assert result.photos[0].url.endswith("/image.jpg")
    assert env.server.paths() == [f"{OLD_L4C}/index.html", f"{OLD_L4C}/image.jpg", f"{OLD_L4C}/video.mp4"]


def _life4cut_s3(env: BoothEnv, photo_status: int = 200) -> tuple[str, str]:
    s3 = "release-renewal-s3.s3.ap-northeast-2.amazonaws.com"
    folder = "/QRimage/20240601/GANGNAM07/0b7f3c1e-8f4c-4a55-9d6e-2f1c9d2c1a11"

    def need_referer(data: bytes, kind: str, status: int = 200) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            if request.headers.get("Referer") != "https://download.life4cut.net":
                return web.Response(status=403, text="AccessDenied")
            if status != 200:
                return web.Response(status=status, text="<Error><Code>NoSuchKey</Code></Error>")
            return web.Response(body=data, content_type=kind)

        return handler

    env.server.route(s3, f"{folder}/image.jpg", need_referer(PHOTO, "image/jpeg", photo_status))
    env.server.route(s3, f"{folder}/video.mp4", need_referer(VIDEO, "video/mp4"))
    return s3, folder


async def test_life4cut_api_redirect_to_webqr_form(env: BoothEnv) -> None:
    s3, folder = _life4cut_s3(env)
    env.server.redirect(
        "api.life4cut.net",
        "/qr/AbCd1234",
        f"https://download.life4cut.net/webQr?bucket=release-renewal-s3&region=ap-northeast-2&folderPath={folder}",
        status=301,
    )
    env.server.html_at("download.life4cut.net", "/webQr", "<html><div id=root></div></html>")

    result = await download("https://api.life4cut.net/qr/AbCd1234", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert result.photos[0].url == f"https://{s3}{folder}/image.jpg"
    assert env.server.hits("download.life4cut.net", "/webQr") == 0  # the SPA page is never needed


async def test_life4cut_download_endpoint_when_s3_refuses(env: BoothEnv) -> None:
    s3 = "release-renewal-s3.s3.ap-northeast-2.amazonaws.com"
    folder = "/QRimage/20240602/HONGDAE01/5d1e"
    env.server.route(s3, f"{folder}/image.jpg", _status(403))

    async def proxy(request: web.Request) -> web.Response:
        assert request.query["url"] == f"https://{s3}{folder}/image.jpg"
        return web.Response(body=PHOTO2, content_type="image/jpeg")

    env.server.route("download.life4cut.net", "/api/download", proxy)
    url = f"https://download.life4cut.net/webQr?bucket=release-renewal-s3&region=ap-northeast-2&folderPath={folder}"

    result = await download(url, env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO2]
    assert result.videos == []


async def test_life4cut_path_parameter_form(env: BoothEnv) -> None:
    host = "l4c02.lifejuin.biz"
    env.server.redirect(
        "api.life4cut.net",
        "/qr/old",
        f"https://download.life4cut.net/?path=http://{host}{OLD_L4C}/index.html",
    )
    env.server.bytes_at(host, f"{OLD_L4C}/image.jpg", PHOTO, "image/jpeg")
    env.server.route(host, f"{OLD_L4C}/video.mp4", _status(404))

    result = await download("https://api.life4cut.net/qr/old", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert result.videos == []  # a missing video is skipped, not fatal


async def test_life4cut_deleted_image_is_expired(env: BoothEnv) -> None:
    _, folder = _life4cut_s3(env, photo_status=404)
    url = f"https://download.life4cut.net/webQr?bucket=release-renewal-s3&region=ap-northeast-2&folderPath={folder}"
    with pytest.raises(LinkExpired):
        await download(url, env.fetcher())


def _status(code: int) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(status=code, text="gone")

    return handler


# --- 포토이즘 / Photoism ---------------------------------------------------------------------------------


def _photoism_api(env: BoothEnv, answer: dict) -> list[dict]:
    posted: list[dict] = []

    async def resource(request: web.Request) -> web.Response:
        if request.method != "POST" or request.headers.get("Referer") != "https://qr.seobuk.kr/":
            return web.Response(status=403, text="blocked by CloudFront")
        posted.append(await request.json())
        return web.json_response(answer)

    env.server.route("cmsapi.seobuk.kr", "/v1/etc/seq/resource", resource)
    return posted


async def test_photoism_short_link_uid_and_resource_api(env: BoothEnv) -> None:
    env.server.redirect("qr.seobuk.kr", "/s/RQ1Tl~L", "https://qr.seobuk.kr/v2/?u=6f1c2a9b3d4e")
    posted = _photoism_api(
        env,
        {
            "code": 200,
            "content": {
                "fileInfo": {
                    "picFile": {"path": "https://download.seobuk.kr/tmp/6f1c2a9b3d4e_Pic.jpg"},
                    "vidFile": {"path": "https://photoism-cms-prd.s3.ap-northeast-2.amazonaws.com/v/6f1c.mp4"},
                }
            },
        },
    )
    env.server.bytes_at("download.seobuk.kr", "/tmp/6f1c2a9b3d4e_Pic.jpg", PHOTO, "binary/octet-stream")
    env.server.bytes_at("photoism-cms-prd.s3.ap-northeast-2.amazonaws.com", "/v/6f1c.mp4", VIDEO)

    result = await download("https://qr.seobuk.kr/s/RQ1Tl~L", env.fetcher())

    assert result.brand.id == "photoism"
    assert posted == [{"uid": "6f1c2a9b3d4e", "appUserId": None}]
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.hits("qr.seobuk.kr", "/v2/") == 0
    user_agents = {r.headers.get("User-Agent", "") for r in env.server.requests}
    assert all("Mozilla/5.0" in ua for ua in user_agents)
    assert all(r.headers.get("Accept-Language", "").startswith("ko") for r in env.server.requests)


async def test_photoism_code_1003_is_expired(env: BoothEnv) -> None:
    env.server.redirect("qr.seobuk.kr", "/s/IMfkz6.", "https://qr.seobuk.kr/v2/?u=deadbeef")
    _photoism_api(env, {"code": 1003, "message": "expired", "content": None})

    with pytest.raises(LinkExpired) as caught:
        await download("https://qr.seobuk.kr/s/IMfkz6.", env.fetcher())
    assert caught.value.code == "expired"


# --- 하루필름 / Harufilm ---------------------------------------------------------------------------------


async def test_harufilm_page_links(env: BoothEnv) -> None:
    host = "haru1.mx2.co.kr"
    code = "HA006XEb7Nh"
    base_api = f"/base_api?command=albumdn&albumCode={code}&max=10&limit=+24%20hours"
    env.server.html_at(
        host,
        f"/@{code}",
        f'<div class="main_cont"><img src="/download/album/{code}/output/thumb.jpg"></div>'
        f'<a href="{base_api}&type=video&file_name=output.mp4">동영상 저장</a>'
        f'<a href="{base_api}&type=photo&file_name=output.jpg">사진 저장</a>',
    )

    async def base_api_handler(request: web.Request) -> web.Response:
        assert request.query["albumCode"] == code
        data = PHOTO if request.query["type"] == "photo" else VIDEO
        return web.Response(body=data, headers={"Content-Disposition": "attachment; filename=x"})

    env.server.route(host, "/base_api", base_api_handler)

    result = await download(f"http://{host}/@{code}", env.fetcher())

    assert result.brand.id == "harufilm"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.hits(host, f"/download/album/{code}/output/thumb.jpg") == 0


async def test_harufilm_direct_output_when_page_has_no_links(env: BoothEnv) -> None:
    host = "haru7.mx3.co.kr"
    code = "HA018R5eu4W"
    env.server.html_at(host, f"/@{code}", "<html><script>loadAlbum()</script></html>")
    env.server.bytes_at(host, f"/download/album/{code}/output/output.jpg", PHOTO, "image/jpeg")

    async def video(request: web.Request) -> web.Response:
        assert request.query["type"] == "video"
        return web.Response(body=VIDEO2)

    env.server.route(host, "/base_api", video)

    result = await download(f"http://{host}/@{code}", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.mime for v in result.videos] == ["video/quicktime"]


async def test_harufilm_missing_album_is_expired(env: BoothEnv) -> None:
    env.server.route("haru2.mx2.co.kr", "/@HAgone", _status(404))
    with pytest.raises(LinkExpired):
        await download("http://haru2.mx2.co.kr/@HAgone", env.fetcher())


# --- 포토그레이 / Photogray ------------------------------------------------------------------------------


def _photogray_id(session: str, expires: int) -> str:
    query = f"sessionId={session}&mode=BASE&collaboName=NONE&expiredDate={expires}"
    return base64.b64encode(query.encode()).decode()


async def test_photogray_short_link_session_files(env: BoothEnv) -> None:
    session = "AF7B1C2D3E4F5A6B7C8D9E0FFE59"
    encoded = _photogray_id(session, int(time.time()) + 3600)
    env.server.redirect("pgshort.aprd.io", "/x1Y2z3", f"https://photogray-download.aprd.io/?id={encoded}")
    resource = "pg-qr-resource.aprd.io"
    env.server.bytes_at(resource, f"/{session}/image.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at(resource, f"/{session}/video.mp4", VIDEO, "video/mp4")
    env.server.bytes_at(resource, f"/{session}/timelapse.mp4", VIDEO2, "video/mp4")

    result = await download("https://pgshort.aprd.io/x1Y2z3", env.fetcher())

    assert result.brand.id == "photogray"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO, VIDEO2]
    assert env.server.hits("photogray-download.aprd.io", "/") == 0


async def test_photogray_expired_date_checked_offline(env: BoothEnv) -> None:
    session = "AF7B0000000000000000000FE59"
    encoded = _photogray_id(session, 1687429041)  # June 2023
    env.server.redirect("pgshort.aprd.io", "/old", f"https://photogray-download.aprd.io/?id={encoded}")
    env.server.bytes_at("pg-qr-resource.aprd.io", f"/{session}/image.jpg", PHOTO)

    with pytest.raises(LinkExpired):
        await download("https://pgshort.aprd.io/old", env.fetcher())
    assert env.server.paths("pg-qr-resource.aprd.io") == []


# --- 포토시그니처 / Photo Signature ----------------------------------------------------------------------


async def test_photosignature_old_folder_with_output_mp4_fallback(env: BoothEnv) -> None:
    host = "photoqr3.kr"
    folder = "/R/dsshop04/210322/011811"
    env.server.bytes_at(host, f"{folder}/a.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at(host, f"{folder}/output.mp4", VIDEO, "video/mp4")

    result = await download(f"http://{host}{folder}/index.html", env.fetcher())

    assert result.brand.id == "photosignature"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.paths(host) == [f"{folder}/a.jpg", f"{folder}/video.mp4", f"{folder}/output.mp4"]


async def test_photosignature_viewer_fragment_to_cdn(env: BoothEnv) -> None:
    cdn = "photosignature-asset-cdn.photosignature.workers.dev"
    env.server.bytes_at(cdn, "/sessions/s3ss10n-42/final.jpg", PHOTO, "image/jpeg")

    result = await download("https://photosignature-viewer.web.app/#/view/s3ss10n-42", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert result.videos == []


async def test_photosignature_code_variant(env: BoothEnv) -> None:
    cdn = "photosignature-asset-cdn.photosignature.workers.dev"
    env.server.bytes_at(cdn, "/sessions/abcDEF123/final.jpg", PHOTO2, "image/jpeg")
    result = await download("https://imagenetworks.web.app/v/abcDEF123", env.fetcher())
    assert [p.data for p in result.photos] == [PHOTO2]


# --- 모노맨션 / Mono Mansion -----------------------------------------------------------------------------


def _download_php(data_by_type: dict[str, bytes]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        data = data_by_type.get(request.query.get("type", ""))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="text/html")  # wrong header on purpose: we sniff

    return handler


async def test_monomansion_old_download_php(env: BoothEnv) -> None:
    env.server.html_at(
        "monomansion.net",
        "/api/index.php",
        '<a href="./download.php?qrcode=MM123&amp;type=P">사진</a>'
        '<a href="./download.php?qrcode=MM123&amp;type=V">영상</a>',
    )
    env.server.route("monomansion.net", "/api/download.php", _download_php({"P": PHOTO, "V": VIDEO}))

    result = await download("https://monomansion.net/api/index.php?qrcode=MM123", env.fetcher())

    assert result.brand.id == "monomansion"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]


async def test_monomansion_new_ncloud_complete_and_data_url_videos(env: BoothEnv) -> None:
    ncloud = "kr.object.ncloudstorage.com"
    env.server.html_at(
        "qr.mono-mansion.com",
        "/v/8812",
        f'<a href="https://{ncloud}/mono/8812/thumb.jpg">미리보기</a>'
        f'<a href="https://{ncloud}/mono/8812/8812_COMPLETE.jpg?x=1&amp;y=2">사진 저장</a>'
        f'<button data-url="https://{ncloud}/mono/8812/video.mp4">영상</button>',
    )
    env.server.bytes_at(ncloud, "/mono/8812/8812_COMPLETE.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at(ncloud, "/mono/8812/thumb.jpg", PHOTO2, "image/jpeg")
    env.server.bytes_at(ncloud, "/mono/8812/video.mp4", VIDEO, "video/mp4")

    result = await download("https://qr.mono-mansion.com/v/8812", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.hits(ncloud, "/mono/8812/thumb.jpg") == 0


# --- download.php family, picdot transaction, pixpixlink -------------------------------------------------


async def test_download_php_family_builds_next_to_page(env: BoothEnv) -> None:
    env.server.html_at("thefilmadmin.co.kr", "/api/index.html", "<html><body>The Film</body></html>")
    env.server.route("thefilmadmin.co.kr", "/api/download.php", _download_php({"P": PHOTO, "V": VIDEO}))

    result = await download("https://thefilmadmin.co.kr/api/index.html?qrcode=TF77", env.fetcher())

    assert result.brand.id == "thefilm"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    queries = [r.query for r in env.server.requests if r.path == "/api/download.php"]
    assert queries == ["qrcode=TF77&type=P", "qrcode=TF77&type=V"]


async def test_picdot_transaction_api(env: BoothEnv) -> None:
    env.server.route(
        "api.picdot.co.kr",
        "/api/v1/transaction/qr/file/tx42",
        _json(
            {
                "data": {
                    "pathList": [{"path": "https://cdn.picdot.co.kr/tx42/photo.png"}],
                    "video": {"path": "https://cdn.picdot.co.kr/tx42/video.mp4"},
                    "timeVideo": {"path": "https://cdn.picdot.co.kr/tx42/time.mp4"},
                }
            }
        ),
    )
    picture = png(9)
    env.server.bytes_at("cdn.picdot.co.kr", "/tx42/photo.png", picture)
    env.server.bytes_at("cdn.picdot.co.kr", "/tx42/video.mp4", VIDEO)
    env.server.bytes_at("cdn.picdot.co.kr", "/tx42/time.mp4", VIDEO2)

    result = await download("https://picdot.co.kr?transactionUid=tx42", env.fetcher())

    assert result.brand.id == "picdot"
    assert [(p.data, p.mime) for p in result.photos] == [(picture, "image/png")]
    assert len(result.videos) == 2


def _json(payload: dict) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(text=json.dumps(payload), content_type="application/json")

    return handler


async def test_pixpixlink_take_paths(env: BoothEnv) -> None:
    env.server.bytes_at("t.pixpixlink.com", "/t/T4797/SoaVlwvw.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at("t.pixpixlink.com", "/t/T4797/SoaVlwvw.mp4", VIDEO, "video/mp4")

    result = await download("https://t.pixpixlink.com/g4?d=T4797&i=SoaVlwvw", env.fetcher())

    assert result.brand.id == "pixpixlink"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.paths() == ["/t/T4797/SoaVlwvw.jpg", "/t/T4797/SoaVlwvw.mp4"]


# --- Don't Look Up and the generic fallback --------------------------------------------------------------


async def test_dontlookup_delete_redirect_is_expired(env: BoothEnv) -> None:
    env.server.redirect("x.dontlxxkup.kr", "/a/Zx81", "https://x.dontlxxkup.kr/a/Zx81/delete")
    env.server.html_at("x.dontlxxkup.kr", "/a/Zx81/delete", "<p>삭제된 사진입니다</p>")
    with pytest.raises(LinkExpired):
        await download("https://x.dontlxxkup.kr/a/Zx81", env.fetcher())


async def test_dontlookup_first_two_links(env: BoothEnv) -> None:
    env.server.html_at(
        "x.dontlxxkup.kr",
        "/a/Qw12",
        '<a href="/files/Qw12/photo">사진</a><a href="/files/Qw12/movie">영상</a>',
    )
    env.server.bytes_at("x.dontlxxkup.kr", "/files/Qw12/photo", PHOTO)
    env.server.bytes_at("x.dontlxxkup.kr", "/files/Qw12/movie", VIDEO)

    result = await download("https://x.dontlxxkup.kr/a/Qw12", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]


async def test_unknown_booth_with_og_image_and_video_source(env: BoothEnv) -> None:
    host = "qr.newbooth.example"
    env.server.html_at(
        host,
        "/p/77",
        '<html><head><meta property="og:image" content="/media/77/full.jpg"></head><body>'
        '<img src="/static/logo.png"><video poster="/media/77/full.jpg"><source src="/media/77/clip.mp4">'
        "</video></body></html>",
    )
    env.server.bytes_at(host, "/media/77/full.jpg", PHOTO, "image/jpeg")
    env.server.bytes_at(host, "/media/77/clip.mp4", VIDEO, "video/mp4")

    result = await download(f"https://{host}/p/77", env.fetcher())

    assert result.brand.id == "unknown"
    assert [p.data for p in result.photos] == [PHOTO]
    assert [v.data for v in result.videos] == [VIDEO]
    assert env.server.hits(host, "/static/logo.png") == 0


async def test_unknown_booth_download_link_through_second_page(env: BoothEnv) -> None:
    host = "booth.example.kr"
    env.server.html_at(host, "/qr/1", '<a class="btn-download" href="/qr/1/download">이미지 받기</a>')
    env.server.html_at(host, "/qr/1/download", '<picture><source srcset="/i/s.webp 480w, /i/l.jpg 1920w"></picture>')
    env.server.bytes_at(host, "/i/l.jpg", PHOTO, "image/jpeg")

    result = await download(f"https://{host}/qr/1", env.fetcher())

    assert [p.data for p in result.photos] == [PHOTO]
    assert env.server.hits(host, "/i/s.webp") == 0


async def test_unknown_booth_json_body_and_direct_image(env: BoothEnv) -> None:
    host = "api.booth.example.kr"
    env.server.route(host, "/share/9", _json({"result": {"image": f"https://{host}/f/9.jpg"}}))
    env.server.bytes_at(host, "/f/9.jpg", PHOTO, "text/plain")
    env.server.bytes_at(host, "/direct.bin", PHOTO2, "application/octet-stream")

    fetcher = env.fetcher()
    assert [p.data for p in (await download(f"https://{host}/share/9", fetcher)).photos] == [PHOTO]
    assert [p.data for p in (await download(f"https://{host}/direct.bin", fetcher)).photos] == [PHOTO2]


async def test_unknown_booth_page_without_media(env: BoothEnv) -> None:
    env.server.html_at("booth.example.kr", "/empty", "<html><body><p>준비 중</p></body></html>")
    with pytest.raises(NotMedia):
        await download("https://booth.example.kr/empty", env.fetcher())


async def test_unknown_booth_deleted_image_is_expired(env: BoothEnv) -> None:
    env.server.html_at("booth.example.kr", "/gone", '<meta property="og:image" content="/f/gone.jpg">')
    env.server.route("booth.example.kr", "/f/gone.jpg", _status(403))
    with pytest.raises(LinkExpired):
        await download("https://booth.example.kr/gone", env.fetcher())
