"""QR payloads and booth URLs: what a stranger's QR code or pasted link makes the bot connect to. `check_url` must
refuse every scheme but http(s), credentials, and every literal, numeric or local host (a result is checked again
by the operating system's own, more lenient reading of the host); the resolver must refuse every non-public DNS
answer, however it is spelled; `find_urls` must never raise and only return URLs it can parse."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import Iterator
from typing import Any

from yarl import URL

from booths import SafeFetcher
from booths.errors import UnsafeUrl
from booths.fetch import PolicyResolver
from booths.html import absolute, base_url, largest_srcset, parse_html
from booths.netpolicy import is_public, parse_ip
from booths.urls import find_urls, identify
from evals.fuzzing.mutate import ODD_CHARACTERS, mutate_text
from evals.fuzzing.run import Outcome, Target

SCHEMES = ["http", "https", "HTTPS", "hTtP", "ftp", "file", "gopher", "javascript", "data", "ws", "", "http:", "//"]
USERINFO = ["", "", "", "user@", "user:pass@", "@", "a@b@", "photoism.co.kr@", "%40@"]
HOSTS = [
    "photoism.co.kr",
    "qr.seobuk.kr",
    "booth.example.com",
    "8.8.8.8",
    "[2001:4860:4860::8888]",
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0x7f.1",
    "0",
    "0.0.0.0",
    "1.1.1.1.",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b:1::1]",
    "[2002:7f00:1::]",
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    "[fe80::1%25eth0]",
    "[fc00::1]",
    "localhost",
    "localhost.",
    "LOCALHOST",
    "ｌｏｃａｌｈｏｓｔ",
    "169.254.169.254",
    "metadata.google.internal",
    "10.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "xn--fiqs8s.com",
    "例え.テスト",
    "xn--.com",
    "a." * 130 + "com",
    "-bad-.com",
    "under_score.com",
    "127.0.0.1.nip.io",
]
PORTS = ["", "", ":80", ":443", ":0", ":65536", ":-1", ":99999999", ":http", ":8080"]
PATHS = ["/", "/s/8ijZsg_", "/" + "a" * 5000, "/%00", "/..%2f..", "?x=http://127.0.0.1", "#@127.0.0.1", "\\@127.0.0.1"]


def hostile_url(rng: random.Random) -> str:
    url = f"{rng.choice(SCHEMES)}://{rng.choice(USERINFO)}{rng.choice(HOSTS)}{rng.choice(PORTS)}{rng.choice(PATHS)}"
    return mutate_text(url, rng) if rng.random() < 0.3 else url


def url_cases(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        yield hostile_url(rng)


def _os_reads_as_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address the C library would connect to for a literal host (inet_aton takes "127.1", "0x7f.1", octal)."""
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        pass
    try:
        info = socket.getaddrinfo(host.strip("[]"), None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return None
    return parse_ip(str(info[0][4][0]))


def check_url(url: str) -> Outcome:
    parsed = SafeFetcher().check_url(url)
    assert parsed.scheme in ("http", "https"), parsed.scheme
    assert parsed.raw_host, "no host"
    assert not parsed.user and not parsed.password, "credentials passed"
    address = _os_reads_as_address(parsed.raw_host)
    assert address is None or is_public(address), f"{parsed.raw_host} is {address} to the operating system"
    return Outcome.result


def text_cases(rng: random.Random, n: int) -> Iterator[tuple[str, bool]]:
    for _ in range(n):
        words = [
            hostile_url(rng) if rng.random() < 0.5 else rng.choice(ODD_CHARACTERS) for _ in range(rng.randint(1, 5))
        ]
        yield rng.choice(["", " ", "\n", ")", "。"]).join(words), rng.random() < 0.5


def check_text(case: tuple[str, bool]) -> Outcome:
    text, include_unknown = case
    found = find_urls(text, include_unknown=include_unknown)
    for url in found:
        parsed = URL(url)
        assert parsed.scheme in ("http", "https") and parsed.host, url
        assert include_unknown or identify(url) is not None, f"{url} is no booth's"
    return Outcome.result if found else Outcome.refused


ADDRESSES = [
    "8.8.8.8",
    "2001:4860:4860::8888",
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "169.254.169.254",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "64:ff9b::a00:1",
    "64:ff9b:1::8.8.8.8",
    "2002:c0a8:101::",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "fe80::1%eth0",
    "fd00::1",
    "100.64.1.1",
    "198.18.0.1",
    "240.0.0.1",
    "not-an-address",
    "",
    "2130706433",
]


class _Answers:
    """A DNS that answers what the case says."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [
            {"hostname": host, "host": a, "port": port, "family": family, "proto": 0, "flags": 0}
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


def resolver_cases(rng: random.Random, n: int) -> Iterator[tuple[str, list[str]]]:
    for _ in range(n):
        yield rng.choice(HOSTS).strip("[]"), rng.sample(ADDRESSES, rng.randint(1, 3))


def check_resolver(case: tuple[str, list[str]]) -> Outcome:
    host, addresses = case
    resolver = PolicyResolver(_Answers(addresses), {}, allow_loopback=False)  # type: ignore[arg-type]
    answers = asyncio.run(resolver.resolve(host, 443))
    for answer in answers:
        address = parse_ip(answer["host"])
        assert address is not None and is_public(address), f"connects to {answer['host']}"
    return Outcome.result


PAGE_SEEDS = (
    '<html><head><base href="{url}"></head><body><a href="{url}">x</a><img src="{url}" srcset="{url} 2x, a.jpg 1x">'
    '<video><source src="{url}"></video></body></html>',
    "<div>" * 3000 + '<a href="{url}">deep</a>' + "</div>" * 3000,
    '<a href="{url}"><b><i><a href="{url}"></b></i>' * 50,
    "<!doctype html><meta http-equiv=refresh content='0;url={url}'><script>location='{url}'</script>",
)
PAGE_URL = URL("https://photoism.co.kr/s/8ijZsg_")


def page_cases(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        page = rng.choice(PAGE_SEEDS).replace("{url}", hostile_url(rng))
        yield mutate_text(page, rng) if rng.random() < 0.5 else page


def check_page(text: str) -> Outcome:
    """A booth page as the brand modules read it: every link resolved against the page (or its <base>)."""
    root = parse_html(text)
    base = base_url(root, PAGE_URL)
    root.text()
    for element in root.iter():
        for name in ("href", "src", "srcset", "content"):
            value = element.get(name)
            link = absolute(base, largest_srcset(value) if name == "srcset" else value)
            assert link is None or link.scheme in ("http", "https"), link
    return Outcome.result


TARGETS = (
    Target("urls.check", url_cases, check_url, (UnsafeUrl,)),
    Target("urls.find", text_cases, check_text, ()),
    Target("urls.resolve", resolver_cases, check_resolver, (OSError,)),
    Target("urls.page", page_cases, check_page, ()),
)
