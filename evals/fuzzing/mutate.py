"""Seeded mutations of bytes and text: the classic ones (truncate, flip, insert, delete, splice, repeat)."""

from __future__ import annotations

import random

ODD_CHARACTERS = (
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\ufeff",  # byte-order mark
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u0301\u0301\u0301",  # stacked combining accents
    "👨‍👩‍👧‍👦",  # a family emoji (one glyph, seven code points)
    "\U0001f3fb",
    "\ud7a3",  # the last Hangul syllable
    "ᄀ",  # a Hangul jamo that NFKC composes
    "ﬀ",  # a ligature NFKC splits
    "<b>",
    "</a>",
    "&amp;",
    "&#0;",
    "&#x110000;",
    '"><script>',
    "${{7*7}}",
    "%s%n",
    "../",
    ":",
    "/",
    "@",
    "\u0000\uffff",
    "\U0010ffff",
)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits of `data`."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        if kind == 0 and out:  # truncate
            del out[at:]
        elif kind == 1 and out:  # flip a few bits
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(out))
                out[i] ^= 1 << rng.randrange(8)
        elif kind == 2:  # insert junk
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        elif kind == 3 and out:  # delete a run
            del out[at : at + rng.randint(1, 256)]
        elif kind == 4 and out:  # overwrite with an interesting value
            value = rng.choice([b"\x00", b"\xff", b"\x7f", b"\x80", b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"])
            out[at : at + len(value)] = value
        elif kind == 5 and out:  # repeat a chunk
            chunk = bytes(out[at : at + rng.randint(1, 128)])
            out[at:at] = chunk * rng.randint(2, 16)
        else:  # zero-fill the tail
            out[at:] = bytes(len(out) - at)
    return bytes(out)


def odd_text(rng: random.Random, max_parts: int = 8) -> str:
    """Text made of odd characters, random code points and plain words."""
    parts = []
    for _ in range(rng.randint(0, max_parts)):
        kind = rng.randrange(4)
        if kind == 0:
            parts.append(rng.choice(ODD_CHARACTERS))
        elif kind == 1:
            parts.append("".join(_code_point(rng) for _ in range(rng.randint(1, 6))))
        elif kind == 2:
            parts.append(
                rng.choice(["Alice", "지민", "smile", "v_sign", "heart", "on", "20:00", "sun", "-1", "9" * 30])
            )
        else:
            parts.append(" " * rng.randint(1, 3))
    return "".join(parts)


def _code_point(rng: random.Random) -> str:
    """Any character Telegram can deliver (valid UTF-8: no lone surrogates)."""
    point = rng.randrange(0x20, 0x2FFFF)
    return chr(point) if not 0xD800 <= point <= 0xDFFF else "\ufffd"


def mutate_text(text: str, rng: random.Random) -> str:
    """`text` with one to three edits: characters deleted, odd ones inserted, a part repeated or cut."""
    out = text
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out) + 1)
        kind = rng.randrange(4)
        if kind == 0:
            out = out[:at] + out[at + rng.randint(1, 8) :]
        elif kind == 1:
            out = out[:at] + rng.choice(ODD_CHARACTERS) + out[at:]
        elif kind == 2:
            out = out[:at] + out[at:][:16] * rng.randint(2, 50) + out[at:]
        else:
            out = out[:at]
    return out
