"""Which links Telegram accepts, for text links and URL buttons (the checks of TDLib's link manager).

A link is http or https (http when no scheme is written) with a host that has a dot, or a ``tg://`` (``ton://``,
``tonsite://``) link without user info or port. Anything else — ``ftp://``, ``javascript:``, ``file://``, a bare
``localhost`` — is refused with the reason Telegram gives. Text links that fail are dropped silently; URL buttons
that fail are an error (see validation.py).
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass

_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_URL_PART_EXTRA = frozenset(".-_!$,~*'();&+=")
_HEX = frozenset(string.hexdigits)
_INTERNAL_SCHEMES = ("tg:", "ton:", "tonsite:")


@dataclass(frozen=True)
class _Url:
    https: bool
    userinfo: str
    host: str
    is_ipv6: bool
    specified_port: int


class LinkError(ValueError):
    """The reason Telegram gives for refusing a link, e.g. ``Wrong HTTP URL``."""


def link_problem(link: str) -> str | None:
    """None when Telegram accepts ``link``, else its reason for refusing it."""
    try:
        _check_link(link)
    except LinkError as error:
        return str(error)
    return None


def _check_link(link: str) -> None:
    lowered = link.lower()
    scheme = next((name for name in _INTERNAL_SCHEMES if lowered.startswith(name)), None)
    rest = link[len(scheme) :] if scheme else link
    if scheme and rest.startswith("//"):
        rest = rest[2:]
    url = _parse_url(rest)
    if scheme is None:
        if "." not in url.host and not url.is_ipv6:
            raise LinkError("Wrong HTTP URL")
        return
    if rest.lower().startswith("http://") or url.https or url.userinfo or url.specified_port or url.is_ipv6:
        raise LinkError("Wrong tg URL" if scheme == "tg:" else "Wrong ton URL")
    for char in url.host:
        if char not in _ASCII_ALNUM and char not in "-_" and not (scheme == "tonsite:" and char == "."):
            raise LinkError("Unallowed characters in URL host")


def _parse_url(url: str) -> _Url:
    """``[http(s)://][userinfo@]host[:port][/path?query#fragment]``, as TDLib's parse_url reads it."""
    prefix_end = next((i for i, char in enumerate(url) if char in ":/?#@[]"), len(url))
    https = False
    rest = url
    if url.startswith("://", prefix_end):
        protocol = url[:prefix_end].lower()
        if protocol not in ("http", "https"):
            raise LinkError("Unsupported URL protocol")
        https = protocol == "https"
        rest = url[prefix_end + 3 :]
    authority_end = next((i for i, char in enumerate(rest) if char in "/?#"), len(rest))
    authority = rest[:authority_end]
    userinfo_host, port = _split_port(authority)
    userinfo, _, host = userinfo_host.rpartition("@")
    is_ipv6 = host.startswith("[") and host.endswith("]") and len(host) > 1
    if is_ipv6:
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise LinkError("Wrong IPv6 address specified in the URL") from None
    if not host:
        raise LinkError("URL host is empty")
    if host == ".":
        raise LinkError("Host is invalid")
    if not is_ipv6:
        _check_url_part(host.lower(), "host", allow_colon=False)
        _check_url_part(userinfo, "userinfo", allow_colon=True)
    return _Url(https, userinfo, host.lower(), is_ipv6, port)


def _split_port(authority: str) -> tuple[str, int]:
    """Split ``userinfo@host:port``; the port is 0 when none is given, a bad port is an error."""
    index = len(authority) - 1
    while index > 0 and authority[index] not in ":]@":
        index -= 1
    if index <= 0 or authority[index] != ":":
        return authority, 0
    digits = authority[index + 1 :]
    while len(digits) > 1 and digits[0] == "0":
        digits = digits[1:]
    port = int(digits) if digits.isascii() and digits.isdigit() else 0
    if port <= 0 or port > 65535:
        raise LinkError("Wrong port number specified in the URL")
    return authority[:index], port


def _check_url_part(part: str, name: str, *, allow_colon: bool) -> None:
    index = 0
    while index < len(part):
        char = part[index]
        if char in _ASCII_ALNUM or char in _URL_PART_EXTRA or (allow_colon and char == ":") or ord(char) >= 128:
            index += 1
            continue
        if char == "%":
            if part[index + 1 : index + 2] in _HEX and part[index + 2 : index + 3] in _HEX:
                index += 3
                continue
            raise LinkError(f"Wrong percent-encoded symbol in URL {name}")
        raise LinkError(f"Disallowed character in URL {name}")
