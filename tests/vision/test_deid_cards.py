"""Pose cards (vision.deid.cards): every suggestible catalogue pose gets a drawn figure, with room for its name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision.deid import pose_card, templates
from vision.deid.cards import BAND, load_templates
from vision.poses import catalogue

SUGGESTIBLE = [key for key, pose in catalogue().items() if not pose.building_block]


def _figure_area(card: np.ndarray) -> np.ndarray:
    return card[: round(card.shape[0] * (1 - BAND)) - 2]


@pytest.mark.parametrize("key", SUGGESTIBLE)
def test_every_suggestible_pose_gets_a_card_with_its_number_of_people(key: str) -> None:
    assert len(templates()[key]) == catalogue()[key].people
    card = pose_card(key, width=320)
    assert card.shape == (320, 320, 3) and card.dtype == np.uint8
    figure = _figure_area(card).astype(int)
    ground = np.abs(np.diff(figure, axis=0)).sum(axis=2) > 40  # edges: the ground itself is a smooth gradient
    assert ground.mean() > 0.01, "a figure is drawn"


def test_cards_of_different_poses_differ() -> None:
    cards = {key: _figure_area(pose_card(key, width=200)) for key in SUGGESTIBLE}
    keys = list(cards)
    for index, first in enumerate(keys):
        for second in keys[index + 1 :]:
            difference = np.abs(cards[first].astype(int) - cards[second].astype(int)).mean()
            assert difference > 1.0, f"{first} and {second} look the same"


def test_the_title_is_written_in_the_band_and_the_figure_stays() -> None:
    blank = pose_card("v_sign", width=400)
    titled = pose_card("v_sign", width=400, title="브이 V-sign")
    band_top = round(400 * (1 - BAND))
    assert np.array_equal(_figure_area(blank), _figure_area(titled))
    assert np.all(blank[band_top + 2 :] == 255), "without a title the band is left blank for the caller"
    assert (titled[band_top + 2 :] < 128).any(), "the title's letters are dark"


def test_an_unknown_pose_has_no_card() -> None:
    with pytest.raises(KeyError):
        pose_card("moonwalk")


def test_a_template_with_an_unknown_hand_shape_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text(
        '[[x.figure]]\nright_arm = [[0.2, 0.6], [0.3, 0.4]]\nright_hand = { shape = "claw" }\n'
        'left_arm = [[0.8, 0.6], [0.7, 0.4]]\nleft_hand = { shape = "fist" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="claw"):
        load_templates(bad)
