"""The playground's sample booth (``booth.choosecheese.test``): a booth-like download page that the playground
serves on loopback. ``.test`` is a reserved top-level domain, so the name never reaches a real server; the brand
lets the bot name the sample booth in its answers as it names real ones."""

from __future__ import annotations

from booths.brands.base import BrandHandler
from booths.brands.generic import extract
from booths.hosts import HostRule
from booths.models import Brand

BRAND = Brand("sample", "ChooseCheese sample booth")
HOSTS = HostRule.of(exact={"booth.choosecheese.test"})

HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
