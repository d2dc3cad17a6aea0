"""Functions that run in the worker processes (pipeline.workers.CpuPool): bytes in, small picklable results out."""

from __future__ import annotations

from dataclasses import dataclass

import cv2

from vision.images import ImageInfo, probe_and_load_rgb, probe_image
from vision.qr import decode_qr


@dataclass(frozen=True)
class UploadScan:
    info: ImageInfo
    qr_texts: tuple[str, ...]


def scan_upload(data: bytes, max_pixels: int) -> UploadScan:
    """Validate an uploaded picture and read every QR code in it (raises vision.images.ImageRejected)."""
    info, rgb = probe_and_load_rgb(data, max_pixels)
    # Grey straight from RGB: the same pixels as the decoders' own BGR conversion, without a reordered copy first.
    codes = decode_qr(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    return UploadScan(info=info, qr_texts=tuple(dict.fromkeys(code.text for code in codes)))


def check_image(data: bytes, max_pixels: int) -> ImageInfo:
    return probe_image(data, max_pixels)
