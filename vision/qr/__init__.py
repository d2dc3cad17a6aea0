"""QR codes in phone photos: a cascade of decoders (``cascade``) over regions, variants, a model-based reader
(``model``), soft-decision error correction (``soft``) and deblurring, with the code's spec tables (``spec``)."""

from vision.qr.cascade import BACKENDS, QrCode, decode_qr, decode_single, to_grey
from vision.qr.model import Alignment, read_alignment, render, symbol_corners

__all__ = [
    "BACKENDS",
    "Alignment",
    "QrCode",
    "decode_qr",
    "decode_single",
    "read_alignment",
    "render",
    "symbol_corners",
    "to_grey",
]
