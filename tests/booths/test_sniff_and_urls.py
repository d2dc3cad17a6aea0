"""Magic-byte sniffing, brand identification by host (no lookalikes) and URL extraction from messages."""

from __future__ import annotations

import pytest

from booths import find_urls, identify
from booths.sniff import sniff
from tests.booths.fixture_server import jpeg, mp4, png


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (jpeg(1)[:64], "image/jpeg"),
        (png(1)[:64], "image/png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
        (mp4(1)[:64], "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "video/quicktime"),
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "video/quicktime"),
    ],
)
def test_sniff_recognises_media(head: bytes, mime: str) -> None:
    found = sniff(head)
    assert found is not None and found.mime == mime


@pytest.mark.parametrize(
    "head", [b"", b"<!doctype html><html>", b"GIF89a\x01\x00", b"%PDF-1.7", b'{"code": 1003}', b"PK\x03\x04"]
)
def test_sniff_rejects_other_bytes(head: bytes) -> None:
    assert sniff(head) is None


@pytest.mark.parametrize(
    ("url", "brand"),
    [
        ("http://l4c01.lifejuin.biz/QRImage/20230606/SEL.MPO.YEONNAM02/161723678/index.html", "life4cut"),
        ("https://life4cut-l4c01.s3-accelerate.amazonaws.com/QRImage/x/index.html", "life4cut"),
        ("https://api.life4cut.net/abc", "life4cut"),
        ("https://qr.seobuk.kr/s/8ijZsg_", "photoism"),
        ("HTTPS://QR.SEOBUK.KR./s/8ijZsg_", "photoism"),
        ("http://haru1.mx2.co.kr/@HA006XEb7Nh", "harufilm"),
        ("http://haru.mx2.co.kr/@HA006XEb7Nh", "harufilm"),
        ("http://studio808.mx2.co.kr/@X1", "harufilm"),
        ("https://pgshort.aprd.io/abc", "photogray"),
        ("http://photoqr.kr/R/dsshop04/210322/011811/index.html", "photosignature"),
        ("http://photoqr3.kr/R/x/index.html", "photosignature"),
        ("https://photosignature-viewer.web.app/#/view/abc", "photosignature"),
        ("https://www.monomansion.net/api/?qrcode=1", "monomansion"),
        ("https://qr.mono-mansion.com/v/1", "monomansion"),
        ("https://picdot.kr/api/?qrcode=1", "picdot"),
        ("https://photoive.kr/api/?qrcode=1", "photoive"),
        ("https://t.pixpixlink.com/g4?d=T4797&i=SoaVlwvw", "pixpixlink"),
        ("https://x.dontlxxkup.kr/a/1", "dontlookup"),
    ],
)
def test_identify_brands(url: str, brand: str) -> None:
    found = identify(url)
    assert found is not None and found.id == brand
    assert found.name, "a plain name for the logs"


@pytest.mark.parametrize(
    "url",
    [
        "https://qr.seobuk.kr.evil.com/s/8ijZsg_",
        "https://evilseobuk.kr/s/8ijZsg_",
        "https://seobuk.kr.attacker.net/",
        "https://evil.com/qr.seobuk.kr/s/abc",
        "https://evil.com/?u=https://qr.seobuk.kr/s/abc",
        "http://haru1.mx2.co.kr.evil.com/@x",
        "http://xharu1.mx2.co.kr/@x",
        "http://photoqr3.kr.evil.com/R/x",
        "https://notpixpixlink.com/g4?d=1&i=2",
        "https://pgshort.aprd.io.evil.com/x",
        "https://evil-aprd.io/x",
        "https://life4cut.net.evil.com/x",
        "https://s3.amazonaws.com/life4cut-l4c01/x",
        "ftp://qr.seobuk.kr/s/abc",
        "not a url",
    ],
)
def test_identify_rejects_lookalikes(url: str) -> None:
    assert identify(url) is None


def test_find_urls_in_a_message() -> None:
    text = (
        "오늘 찍은 거!! https://qr.seobuk.kr/s/IMfkz6. 그리고 (https://pgshort.aprd.io/x1Y2z3), "
        "하루필름은 haru1.mx2.co.kr/@HA006XEb7Nh 여기. 다시 https://qr.seobuk.kr/s/IMfkz6. "
        "광고 https://shop.example.com/item?id=3 와 qr.seobuk.kr.evil.com/s/abc"
    )
    assert find_urls(text) == [
        "https://qr.seobuk.kr/s/IMfkz6.",
        "https://pgshort.aprd.io/x1Y2z3",
        "http://haru1.mx2.co.kr/@HA006XEb7Nh",
    ]
    assert "https://shop.example.com/item?id=3" in find_urls(text, include_unknown=True)


def test_find_urls_keeps_photoism_codes_and_trims_prose() -> None:
    assert find_urls("https://qr.seobuk.kr/s/RQ1Tl~L~ 이거") == ["https://qr.seobuk.kr/s/RQ1Tl~L"]
    assert find_urls("https://qr.seobuk.kr/s/8ijZsg_!") == ["https://qr.seobuk.kr/s/8ijZsg_"]
    assert find_urls("see https://t.pixpixlink.com/g4?d=T4797&i=SoaVlwvw.") == [
        "https://t.pixpixlink.com/g4?d=T4797&i=SoaVlwvw"
    ]
    assert find_urls("nothing here") == []
