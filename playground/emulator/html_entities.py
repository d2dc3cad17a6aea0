"""Telegram's parse_mode=HTML: the tag subset, error texts and UTF-16 entity offsets of the Bot API.

Follows the behaviour of TDLib's HTML parser: any ``<`` opens a tag; only ``&lt; &gt; &amp; &quot;`` (case
sensitive), decimal ``&#65`` and lower-case hex ``&#x41`` references are decoded, each with an optional ``;``; any
other ``&`` stays as it is (``&#X41;``, ``&nbsp;``); offsets in errors are UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playground.emulator.errors import ApiError, bad_request
from playground.emulator.links import link_problem

SUPPORTED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "tg-emoji", "span"}
    | {"pre", "code", "blockquote"}
)
_TAG_TO_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_DECIMAL_REFERENCE = re.compile(r"&#([0-9]*)")
_HEX_REFERENCE = re.compile(r"&#x([0-9a-fA-F]*)")
_NAMED_REFERENCE = re.compile(r"&([a-zA-Z]*)")
_MAX_NUMERIC_REFERENCE = 10  # "&#" and its digits: TDLib ignores references of 10 or more characters
_SURROGATES = re.compile("[\ud800-\udfff]")
_SPACES = " \t\n\r\f\v"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def entities_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    attributes: dict[str, str] = field(default_factory=dict)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def char_at(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16_offset += utf16_len(text)

    def decode_reference(self, index: int) -> tuple[str, int] | None:
        """The character an ``&`` reference at ``index`` stands for and where it ends, or None (kept literally)."""
        hexadecimal = _HEX_REFERENCE.match(self.src, index)
        numeric = hexadecimal or _DECIMAL_REFERENCE.match(self.src, index)
        if numeric is not None:
            digits = numeric.group(1)
            code_point = int(digits, 16 if hexadecimal else 10) if digits else 0
            if code_point == 0 or code_point >= 0x10FFFF or numeric.end() - index >= _MAX_NUMERIC_REFERENCE:
                return None
            decoded, end = chr(code_point), numeric.end()
        else:
            named = _NAMED_REFERENCE.match(self.src, index)
            character = _NAMED_ENTITIES.get(named.group(1)) if named else None
            if named is None or character is None:
                return None
            decoded, end = character, named.end()
        return decoded, end + 1 if self.char_at(end) == ";" else end

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        index = 0
        while index < len(self.src):
            char = self.src[index]
            if char == "&":
                decoded = self.decode_reference(index)
                if decoded is not None:
                    self.emit(decoded[0])
                    index = decoded[1]
                    continue
            if char != "<":
                self.emit(char)
                index += 1
                continue
            index = self.close_tag(index) if self.char_at(index + 1) == "/" else self.open_tag(index)
        if self.open_tags:
            raise entities_error(f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1].name}"')
        text = "".join(self.out)
        if _SURROGATES.search(text):
            raise entities_error(
                "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
                "surrogate code units"
            )
        return text, self.entities

    def open_tag(self, begin: int) -> int:
        index = begin + 1
        while index < len(self.src) and self.src[index] not in _SPACES and self.src[index] != ">":
            index += 1
        if index >= len(self.src):
            raise entities_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.src[begin + 1 : index].lower()
        if name not in SUPPORTED_TAGS:
            raise entities_error(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        attributes: dict[str, str] = {}
        while self.char_at(index) != ">":
            while self.char_at(index) and self.src[index] in _SPACES:
                index += 1
            if self.char_at(index) == ">":
                break
            if not self.char_at(index):
                raise entities_error(f'Unclosed start tag "{name}" at byte offset {self.byte_offset(begin)}')
            attribute_begin = index
            while self.char_at(index) and self.src[index] not in _SPACES and self.src[index] not in "=>":
                index += 1
            attribute = self.src[attribute_begin:index]
            if not attribute:
                raise entities_error(
                    f'Empty attribute name in the tag "{name}" at byte offset {self.byte_offset(begin)}'
                )
            while self.char_at(index) and self.src[index] in _SPACES:
                index += 1
            if self.char_at(index) != "=":
                if name == "blockquote" and attribute == "expandable":
                    attributes[attribute] = ""
                    continue
                raise entities_error(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            index += 1
            while self.char_at(index) and self.src[index] in _SPACES:
                index += 1
            if not self.char_at(index):
                raise entities_error(f'Unclosed start tag "{name}" at byte offset {self.byte_offset(begin)}')
            value, index = self.attribute_value(index, begin)
            attributes[attribute] = value
        self.open_tags.append(_OpenTag(name, _tag_argument(name, attributes, begin, self), self.utf16_offset))
        self.open_tags[-1].attributes = attributes
        return index + 1

    def attribute_value(self, index: int, tag_begin: int) -> tuple[str, int]:
        quote = self.src[index]
        if quote not in "'\"":
            token_begin = index
            while self.char_at(index) and (self.src[index].isalnum() or self.src[index] in ".-"):
                index += 1
            if self.char_at(index) not in (*tuple(_SPACES), ">"):
                raise entities_error(f"Unexpected end of name token at byte offset {self.byte_offset(token_begin)}")
            return self.src[token_begin:index].lower(), index
        index += 1
        value: list[str] = []
        while self.char_at(index) and self.src[index] != quote:
            if self.src[index] == "&":
                decoded = self.decode_reference(index)
                if decoded is not None:
                    value.append(decoded[0])
                    index = decoded[1]
                    continue
            value.append(self.src[index])
            index += 1
        if self.char_at(index) != quote:
            raise entities_error(f"Unclosed start tag at byte offset {self.byte_offset(tag_begin)}")
        return "".join(value), index + 1

    def close_tag(self, begin: int) -> int:
        if not self.open_tags:
            raise entities_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        index = begin + 2
        while index < len(self.src) and self.src[index] not in _SPACES and self.src[index] != ">":
            index += 1
        end_name = self.src[begin + 2 : index].lower()
        while index < len(self.src) and self.src[index] in _SPACES:
            index += 1
        if self.char_at(index) != ">":
            raise entities_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        tag = self.open_tags[-1]
        if end_name and end_name != tag.name:
            raise entities_error(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self.open_tags.pop()
        if self.utf16_offset > tag.utf16_offset:
            self.add_entity(tag)
        return index + 1

    def add_entity(self, tag: _OpenTag) -> None:
        length = self.utf16_offset - tag.utf16_offset
        entity: dict[str, Any] = {
            "type": _TAG_TO_ENTITY[tag.name],
            "offset": tag.utf16_offset,
            "length": length,
        }
        if tag.name == "a":
            url = tag.argument or _text_of_last(self.out, length)
            if url.startswith("tg://user?id="):
                entity = {
                    **entity,
                    "type": "text_mention",
                    "user": mentioned_user(url, _text_of_last(self.out, length)),
                }
            elif link_problem(url) is not None:
                return  # Telegram silently drops links it does not accept
            else:
                entity["url"] = url
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and "expandable" in tag.attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code" and tag.argument:
            pre = self.open_tags[-1] if self.open_tags else None
            if pre is not None and pre.name == "pre" and pre.utf16_offset == tag.utf16_offset:
                pre.argument = tag.argument  # <pre><code class="language-x"> is one pre entity
                return
        elif tag.name == "pre" and tag.argument:
            entity["language"] = tag.argument
        self.entities.append(entity)


def _tag_argument(name: str, attributes: dict[str, str], begin: int, parser: _HtmlParser) -> str:
    if name == "a":
        return attributes.get("href", "")
    if name == "code":
        language = attributes.get("class", "")
        return language.removeprefix("language-") if language.startswith("language-") else ""
    if name == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise entities_error(
                f'Tag "tg-emoji" must have an "emoji-id" attribute at byte offset {parser.byte_offset(begin)}'
            )
        return emoji_id
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {parser.byte_offset(begin)}')
    return ""


def mentioned_user(url: str, text: str) -> dict[str, Any]:
    """The User object Telegram puts in a text_mention entity (PTB cannot parse one without is_bot/first_name)."""
    return {"id": int(url.split("=", 1)[1] or 0), "is_bot": False, "first_name": text or "User"}


def _text_of_last(chunks: list[str], utf16_length: int) -> str:
    encoded = "".join(chunks).encode("utf-16-le", "surrogatepass")
    return encoded[len(encoded) - 2 * utf16_length :].decode("utf-16-le", "surrogatepass")


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Telegram's order: by offset, longer first, and the outer of two equal spans first.

    Inner entities close (and are collected) before outer ones, hence the reversed collection order.
    """
    ordered = sorted(enumerate(entities), key=lambda item: (item[1]["offset"], -item[1]["length"], -item[0]))
    return [entity for _, entity in ordered]


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and its MessageEntity list, or raise ``can't parse entities``."""
    text, entities = _HtmlParser(source).parse()
    return text, sort_entities(entities)
