"""Every mood rule of vision/moods/moods.toml on constructed cues: each test fails when its rule is wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision.moods import (
    CutCues,
    CutLight,
    FaceCue,
    MoodScore,
    closeness,
    laugh_of,
    light_of,
    load_rules,
    measure,
    mood_rules,
    score_cut,
    strip_moods,
)

NEUTRAL_LIGHT = CutLight(lightness=0.55, warmth=0.0, saturation=0.3, contrast=0.2)
CALM_FACE = {"jawOpen": 0.02, "mouthSmileLeft": 0.05, "mouthSmileRight": 0.05, "mouthPucker": 0.05, "cheekPuff": 0.0}
LAUGHING_FACE = {"jawOpen": 0.6, "mouthSmileLeft": 0.85, "mouthSmileRight": 0.8, "mouthPucker": 0.0, "cheekPuff": 0.0}
SMILING_FACE = {"jawOpen": 0.05, "mouthSmileLeft": 0.7, "mouthSmileRight": 0.7, "mouthPucker": 0.0, "cheekPuff": 0.0}
PUCKER_FACE = {"jawOpen": 0.0, "mouthSmileLeft": 0.1, "mouthSmileRight": 0.1, "mouthPucker": 0.8, "cheekPuff": 0.5}


def _two(smile: float, shapes: dict[str, float] | None, gap: float = 3.0) -> tuple[FaceCue, ...]:
    """Two faces 100 px wide, `gap` face widths apart."""
    return (FaceCue((0, 0, 100, 100), smile, shapes), FaceCue((100 + gap * 100, 0, 100, 100), smile, shapes))


def _top(cues: CutCues) -> str:
    scores = score_cut(cues)
    return max(scores, key=lambda s: s.score * s.confidence).key


def _score(cues: CutCues, key: str) -> float:
    return next(s.score for s in score_cut(cues) if s.key == key)


def test_the_file_holds_the_seven_moods_with_korean_and_english_names() -> None:
    rules = mood_rules()
    assert rules.keys == ("lovely", "cute", "playful", "joyful", "chic", "warm", "calm")
    assert [m.ko for m in rules.moods] == ["사랑스러운", "귀여운", "장난스러운", "신나는", "시크", "다정한", "차분한"]


def test_a_heart_with_smiles_close_together_is_lovely() -> None:
    cues = CutCues(_two(80, SMILING_FACE, gap=0.1), {"finger_heart": 0.9}, NEUTRAL_LIGHT)
    assert _top(cues) == "lovely"
    without_heart = CutCues(_two(80, SMILING_FACE, gap=0.1), {}, NEUTRAL_LIGHT)
    assert _top(without_heart) != "lovely", "the heart pose carries the rule"


def test_flower_cup_or_a_pucker_with_puffed_cheeks_is_cute() -> None:
    assert _top(CutCues(_two(60, SMILING_FACE), {"flower_cup": 0.85}, NEUTRAL_LIGHT)) == "cute"
    assert _top(CutCues(_two(30, PUCKER_FACE), {}, NEUTRAL_LIGHT)) == "cute"


def test_bunny_ears_and_winks_are_playful() -> None:
    assert _top(CutCues(_two(60, SMILING_FACE), {"bunny_ears": 0.9, "wink": 0.7}, NEUTRAL_LIGHT)) == "playful"


def test_laughing_faces_with_a_cheer_in_colourful_light_are_joyful() -> None:
    colourful = CutLight(lightness=0.7, warmth=0.05, saturation=0.6, contrast=0.2)
    assert _top(CutCues(_two(95, LAUGHING_FACE), {"hands_up": 0.8}, colourful)) == "joyful"


def test_no_smile_with_crossed_arms_in_contrasty_grey_is_chic() -> None:
    grey = CutLight(lightness=0.4, warmth=-0.02, saturation=0.02, contrast=0.3)
    assert _top(CutCues(_two(5, CALM_FACE), {"arms_crossed": 0.9}, grey)) == "chic"
    colourful = CutLight(lightness=0.7, warmth=0.05, saturation=0.6, contrast=0.1)
    in_grey = _score(CutCues(_two(5, CALM_FACE), {"arms_crossed": 0.9}, grey), "chic")
    assert _score(CutCues(_two(5, CALM_FACE), {"arms_crossed": 0.9}, colourful), "chic") < in_grey - 0.2, "light counts"
    assert _top(CutCues(_two(5, CALM_FACE), {}, grey)) != "chic", "without the pose, still faces are calm"


def test_cheek_to_cheek_with_an_arm_over_the_shoulder_in_warm_light_is_warm() -> None:
    warm_light = CutLight(lightness=0.6, warmth=0.15, saturation=0.3, contrast=0.15)
    assert _top(CutCues(_two(60, SMILING_FACE, gap=0.0), {"arms_over_shoulders": 0.8}, warm_light)) == "warm"
    apart = CutCues(_two(60, SMILING_FACE, gap=3.0), {}, warm_light)
    assert _top(apart) != "warm", "closeness carries the rule"


def test_still_unsmiling_faces_without_a_pose_are_calm() -> None:
    assert _top(CutCues(_two(10, CALM_FACE), {}, NEUTRAL_LIGHT)) == "calm"
    assert _top(CutCues(_two(10, CALM_FACE), {"hands_up": 0.95}, NEUTRAL_LIGHT)) != "calm", "a pose is not still"
    assert _top(CutCues(_two(90, SMILING_FACE), {}, NEUTRAL_LIGHT)) != "calm", "nor is a broad smile"


def test_closeness_is_one_when_faces_touch_zero_far_apart_and_unknown_for_one_face() -> None:
    assert closeness([(0, 0, 100, 100), (100, 0, 100, 100)]) == 1.0
    assert closeness([(0, 0, 100, 100), (250, 0, 100, 100)]) == 0.0
    assert closeness([(0, 0, 100, 100), (175, 0, 100, 100)]) == pytest.approx(0.5)
    assert closeness([(0, 0, 100, 100)]) is None


def test_a_laugh_needs_an_open_jaw_and_a_smiling_mouth() -> None:
    assert laugh_of(LAUGHING_FACE) == 1.0
    assert laugh_of(SMILING_FACE) == 0.0, "a closed-mouth smile is no laugh"
    assert laugh_of({"jawOpen": 0.6, "mouthSmileLeft": 0.0, "mouthSmileRight": 0.0}) == 0.0, "a yawn is no laugh"


def test_light_of_reads_lightness_warmth_saturation_and_contrast() -> None:
    grey = light_of(np.full((40, 40, 3), 128, np.uint8))
    assert grey.lightness == pytest.approx(128 / 255, abs=1e-3) and grey.saturation == 0.0 and grey.contrast == 0.0
    orange = light_of(np.tile(np.array([240, 140, 40], np.uint8), (40, 40, 1)))
    assert orange.warmth > 0.7 and orange.saturation > 0.8
    blue = light_of(np.tile(np.array([30, 60, 200], np.uint8), (40, 40, 1)))
    assert blue.warmth < -0.6
    halves = np.zeros((40, 40, 3), np.uint8)
    halves[:, 20:] = 255
    assert light_of(halves).contrast == pytest.approx(0.5, abs=1e-3)


def test_signals_without_blendshapes_or_light_are_unknown_and_lower_the_confidence() -> None:
    cues = CutCues((FaceCue((0, 0, 100, 100), 70, None),), {"v_sign": 0.9}, None)
    signals = measure(cues, mood_rules().pose_groups)
    assert signals["laugh"] is None and signals["close"] is None and signals["bright"] is None
    assert signals["smile"] == pytest.approx(0.7) and signals["pose.cheer"] == 0.9
    assert signals["still"] == pytest.approx(0.1)
    joyful = next(s for s in score_cut(cues) if s.key == "joyful")
    # measured: smile (2) and pose.cheer (1.5) of laugh 2, smile 2, cheer 1.5, colourful 1, bright 0.5
    assert joyful.confidence == pytest.approx(3.5 / 7.0, abs=1e-4)
    full = next(s for s in score_cut(CutCues(_two(70, SMILING_FACE), {}, NEUTRAL_LIGHT)) if s.key == "joyful")
    assert full.confidence == 1.0


def test_a_cut_without_faces_scores_no_mood() -> None:
    assert score_cut(CutCues((), {"v_sign": 0.9}, NEUTRAL_LIGHT)) == ()


def test_the_strip_shows_the_top_mood_and_the_second_only_when_it_comes_close() -> None:
    assert strip_moods([MoodScore("lovely", 0.8, 1.0), MoodScore("calm", 0.5, 1.0)]) == ("lovely",)
    assert strip_moods([MoodScore("lovely", 0.8, 1.0), MoodScore("cute", 0.75, 1.0)]) == ("lovely", "cute")
    summed = [MoodScore("calm", 0.6, 1.0), MoodScore("calm", 0.6, 1.0), MoodScore("joyful", 0.9, 1.0)]
    assert strip_moods(summed) == ("calm",), "summed over the cuts"
    unsure_joy = [MoodScore("joyful", 0.9, 0.2), MoodScore("calm", 0.5, 1.0)]
    assert strip_moods(unsure_joy) == ("calm",), "weighed by confidence"
    assert strip_moods([]) == ()


def test_the_loader_refuses_unknown_signals_and_non_positive_weights(tmp_path: Path) -> None:
    base = Path("vision/moods/moods.toml").read_text(encoding="utf-8")
    broken = tmp_path / "moods.toml"
    broken.write_text(base.replace('"pose.heart" = 3.0', '"pose.hug" = 3.0'), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown signals"):
        load_rules(broken)
    broken.write_text(base.replace("smile = 1.0, close", "smile = -1.0, close"), encoding="utf-8")
    with pytest.raises(ValueError, match="positive"):
        load_rules(broken)
