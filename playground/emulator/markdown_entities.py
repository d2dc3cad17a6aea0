"""parse_mode=MarkdownV2 and legacy Markdown, with Telegram's reserved-character and unclosed errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.emulator.html_entities import entities_error, mentioned_user, sort_entities, utf16_len
from playground.emulator.links import link_problem

RESERVED_V2 = "_*[]()~`>#+-=|{}.!"
_V2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V1_MARKERS = {"*": "bold", "_": "italic"}
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


@dataclass
class _Open:
    kind: str
    marker: str
    utf16_offset: int
    byte_offset: int


class _MarkdownParser:
    def __init__(self, source: str, version: int) -> None:
        self.src = source
        self.version = version
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def marker_at(self, index: int) -> str | None:
        markers = _V2_MARKERS if self.version == 2 else _V1_MARKERS
        for marker in sorted(markers, key=len, reverse=True):
            if self.src.startswith(marker, index):
                if marker == "__" and self.stack and self.stack[-1].marker == "_":
                    return "_"  # "_italic__" closes the italic first
                return marker
        return None

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        index = 0
        while index < len(self.src):
            char = self.src[index]
            if char == "\\" and index + 1 < len(self.src) and (self.version == 2 or self.src[index + 1] in "_*`["):
                self.emit(self.src[index + 1])
                index += 2
                continue
            if char == "`":
                index = self.code(index)
                continue
            if char == "[":
                self.stack.append(_Open("text_link", "[", self.utf16, self.byte_offset(index)))
                index += 1
                continue
            if char == "]" and self.stack and self.stack[-1].kind == "text_link":
                index = self.close_link(index)
                continue
            marker = self.marker_at(index)
            if marker is not None:
                if self.stack and self.stack[-1].marker == marker:
                    self.close(self.stack.pop())
                else:
                    self.stack.append(
                        _Open(_markers(self.version)[marker], marker, self.utf16, self.byte_offset(index))
                    )
                index += len(marker)
                continue
            if self.version == 2 and char in RESERVED_V2:
                raise entities_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
            self.emit(char)
            index += 1
        if self.stack:
            raise self.unclosed(self.stack[-1])
        return "".join(self.out), self.entities

    def unclosed(self, entity: _Open) -> Exception:
        if self.version == 1:
            return entities_error(f"Can't find end of the entity starting at byte offset {entity.byte_offset}")
        return entities_error(
            f"Can't find end of {_ENTITY_NAMES[entity.kind]} entity at byte offset {entity.byte_offset}"
        )

    def close(self, entity: _Open, **extra: Any) -> None:
        if self.utf16 > entity.utf16_offset:
            self.entities.append(
                {
                    "type": entity.kind,
                    "offset": entity.utf16_offset,
                    "length": self.utf16 - entity.utf16_offset,
                    **extra,
                }
            )

    def code(self, index: int) -> int:
        is_pre = self.src.startswith("```", index)
        fence = "```" if is_pre else "`"
        opened = _Open("pre" if is_pre else "code", fence, self.utf16, self.byte_offset(index))
        index += len(fence)
        language = ""
        if is_pre:
            line_end = self.src.find("\n", index)
            first_line = self.src[index:line_end] if line_end != -1 else ""
            if first_line and " " not in first_line and "`" not in first_line:
                language, index = first_line, line_end + 1
        while index < len(self.src) and not self.src.startswith(fence, index):
            if self.src[index] == "\\" and self.version == 2 and index + 1 < len(self.src):
                index += 1
            self.emit(self.src[index])
            index += 1
        if index >= len(self.src):
            raise self.unclosed(opened)
        self.close(opened, **({"language": language} if language else {}))
        return index + len(fence)

    def close_link(self, index: int) -> int:
        opened = self.stack.pop()
        if not self.src.startswith("(", index + 1):
            if self.version == 2:
                raise entities_error("Character ']' is reserved and must be escaped with the preceding '\\'")
            self.close(opened)
            return index + 1
        url_end = self.src.find(")", index + 2)
        if url_end == -1:
            raise self.unclosed(opened)
        url = self.src[index + 2 : url_end].replace("\\)", ")").replace("\\\\", "\\")
        if url.startswith("tg://user?id="):
            self.close(opened)
            last = self.entities[-1]
            encoded = "".join(self.out).encode("utf-16-le")
            text = encoded[2 * last["offset"] : 2 * (last["offset"] + last["length"])].decode("utf-16-le")
            last |= {"type": "text_mention", "user": mentioned_user(url, text)}
        elif link_problem(url) is None:
            self.close(opened, url=url)
        # a link Telegram does not accept loses its entity, the text stays
        return url_end + 1


def _markers(version: int) -> dict[str, str]:
    return _V2_MARKERS if version == 2 else _V1_MARKERS


def parse_markdown(source: str, version: int = 2) -> tuple[str, list[dict[str, Any]]]:
    text, entities = _MarkdownParser(source, version).parse()
    return text, sort_entities(entities)
