"""vision.qr_rs and vision.qr_soft: Reed-Solomon with erasures, and soft-decision correction of QR symbols.

segno (a project dependency) is the independent reference: its block table and the symbols it draws.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import segno
import segno.consts
import zxingcpp

from vision.qr import rs as qr_rs
from vision.qr.model import render
from vision.qr.soft import RS_BLOCKS, correct, data_positions, read_format

LEVELS = {"L": segno.consts.ERROR_LEVEL_L, "M": segno.consts.ERROR_LEVEL_M, "Q": segno.consts.ERROR_LEVEL_Q}
LEVELS["H"] = segno.consts.ERROR_LEVEL_H
# Remainder bits after the last codeword (ISO/IEC 18004 table 1).
REMAINDER_BITS = {1: 0, 2: 7, 3: 7, 4: 7, 5: 7, 6: 7, 7: 0}


@pytest.mark.parametrize("seed", range(3))
def test_reed_solomon_corrects_errors_and_erasures_up_to_capacity(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        ec = rng.choice([7, 10, 16, 18, 22, 26])
        block = qr_rs.encode([rng.randrange(256) for _ in range(rng.randint(9, 80))], ec)
        erasures = rng.randint(0, ec)
        errors = rng.randint(0, (ec - erasures) // 2)
        places = rng.sample(range(len(block)), errors + erasures)
        damaged = list(block)
        for place in places:
            damaged[place] ^= rng.randrange(1, 256)
        assert qr_rs.decode(damaged, ec, places[:erasures]) == block


def test_reed_solomon_refuses_rather_than_miscorrects_beyond_capacity() -> None:
    rng = random.Random(7)
    refused = 0
    for _ in range(100):
        block = qr_rs.encode([rng.randrange(256) for _ in range(30)], 16)
        damaged = list(block)
        for place in rng.sample(range(len(block)), 12):  # 12 errors, 8 correctable
            damaged[place] ^= rng.randrange(1, 256)
        result = qr_rs.decode(damaged, 16)
        assert result != damaged or result is None
        refused += result is None
    assert refused >= 98


@pytest.mark.parametrize("version", range(1, 8))
def test_block_table_and_placement_match_the_standard(version: int) -> None:
    for level, code in LEVELS.items():
        ec, groups = RS_BLOCKS[version][level]
        reference = segno.consts.ECC[version][code]
        assert [(b.num_blocks, b.num_data) for b in reference] == list(groups)
        assert all(b.num_total - b.num_data == ec for b in reference)
        total = sum(count * (data + ec) for count, data in groups)
        assert len(data_positions(version)) == 8 * total + REMAINDER_BITS[version]


def symbol(text: str, version: int, level: str, mask: int) -> np.ndarray:
    code = segno.make(text, error=level.lower(), version=version, mask=mask, micro=False, boost_error=False)
    return np.array(code.matrix, dtype=bool)


@pytest.mark.parametrize("version", [1, 3, 5, 7])
def test_format_and_clean_symbols_round_trip_for_every_level_and_mask(version: int) -> None:
    for level in "LMQH":
        for mask in range(8):
            bits = symbol("4CUT", version, level, mask)
            values = np.where(bits, 0.1, 0.9)
            assert read_format(values) == (level, mask)
            assert np.array_equal(correct(values, version), bits)


def test_format_survives_a_damaged_copy() -> None:
    bits = symbol("https://qr.seobuk.kr/s/8ijZsg_", 3, "M", 5)
    values = np.where(bits, 0.1, 0.9)
    for col in (0, 1, 2, 4):  # four of the first copy's bits flipped, confidently
        values[8, col] = 1.0 - values[8, col]
    assert read_format(values) == ("M", 5)


def test_unsure_codewords_as_erasures_correct_what_hard_decoding_cannot() -> None:
    text = "http://haru1.mx2.co.kr/@HA006XEb7Nh"
    bits = symbol(text, 3, "M", 2)  # one block: 70 codewords, 26 EC, 13 errors correctable
    values = np.where(bits, 0.05, 0.95)
    positions = data_positions(3)
    for index in range(0, 8 * 20, 8):  # one module in each of 20 codewords read wrong, but unsure
        row, col = positions[index + 3]
        values[row, col] = 0.45 if not bits[row, col] else 0.55
    hard = values < 0.5
    assert not zxingcpp.read_barcodes(render(hard))
    fixed = correct(values, 3)
    assert fixed is not None and np.array_equal(fixed, bits)
    assert [b.text for b in zxingcpp.read_barcodes(render(fixed))] == [text]


def test_too_many_confident_errors_are_refused() -> None:
    bits = symbol("HELLO 4CUT", 2, "L", 0)
    values = np.where(bits, 0.05, 0.95)
    positions = data_positions(2)
    for index in range(0, 8 * 12, 8):  # 12 confident errors, 5 correctable
        row, col = positions[index]
        values[row, col] = 1.0 - values[row, col]
    assert correct(values, 2) is None


def test_unsupported_versions_are_refused() -> None:
    with pytest.raises(ValueError):
        correct(np.ones((45, 45)), 8)


def test_spare_codewords_are_kept_unused() -> None:
    rng = random.Random(3)
    block = qr_rs.encode([rng.randrange(256) for _ in range(40)], 16)
    damaged = list(block)
    for place in (1, 5, 9, 13, 17, 21, 25):  # 7 errors: within 16 / 2, not within (16 - 4) / 2
        damaged[place] ^= 0x5A
    assert qr_rs.decode(damaged, 16) == block
    assert qr_rs.decode(damaged, 16, spare=4) is None
    assert qr_rs.decode(damaged, 16, erasures=[1, 5, 9, 13, 17, 21, 25], spare=4) == block


def test_format_distance_tells_a_symbol_from_texture() -> None:
    from vision.qr.soft import format_distance

    bits = symbol("https://pgshort.aprd.io/aB3dE5f", 3, "M", 4)
    values = np.where(bits, 0.1, 0.9)
    assert format_distance(values) == 0
    values[8, 0] = 1.0 - values[8, 0]  # one format module misread
    assert format_distance(values) == 1
    rng = np.random.default_rng(2)
    noise = [format_distance(rng.random(bits.shape)) for _ in range(50)]
    assert min(noise) >= 4 and np.median(noise) >= 7
