"""Brand registry: one module per booth brand, matched by exact host or allowed subdomain suffix."""

from __future__ import annotations

from yarl import URL

from booths.brands import (
    dontlookup,
    download_php,
    harufilm,
    life4cut,
    monomansion,
    photogray,
    photoism,
    photosignature,
    pixpixlink,
    sample,
)
from booths.brands.base import BrandHandler
from booths.models import UNKNOWN_BRAND, Brand

HANDLERS: tuple[BrandHandler, ...] = (
    *life4cut.HANDLERS,
    *photoism.HANDLERS,
    *harufilm.HANDLERS,
    *photogray.HANDLERS,
    *photosignature.HANDLERS,
    *monomansion.HANDLERS,
    *download_php.HANDLERS,
    *pixpixlink.HANDLERS,
    *dontlookup.HANDLERS,
    *sample.HANDLERS,
)


def handler_for(url: URL) -> BrandHandler | None:
    return next((h for h in HANDLERS if h.matches(url)), None)


def known_brands() -> tuple[Brand, ...]:
    """Every brand a download can report, the unknown one included (each needs a name in the bot's catalogue)."""
    return tuple(dict.fromkeys((*(h.brand for h in HANDLERS), UNKNOWN_BRAND)))
