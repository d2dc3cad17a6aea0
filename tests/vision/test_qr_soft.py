"""vision.qr.soft and vision.qr.spec: Reed-Solomon with erasures (reedsolo), and soft-decision correction.

segno (a project dependency) is the independent reference: its block table, its own Reed-Solomon encoder
(``segno.encoder.make_blocks``) and the symbols it draws, read back through our placement, masks and block split.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import segno
import segno.consts
import segno.encoder
import zxingcpp

from vision.qr.model import render
from vision.qr.soft import correct, correct_block, format_distance, read_format
from vision.qr.spec import data_positions, format_word, interleave_order, mask_flips, rs_blocks

LEVELS = {"L": segno.consts.ERROR_LEVEL_L, "M": segno.consts.ERROR_LEVEL_M, "Q": segno.consts.ERROR_LEVEL_Q}
LEVELS["H"] = segno.consts.ERROR_LEVEL_H
# Remainder bits after the last codeword (ISO/IEC 18004 table 1).
REMAINDER_BITS = {1: 0, 2: 7, 3: 7, 4: 7, 5: 7, 6: 7, 7: 0}


class _Codewords:
    """The byte buffer segno's block maker reads."""

    def __init__(self, data: list[int]) -> None:
        self.data = data

    def toints(self) -> list[int]:
        return self.data


def segno_blocks(version: int, level: str, rng: random.Random) -> tuple[int, list[list[int]]]:
    """(EC codewords per block, every block's data + EC codewords) as segno's own encoder makes them."""
    ec_infos = segno.consts.ECC[version][LEVELS[level]]
    data = [rng.randrange(256) for _ in range(sum(b.num_blocks * b.num_data for b in ec_infos))]
    data_blocks, ec_blocks = segno.encoder.make_blocks(ec_infos, _Codewords(data))
    ec = ec_infos[0].num_total - ec_infos[0].num_data
    return ec, [list(d) + list(e) for d, e in zip(data_blocks, ec_blocks, strict=True)]


@pytest.mark.parametrize("seed", range(3))
def test_reed_solomon_corrects_errors_and_erasures_in_segno_blocks_up_to_capacity(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        ec, blocks = segno_blocks(rng.randint(1, 7), rng.choice("LMQH"), rng)
        block = rng.choice(blocks)
        erasures = rng.randint(0, ec)
        errors = rng.randint(0, (ec - erasures) // 2)
        places = rng.sample(range(len(block)), errors + erasures)
        damaged = list(block)
        for place in places:
            damaged[place] ^= rng.randrange(1, 256)
        assert correct_block(damaged, ec, places[:erasures]) == block
        if errors + erasures:
            assert correct_block(damaged, ec, places[:erasures], spare=ec - erasures - 2 * errors + 1) is None


def test_reed_solomon_refuses_rather_than_miscorrects_beyond_capacity() -> None:
    rng = random.Random(7)
    refused = 0
    for _ in range(100):
        ec, (block, *_) = segno_blocks(2, "M", rng)  # 44 codewords, 16 EC
        damaged = list(block)
        for place in rng.sample(range(len(block)), 12):  # 12 errors, 8 correctable
            damaged[place] ^= rng.randrange(1, 256)
        result = correct_block(damaged, ec)
        assert result != damaged or result is None
        refused += result is None
    assert refused >= 98


@pytest.mark.parametrize("version", range(1, 8))
def test_block_table_and_placement_match_the_standard(version: int) -> None:
    for level, code in LEVELS.items():
        ec, data_lengths = rs_blocks(version, level)
        reference = segno.consts.ECC[version][code]
        assert data_lengths == [b.num_data for b in reference for _ in range(b.num_blocks)]
        assert all(b.num_total - b.num_data == ec for b in reference)
        total = sum(data + ec for data in data_lengths)
        assert len(data_positions(version)) == 8 * total + REMAINDER_BITS[version]


def symbol(text: str, version: int, level: str, mask: int) -> np.ndarray:
    code = segno.make(text, error=level.lower(), version=version, mask=mask, micro=False, boost_error=False)
    return np.array(code.matrix, dtype=bool)


def read_blocks(bits: np.ndarray, version: int, level: str, mask: int) -> tuple[int, list[list[int]]]:
    """The symbol's codewords, unmasked and split into blocks by our placement order, masks and interleaving."""
    ec, data_lengths = rs_blocks(version, level)
    positions = data_positions(version)
    blocks = [[0] * (length + ec) for length in data_lengths]
    for index, (b, i) in enumerate(interleave_order(ec, data_lengths)):
        for r, c in positions[8 * index : 8 * index + 8]:
            blocks[b][i] = blocks[b][i] << 1 | int(bits[r, c] ^ mask_flips(mask, r, c))
    return ec, blocks


@pytest.mark.parametrize("version", range(1, 8))
def test_segno_symbols_read_back_into_valid_blocks_that_survive_damage(version: int) -> None:
    rng = random.Random(version)
    text = "4cut!"  # lower case: byte mode
    for level in "LMQH":
        mask = rng.randrange(8)
        bits = symbol(text, version, level, mask)
        ec, blocks = read_blocks(bits, version, level, mask)
        assert all(correct_block(block, ec) == block for block in blocks)
        first = blocks[0]
        assert first[0] >> 4 == 0b0100 and (first[0] & 0xF) << 4 | first[1] >> 4 == len(text)  # byte mode, length
        for block in blocks:
            places = rng.sample(range(len(block)), ec)
            damaged = list(block)
            for place in places:
                damaged[place] ^= rng.randrange(1, 256)
            erasures, errors = ec // 2, ec // 4  # places[erasures + errors:] are left undamaged
            for place in places[erasures + errors :]:
                damaged[place] = block[place]
            assert correct_block(damaged, ec, places[:erasures]) == block


def test_format_words_are_the_ones_segno_draws() -> None:
    for level in "LMQH":
        for mask in range(8):
            bits = symbol("4CUT", 1, level, mask)
            row = [int(bits[8, c]) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [int(bits[r, 8]) for r in (7, 5, 4, 3, 2, 1, 0)]
            assert int("".join(map(str, row)), 2) == format_word(level, mask)


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
    ec, (block, *_) = segno_blocks(2, "M", random.Random(3))  # 44 codewords, 16 EC
    damaged = list(block)
    for place in (1, 5, 9, 13, 17, 21, 25):  # 7 errors: within 16 / 2, not within (16 - 4) / 2
        damaged[place] ^= 0x5A
    assert correct_block(damaged, ec) == block
    assert correct_block(damaged, ec, spare=4) is None
    assert correct_block(damaged, ec, erasures=[1, 5, 9, 13, 17, 21, 25], spare=4) == block
    assert correct_block(block, ec, erasures=range(14), spare=4) == block  # a clean block needs no redundancy


def test_format_distance_tells_a_symbol_from_texture() -> None:
    bits = symbol("https://pgshort.aprd.io/aB3dE5f", 3, "M", 4)
    values = np.where(bits, 0.1, 0.9)
    assert format_distance(values) == 0
    values[8, 0] = 1.0 - values[8, 0]  # one format module misread
    assert format_distance(values) == 1
    rng = np.random.default_rng(2)
    noise = [format_distance(rng.random(bits.shape)) for _ in range(50)]
    assert min(noise) >= 4 and np.median(noise) >= 7
