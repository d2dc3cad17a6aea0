"""The sample booth on loopback: a download page per example code (photo and making-of video), like a booth's."""

from __future__ import annotations

import html

from aiohttp import web

from playground.samples import BOOTH_PATH, example

_PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>ChooseCheese sample booth</title>
<meta property="og:image" content="{photo}">
<style>body{{font-family:sans-serif;background:#fff7e6;text-align:center;margin:2em}}img{{max-height:70vh}}
a.btn-download{{display:inline-block;margin:1em;padding:.6em 1.4em;background:#ffb400;color:#222;border-radius:2em;
text-decoration:none;font-weight:bold}}</style></head>
<body><h1>📸 Sample booth</h1><p>네컷 사진 다운로드 · Download your 4-cut photo ({code})</p>
<img src="{photo}" alt="4-cut photo"><br>
<a class="btn-download" href="{photo}" download>사진 다운로드 · Download photo</a>{video}
<p><small>Made up by the ChooseCheese playground; nothing here is a real booth.</small></p></body></html>
"""
_VIDEO_LINK = '\n<a class="btn-download" href="{video}" download>동영상 다운로드 · Download video</a>'


async def booth_page(request: web.Request) -> web.Response:
    item = example(request.match_info["code"])
    if item is None or not item.live:
        # Booth servers answer 404 once the photo is deleted (booths.fetch.EXPIRED_STATUSES).
        return web.Response(status=404, text="이 사진은 삭제되었어요 · This photo has been deleted")
    photo, video = (f"{BOOTH_PATH}{item.code}/{name}" for name in ("photo.jpg", "video.mp4"))
    video_link = _VIDEO_LINK.format(video=html.escape(video)) if item.video else ""
    page = _PAGE.format(photo=html.escape(photo), video=video_link, code=html.escape(item.code))
    return web.Response(text=page, content_type="text/html")


async def booth_photo(request: web.Request) -> web.Response:
    item = example(request.match_info["code"])
    if item is None or not item.live:
        return web.Response(status=404, text="not found")
    return web.Response(body=item.original, content_type="image/jpeg")


async def booth_video(request: web.Request) -> web.Response:
    item = example(request.match_info["code"])
    if item is None or not item.live or item.video is None:
        return web.Response(status=404, text="not found")
    return web.Response(body=item.video, content_type="video/mp4")


def add_routes(app: web.Application) -> None:
    app.router.add_get(BOOTH_PATH + "{code}", booth_page)
    app.router.add_get(BOOTH_PATH + "{code}/photo.jpg", booth_photo)
    app.router.add_get(BOOTH_PATH + "{code}/video.mp4", booth_video)
