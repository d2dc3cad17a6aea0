"""Soft-decision error correction of a QR symbol read as module values (0 dark .. 1 light), not as bits.

A thresholded reading throws away how sure each module is. Here the symbol's format (error level, mask) is
chosen as the valid format word closest to both printed copies, the data modules are unmasked and read in
placement order into codewords, each codeword's confidence being its least sure module, and every
Reed-Solomon block is decoded with its least sure codewords marked as erasures (``vision.qr_rs``): up to
twice as many wrong codewords are corrected as by hard decoding. The corrected codewords are written back,
so a standard decoder then reads the symbol without errors (and parses its segments). Versions 1-7.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from vision.qr import rs as qr_rs

# ISO/IEC 18004 table 9, versions 1-7: error level -> (EC codewords per block, ((blocks, data codewords), ...)).
RS_BLOCKS: dict[int, dict[str, tuple[int, tuple[tuple[int, int], ...]]]] = {
    1: {"L": (7, ((1, 19),)), "M": (10, ((1, 16),)), "Q": (13, ((1, 13),)), "H": (17, ((1, 9),))},
    2: {"L": (10, ((1, 34),)), "M": (16, ((1, 28),)), "Q": (22, ((1, 22),)), "H": (28, ((1, 16),))},
    3: {"L": (15, ((1, 55),)), "M": (26, ((1, 44),)), "Q": (18, ((2, 17),)), "H": (22, ((2, 13),))},
    4: {"L": (20, ((1, 80),)), "M": (18, ((2, 32),)), "Q": (26, ((2, 24),)), "H": (16, ((4, 9),))},
    5: {"L": (26, ((1, 108),)), "M": (24, ((2, 43),)), "Q": (18, ((2, 15), (2, 16))), "H": (22, ((2, 11), (2, 12)))},
    6: {"L": (18, ((2, 68),)), "M": (16, ((4, 27),)), "Q": (24, ((4, 19),)), "H": (28, ((4, 15),))},
    7: {"L": (20, ((2, 78),)), "M": (18, ((4, 31),)), "Q": (18, ((2, 14), (4, 15))), "H": (26, ((4, 13), (1, 14)))},
}
_LEVEL_BITS = {"L": 0b01, "M": 0b00, "Q": 0b11, "H": 0b10}
_FORMAT_MASK = 0b101010000010010
# Alignment-pattern centre rows/columns per version (ISO/IEC 18004 table E.1), versions 1-7.
_ALIGNMENT = {1: (), 2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34), 7: (6, 22, 38)}
# Erasure trials per block: 0, 2, 4 ... of the least sure codewords marked, always keeping SPARE_EC codewords
# of redundancy unused, so that trying many erasure sets does not end in a wrong correction being accepted
# (with 4 spare, about one in 4 billion per trial).
ERASURE_STEP = 2
SPARE_EC = 4


def _format_word(level: str, mask: int) -> int:
    data = (_LEVEL_BITS[level] << 3) | mask
    remainder = data << 10
    for bit in range(14, 9, -1):
        if remainder & (1 << bit):
            remainder ^= 0b10100110111 << (bit - 10)
    return ((data << 10) | remainder) ^ _FORMAT_MASK


def _format_positions(n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(row, col) of format bits 14 .. 0 in both copies, in the order decoders read them."""
    first = [(8, c) for c in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(r, 8) for r in range(5, -1, -1)]
    second = [(r, 8) for r in range(n - 1, n - 8, -1)] + [(8, c) for c in range(n - 8, n)]
    return first, second


def format_distance(values: np.ndarray) -> int:
    """Bits (of 30: both copies) by which the thresholded format modules miss the nearest valid format word.

    A real symbol read roughly right scores 0-3; a patch of texture taken for one scores 6 or more (the 32
    valid words lie 7 apart and both copies must agree on one).
    """
    copies = _format_positions(values.shape[0])
    dark = [np.array([values[r, c] < 0.5 for r, c in copy]) for copy in copies]
    return min(
        int(sum(np.count_nonzero(bits != d) for d in dark))
        for bits in (_format_bits(level, mask) for level in _LEVEL_BITS for mask in range(8))
    )


def _format_bits(level: str, mask: int) -> np.ndarray:
    word = _format_word(level, mask)
    return np.array([(word >> (14 - i)) & 1 for i in range(15)], dtype=bool)


def alignment_centres(version: int) -> list[tuple[int, int]]:
    """(row, col) of every alignment pattern's centre: the table's grid without the three under finders."""
    centres = _ALIGNMENT[version]
    corners = {(centres[0], centres[0]), (centres[0], centres[-1]), (centres[-1], centres[0])} if centres else set()
    return [(r, c) for r in centres for c in centres if (r, c) not in corners]


def read_format(values: np.ndarray) -> tuple[str, int]:
    """Error level and mask whose format word best explains both copies' module values (1 = light)."""
    n = values.shape[0]
    copies = _format_positions(n)
    darkness = [np.array([1.0 - values[r, c] for r, c in copy]) for copy in copies]
    best, best_cost = ("M", 0), np.inf
    for level in _LEVEL_BITS:
        for mask in range(8):
            bits = _format_bits(level, mask)
            cost = sum(float(np.abs(bits - d).sum()) for d in darkness)
            if cost < best_cost:
                best, best_cost = (level, mask), cost
    return best


@cache
def function_modules(version: int) -> np.ndarray:
    """(n, n) bool: modules that hold no data (finders, separators, format, timing, alignment, version info)."""
    n = 17 + 4 * version
    used = np.zeros((n, n), bool)
    used[:9, :9] = True
    used[:9, n - 8 :] = True
    used[n - 8 :, :9] = True
    used[6, :] = used[:, 6] = True
    for r, c in alignment_centres(version):
        used[r - 2 : r + 3, c - 2 : c + 3] = True
    if version >= 7:
        used[:6, n - 11 : n - 8] = True
        used[n - 11 : n - 8, :6] = True
    used.setflags(write=False)
    return used


@cache
def data_positions(version: int) -> tuple[tuple[int, int], ...]:
    """(row, col) of the data modules in placement order: two-column zigzag from the bottom-right corner."""
    n = 17 + 4 * version
    used = function_modules(version)
    order = []
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        for step in range(n):
            row = n - 1 - step if upward else step
            for c in (col, col - 1):
                if not used[row, c]:
                    order.append((row, c))
        upward = not upward
        col -= 2
    return tuple(order)


def _mask(mask: int, row: int, col: int) -> bool:
    i, j = row, col
    return (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 6 == 0,
        (i * j) % 6 < 3,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    )[mask]


def _blocks(version: int, level: str) -> tuple[int, list[int]]:
    ec, groups = RS_BLOCKS[version][level]
    return ec, [data for count, data in groups for _ in range(count)]


def _deinterleave(codewords: list[int], ec: int, data_lengths: list[int]) -> list[list[int]]:
    blocks: list[list[int]] = [[] for _ in data_lengths]
    index = 0
    for i in range(max(data_lengths)):
        for b, length in enumerate(data_lengths):
            if i < length:
                blocks[b].append(codewords[index])
                index += 1
    for _ in range(ec):
        for block in blocks:
            block.append(codewords[index])
            index += 1
    return blocks


def _interleave_order(ec: int, data_lengths: list[int]) -> list[tuple[int, int]]:
    """(block, index in block) of each codeword in transmission order."""
    order = []
    for i in range(max(data_lengths)):
        order += [(b, i) for b, length in enumerate(data_lengths) if i < length]
    for i in range(ec):
        order += [(b, length + i) for b, length in enumerate(data_lengths)]
    return order


def correct(values: np.ndarray, version: int) -> np.ndarray | None:
    """The symbol (True = dark) with every Reed-Solomon block corrected, or None when one cannot be.

    ``values`` are the symbol's module values without quiet zone, about 0 dark and 1 light.
    """
    if version not in RS_BLOCKS or values.shape != (17 + 4 * version,) * 2:
        raise ValueError(f"expected a version 1-7 symbol, got version {version} and shape {values.shape}")
    level, mask = read_format(values)
    ec, data_lengths = _blocks(version, level)
    total = ec * len(data_lengths) + sum(data_lengths)
    positions = data_positions(version)[: 8 * total]
    flips = np.array([_mask(mask, r, c) for r, c in positions])
    raw = np.array([values[r, c] for r, c in positions], dtype=np.float64)
    dark = (raw < 0.5) ^ flips
    sureness = np.abs(raw - 0.5)
    bits = dark.reshape(total, 8)
    codewords = [int("".join("1" if b else "0" for b in row), 2) for row in bits]
    confidence = sureness.reshape(total, 8).min(axis=1)
    order = _interleave_order(ec, data_lengths)
    blocks = _deinterleave(codewords, ec, data_lengths)
    block_confidence: list[list[float]] = [[0.0] * (length + ec) for length in data_lengths]
    for (b, i), value in zip(order, confidence, strict=True):
        block_confidence[b][i] = float(value)
    corrected_blocks = []
    for block, sure in zip(blocks, block_confidence, strict=True):
        fixed = None
        ranked = sorted(range(len(block)), key=lambda i: sure[i])
        for erased in range(0, ec - SPARE_EC + 1, ERASURE_STEP):
            fixed = qr_rs.decode(block, ec, ranked[:erased], spare=SPARE_EC)
            if fixed is not None:
                break
        if fixed is None:
            return None
        corrected_blocks.append(fixed)
    symbol = values < 0.5
    for index, (b, i) in enumerate(order):
        word = corrected_blocks[b][i]
        for bit in range(8):
            r, c = positions[8 * index + bit]
            symbol[r, c] = bool((word >> (7 - bit)) & 1) ^ bool(flips[8 * index + bit])
    return symbol
