"""What ISO/IEC 18004 fixes about a QR symbol, for the readers that rebuild one from module values.

The tables (error-correction blocks, format words, alignment-pattern centres) are segno's (``segno.consts``, the
encoder the project already uses); the layout derived from them (function modules, data-module placement order,
data masks, format-bit positions) is computed here. Versions 1-40; the readers use the small ones.
"""

from __future__ import annotations

from functools import cache
from typing import cast

import numpy as np
import segno.consts

LEVELS = ("L", "M", "Q", "H")
MAX_VERSION = 40


def size(version: int) -> int:
    """Modules per side, without quiet zone."""
    return 17 + 4 * version


def rs_blocks(version: int, level: str) -> tuple[int, list[int]]:
    """(EC codewords per block, data codewords of each block in transmission order)."""
    table = cast(dict[int, dict[int, tuple[segno.consts.EC, ...]]], segno.consts.ECC)
    groups = table[version][segno.consts.ERROR_MAPPING[level]]
    ec = {group.num_total - group.num_data for group in groups}
    if len(ec) != 1:
        raise ValueError(f"version {version}-{level}: blocks with different EC lengths {sorted(ec)}")
    return ec.pop(), [group.num_data for group in groups for _ in range(group.num_blocks)]


def format_word(level: str, mask: int) -> int:
    """The 15-bit format word (BCH-coded, XOR-masked) of an error level and data mask."""
    return int(segno.consts.FORMAT_INFO[(segno.consts.ERROR_MAPPING[level] << 3) | mask])


def format_positions(n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(row, col) of format bits 14 .. 0 in both copies, in the order decoders read them."""
    first = [(8, c) for c in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(r, 8) for r in range(5, -1, -1)]
    second = [(r, 8) for r in range(n - 1, n - 8, -1)] + [(8, c) for c in range(n - 8, n)]
    return first, second


def alignment_centres(version: int) -> list[tuple[int, int]]:
    """(row, col) of every alignment pattern's centre: the table's grid without the three under finders."""
    centres = segno.consts.ALIGNMENT_POS[version - 2] if version > 1 else ()
    corners = {(centres[0], centres[0]), (centres[0], centres[-1]), (centres[-1], centres[0])} if centres else set()
    return [(r, c) for r in centres for c in centres if (r, c) not in corners]


@cache
def function_modules(version: int) -> np.ndarray:
    """(n, n) bool: modules that hold no data (finders, separators, format, timing, alignment, version info)."""
    n = size(version)
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
    n = size(version)
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


def mask_flips(mask: int, row: int, col: int) -> bool:
    """Whether data mask ``mask`` inverts the module at (row, col)."""
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


def interleave_order(ec: int, data_lengths: list[int]) -> list[tuple[int, int]]:
    """(block, index in block) of each codeword in transmission order: data interleaved, then EC interleaved."""
    order = []
    for i in range(max(data_lengths)):
        order += [(b, i) for b, length in enumerate(data_lengths) if i < length]
    for i in range(ec):
        order += [(b, length + i) for b, length in enumerate(data_lengths)]
    return order
