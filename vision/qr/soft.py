"""Soft-decision error correction of a QR symbol read as module values (0 dark .. 1 light), not as bits.

A thresholded reading throws away how sure each module is. Here the symbol's format (error level, mask) is
chosen as the valid format word closest to both printed copies, the data modules are unmasked and read in
placement order into codewords, each codeword's confidence being its least sure module, and every
Reed-Solomon block is decoded with its least sure codewords marked as erasures (``reedsolo``): up to
twice as many wrong codewords are corrected as by hard decoding. The corrected codewords are written back,
so a standard decoder then reads the symbol without errors (and parses its segments). Versions 1-7.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import reedsolo

from vision.qr.spec import (
    LEVELS,
    data_positions,
    format_positions,
    format_word,
    interleave_order,
    mask_flips,
    rs_blocks,
    size,
)

MAX_VERSION = 7
# Erasure trials per block: 0, 2, 4 ... of the least sure codewords marked, always keeping SPARE_EC codewords
# of redundancy unused, so that trying many erasure sets does not end in a wrong correction being accepted
# (with 4 spare, about one in 4 billion per trial).
ERASURE_STEP = 2
SPARE_EC = 4
# The QR field: GF(256) with primitive polynomial x^8 + x^4 + x^3 + x^2 + 1, generator 2, first root 2^0.
_PRIMITIVE, _GENERATOR, _FIRST_ROOT = 0x11D, 2, 0


@cache
def _codec(ec: int) -> reedsolo.RSCodec:
    return reedsolo.RSCodec(ec, nsize=255, fcr=_FIRST_ROOT, prim=_PRIMITIVE, generator=_GENERATOR, c_exp=8)


def correct_block(block: Sequence[int], ec: int, erasures: Sequence[int] = (), spare: int = 0) -> list[int] | None:
    """The block (data then ``ec`` EC codewords) corrected, or None when it cannot be with these erasures.

    ``2 * errors + erasures <= ec - spare`` is required: each of the ``spare`` EC codewords left unused makes
    accepting a wrong correction ~256 times less likely, which matters when many erasure sets are tried.
    """
    codec = _codec(ec)
    received = bytearray(block)
    erased = sorted(set(erasures))
    if len(erased) > ec - spare:
        return list(block) if codec.check(received)[0] else None
    try:
        _, corrected, errata = codec.decode(received, erase_pos=erased)
    except reedsolo.ReedSolomonError:
        return None
    errors = len(errata) - len(erased)
    if 2 * errors + len(erased) > ec - spare:
        return None
    return list(corrected)


def format_distance(values: np.ndarray) -> int:
    """Bits (of 30: both copies) by which the thresholded format modules miss the nearest valid format word.

    A real symbol read roughly right scores 0-3; a patch of texture taken for one scores 6 or more (the 32
    valid words lie 7 apart and both copies must agree on one).
    """
    copies = format_positions(values.shape[0])
    dark = [np.array([values[r, c] < 0.5 for r, c in copy]) for copy in copies]
    return min(
        int(sum(np.count_nonzero(bits != d) for d in dark))
        for bits in (_format_bits(level, mask) for level in LEVELS for mask in range(8))
    )


@cache
def _format_bits(level: str, mask: int) -> np.ndarray:
    word = format_word(level, mask)
    bits = np.array([(word >> (14 - i)) & 1 for i in range(15)], dtype=bool)
    bits.setflags(write=False)
    return bits


def read_format(values: np.ndarray) -> tuple[str, int]:
    """Error level and mask whose format word best explains both copies' module values (1 = light)."""
    copies = format_positions(values.shape[0])
    darkness = [np.array([1.0 - values[r, c] for r, c in copy]) for copy in copies]
    best, best_cost = ("M", 0), np.inf
    for level in LEVELS:
        for mask in range(8):
            bits = _format_bits(level, mask)
            cost = sum(float(np.abs(bits - d).sum()) for d in darkness)
            if cost < best_cost:
                best, best_cost = (level, mask), cost
    return best


def correct(values: np.ndarray, version: int) -> np.ndarray | None:
    """The symbol (True = dark) with every Reed-Solomon block corrected, or None when one cannot be.

    ``values`` are the symbol's module values without quiet zone, about 0 dark and 1 light.
    """
    if not 1 <= version <= MAX_VERSION or values.shape != (size(version),) * 2:
        raise ValueError(f"expected a version 1-{MAX_VERSION} symbol, got version {version} and shape {values.shape}")
    level, mask = read_format(values)
    ec, data_lengths = rs_blocks(version, level)
    total = ec * len(data_lengths) + sum(data_lengths)
    positions = data_positions(version)[: 8 * total]
    flips = np.array([mask_flips(mask, r, c) for r, c in positions])
    raw = np.array([values[r, c] for r, c in positions], dtype=np.float64)
    dark = (raw < 0.5) ^ flips
    sureness = np.abs(raw - 0.5)
    codewords = [int("".join("1" if b else "0" for b in row), 2) for row in dark.reshape(total, 8)]
    confidence = sureness.reshape(total, 8).min(axis=1)
    order = interleave_order(ec, data_lengths)
    blocks = [[0] * (length + ec) for length in data_lengths]
    block_confidence = [[0.0] * (length + ec) for length in data_lengths]
    for (b, i), word, sure in zip(order, codewords, confidence, strict=True):
        blocks[b][i] = word
        block_confidence[b][i] = float(sure)
    corrected_blocks = []
    for block, sure in zip(blocks, block_confidence, strict=True):
        fixed = None
        ranked = sorted(range(len(block)), key=lambda i: sure[i])
        for erased in range(0, ec - SPARE_EC + 1, ERASURE_STEP):
            fixed = correct_block(block, ec, ranked[:erased], spare=SPARE_EC)
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
