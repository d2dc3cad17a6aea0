"""The pose catalogue file is complete: the 16 poses of the issue plus building blocks, named in Korean and English,
each with a how-to line and a recogniser that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vision.poses.body_rules import BODY_RULES, HAND_POSES
from vision.poses.catalogue import load_catalogue
from vision.poses.pair_rules import PAIR_RULES

ISSUE_POSES = {
    "v_sign", "finger_heart", "cheek_heart", "arm_heart", "joint_heart", "flower_cup", "bunny_ears", "thumbs_up",
    "cheek_poke", "arms_over_shoulders", "arms_crossed", "wink", "hands_up", "gyaru_peace", "cat_paw", "ok_sign",
}  # fmt: skip
BUILDING_BLOCKS = {"open_palm", "fist", "point"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_the_catalogue_has_every_pose_of_the_issue_and_the_building_blocks() -> None:
    poses = load_catalogue()
    assert set(poses) >= ISSUE_POSES | BUILDING_BLOCKS
    assert {key for key, pose in poses.items() if pose.building_block} == BUILDING_BLOCKS


def test_every_pose_is_named_and_explained_in_korean_and_english() -> None:
    for pose in load_catalogue().values():
        assert HANGUL.search(pose.ko) and HANGUL.search(pose.how_ko), pose.key
        assert pose.en.isascii() and pose.how_en.isascii() and len(pose.how_en) > 15, pose.key


def test_every_pose_has_a_rule_of_its_kind_and_the_right_people_count() -> None:
    implemented = {
        "hand_shape": set(HAND_POSES),
        "body_rule": set(BODY_RULES) - {"wink"},
        "blendshape": {"wink"},
        "pair_rule": set(PAIR_RULES),
    }
    for pose in load_catalogue().values():
        assert pose.key in implemented[pose.recognised_by], pose.key
        assert pose.people == (2 if pose.recognised_by == "pair_rule" else 1), pose.key


def test_a_broken_catalogue_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "catalogue.toml"
    broken.write_text('[x]\nko = "엑스"\nen = "X"\nhow_ko = "가"\nhow_en = "b"\npeople = 1\nrecognised_by = "magic"\n')
    with pytest.raises(ValueError, match="recognised_by"):
        load_catalogue(broken)
