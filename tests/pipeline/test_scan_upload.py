"""The upload scan (a worker task): the picture checked and its QR codes read from one decode."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import segno
from PIL import Image, ImageOps

import vision.images
from pipeline.tasks import scan_upload
from vision.images import ImageInfo, probe_image
from vision.qr import to_grey

LINK = "https://booth.example.test/photo/abc123"


def _photo_with_code() -> bytes:
    """A code printed on a coloured card, EXIF-rotated the way a phone stores a portrait photo."""
    out = io.BytesIO()
    segno.make(LINK, error="m").save(out, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(out.getvalue())).convert("RGB")
    card = Image.new("RGB", (900, 700), (230, 200, 160))
    card.paste(code, (200, 150))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: displayed 700 wide, 900 high
    photo = io.BytesIO()
    card.save(photo, "JPEG", quality=92, exif=exif)
    return photo.getvalue()


def test_the_scan_reads_the_code_and_the_upright_size(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _photo_with_code()
    decodes = []
    real_decode = vision.images._decode

    def counted(image: Image.Image) -> Image.Image:
        decodes.append(image)
        return real_decode(image)

    monkeypatch.setattr(vision.images, "_decode", counted)
    scan = scan_upload(data, 60_000_000)

    assert scan.qr_texts == (LINK,)
    assert scan.info == ImageInfo("image/jpeg", 700, 900)
    assert len(decodes) == 1, "the picture is decoded once for the check and the QR codes"
    assert probe_image(data) == scan.info


def test_the_grey_the_decoders_get_is_their_own_conversion() -> None:
    """scan_upload hands decode_qr grey pixels made from RGB: the same values as its BGR conversion would give."""
    rgb = np.random.default_rng(3).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    assert np.array_equal(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), to_grey(rgb[:, :, ::-1]))


def test_an_upright_rgb_picture_is_not_copied_on_the_way_to_its_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo, "JPEG")
    copies = []
    for name in ("copy", "convert"):
        real = getattr(Image.Image, name)
        monkeypatch.setattr(
            Image.Image,
            name,
            lambda self, *args, _real=real, _name=name, **kwargs: copies.append(_name) or _real(self, *args, **kwargs),
        )
    info, rgb = vision.images.probe_and_load_rgb(photo.getvalue())
    assert (info.width, info.height, rgb.shape) == (64, 48, (48, 64, 3))
    assert copies == []


def test_an_exif_rotated_picture_comes_out_upright() -> None:
    data = _photo_with_code()
    with Image.open(io.BytesIO(data)) as image:
        expected = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    info, rgb = vision.images.probe_and_load_rgb(data)
    assert (info.width, info.height) == (700, 900)
    assert np.array_equal(rgb, expected)
