"""The pose card /pose shows without a community example: drawn from the catalogue alone, one figure per person."""

from __future__ import annotations

import numpy as np
import pytest

from vision.poses import catalogue, pose_card
from vision.poses.card import CARD_SIZE, PERSON


def _figure_pixels(card: np.ndarray) -> int:
    return int(np.all(card == np.array(PERSON, np.uint8), axis=2).sum())


def test_every_catalogue_pose_has_a_card_of_the_card_size() -> None:
    width, height = CARD_SIZE
    cards = {key: pose_card(key) for key in catalogue()}
    assert all(card.shape == (height, width, 3) and card.dtype == np.uint8 for card in cards.values())
    assert not np.array_equal(cards["v_sign"], cards["thumbs_up"]), "each card names its pose"


def test_a_two_person_pose_draws_two_figures() -> None:
    one, two = _figure_pixels(pose_card("v_sign")), _figure_pixels(pose_card("joint_heart"))
    assert one > 10_000 and two == pytest.approx(2 * one, rel=0.02)


def test_an_unknown_pose_has_no_card() -> None:
    with pytest.raises(KeyError):
        pose_card("cartwheel")
