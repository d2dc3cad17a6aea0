"""A small, forgiving HTML tree on top of html.parser, with the few queries the extractors need."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from yarl import URL

from booths.hosts import parse_url

_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    @property
    def id(self) -> str:
        return self.attrs.get("id", "")

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return " ".join(part for part in self._text_parts() if part).strip()

    def _text_parts(self) -> Iterator[str]:
        yield from (t.strip() for t in self.texts)
        for element in self.iter():
            yield from (t.strip() for t in element.texts)

    def iter(self, *tags: str) -> Iterator[Element]:
        """Descendants in document order, optionally only the given tags. A loop, not recursion: a hostile page
        nests thousands of elements deep."""
        stack = list(reversed(self.children))
        while stack:
            element = stack.pop()
            if not tags or element.tag in tags:
                yield element
            stack.extend(reversed(element.children))

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def find_id(self, element_id: str) -> Element | None:
        return next((e for e in self.iter() if e.id == element_id), None)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._stack: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v or "") for k, v in attrs}, parent=self._stack[-1])
        self._stack[-1].children.append(element)
        if tag not in _VOID:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v or "") for k, v in attrs}, parent=self._stack[-1])
        self._stack[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].texts.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def base_url(root: Element, page_url: URL) -> URL:
    """The URL relative links resolve against (honours <base href>)."""
    base = next((e for e in root.iter("base") if e.get("href")), None)
    if base is None:
        return page_url
    try:
        return page_url.join(parse_url(base.get("href").strip()))
    except ValueError:
        return page_url


def absolute(base: URL, href: str) -> URL | None:
    """`href` resolved against `base`, or None for empty, javascript:, data: and malformed links."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "data:", "mailto:", "tel:")):
        return None
    try:
        joined = base.join(parse_url(href))
        host = joined.host  # decoded lazily: an invalid IDNA label ("xn--.com") raises only here
    except ValueError:
        return None
    return joined if joined.scheme in ("http", "https") and host else None


def largest_srcset(srcset: str) -> str:
    """The candidate with the largest width/density descriptor in a srcset attribute."""
    best, best_size = "", -1.0
    for candidate in srcset.split(","):
        parts = candidate.strip().split()
        if not parts:
            continue
        size = 1.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1])
        if size > best_size:
            best, best_size = parts[0], size
    return best
