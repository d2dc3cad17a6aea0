"""Smile scorer: calibrated on real labelled crops, defined on bad input, model file consistent with the code."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from evals.common import eval_data_dir
from evals.smile_data import FEATURES, SMALL_FACE_PX, load_smile_set, read_rgb
from vision.faces import DetectedFace
from vision.smile.fallback import FALLBACK_KINDS, FallbackModel, hog
from vision.smile.pixels import DESCRIPTOR_KIND, DESCRIPTOR_LENGTH, PixelModel, chip_descriptor, descriptor_view
from vision.smile.scorer import (
    MEASUREMENTS,
    MODEL_JSON,
    NO_FACE_SCORE,
    SURE_ABOVE,
    SURE_BELOW,
    SmileModel,
    SmileScorer,
    crop_face,
    reading_views,
    smile_score_crop,
    smile_scores,
)
from vision.smile.views import prepare_view

SAMPLE_PER_CLASS = 12


def _smile_dir() -> Path:
    data = eval_data_dir()
    if data is None or not (data / "smile" / "labels.csv").is_file():
        pytest.skip("needs ../shared/eval/smile (or EVAL_DATA=<dir>): labelled GENKI-4K crops are not in the repo")
    return data / "smile"


@pytest.fixture(scope="module")
def labelled_sample() -> tuple[list[np.ndarray], list[np.ndarray]]:
    crops = load_smile_set(_smile_dir())
    smiling = [read_rgb(p) for p, y in zip(crops.files, crops.labels, strict=True) if y == 1][:SAMPLE_PER_CLASS]
    neutral = [read_rgb(p) for p, y in zip(crops.files, crops.labels, strict=True) if y == 0][:SAMPLE_PER_CLASS]
    return smiling, neutral


@pytest.fixture(scope="module")
def scorer() -> SmileScorer:
    return SmileScorer.shared()


def test_model_json_loads_and_its_features_are_the_recipe_and_measured() -> None:
    model = SmileModel.load()
    raw = json.loads(MODEL_JSON.read_text(encoding="utf-8"))
    assert model.features == tuple(raw["features"]) == FEATURES
    assert set(model.features) <= set(MEASUREMENTS)
    assert np.all(model.scale > 0)
    assert model.coef[model.features.index("bs.mouthSmile")] > 0, "more smile blendshape must mean more smile"


def test_model_json_ships_the_small_face_model_of_the_recipe() -> None:
    small = SmileModel.load().small
    assert small is not None
    assert small.features == FEATURES and small.face_px == SMALL_FACE_PX
    assert small.weight(SMALL_FACE_PX[0]) == 1.0 and small.weight(SMALL_FACE_PX[1]) == 0.0


def test_the_labelled_crops_are_read_by_the_main_model_alone(labelled_sample) -> None:
    """The small-face zone ends at or below the GENKI crops' size, so smile.accuracy is the main model's (a zone
    reaching past them cost 0.007 of CV accuracy, README "Framing")."""
    small = SmileModel.load().small
    assert small is not None
    smiling, neutral = labelled_sample
    sides = {max(crop.shape[:2]) for crop in smiling + neutral}
    assert sides and all(small.weight(side) == 0.0 for side in sides)


def test_a_face_at_print_size_is_scored_by_the_small_face_model(labelled_sample) -> None:
    """read_face hands the face's size to the model: a small-face model that always says "not smiling" decides a
    40-px face, and does not touch a 200-px one."""
    shipped = SmileModel.load()
    assert shipped.small is not None
    never = replace(shipped.small, coef=np.zeros_like(shipped.small.coef), intercept=-30.0)
    scorer = SmileScorer(replace(shipped, small=never))
    big = cv2.resize(labelled_sample[0][0], (200, 200), interpolation=cv2.INTER_CUBIC)
    assert scorer.read_face(big, 200).score > 50
    small = cv2.resize(labelled_sample[0][0], (40, 40), interpolation=cv2.INTER_AREA)
    assert scorer.read_face(small, 40).score == 0.0


def test_model_json_ships_the_pixel_stack_of_the_recipe() -> None:
    raw = json.loads(MODEL_JSON.read_text(encoding="utf-8"))
    assert raw["pixels"]["descriptor"] == DESCRIPTOR_KIND
    pixels = SmileModel.load().pixels
    assert pixels is not None and pixels.coef.shape == (DESCRIPTOR_LENGTH,)
    _b0, b1, b2, b3 = pixels.stack
    assert b1 > 0 and b2 > 0 and b3 > 0, "every reading must count towards a smile"
    assert len(raw["pixels"]["stack"]) == 4


def test_read_face_stacks_the_pixel_reading_of_its_first_reading_view(labelled_sample) -> None:
    """A pixel model sure that nothing smiles, given the weight, turns a broad smile into 0; a stack of (0, 1, 0)
    leaves the landmark reading; one of (0, 0, 1) gives the pixel reading of the first reading view's descriptor."""
    shipped = SmileModel.load()
    crop = labelled_sample[0][0]
    length = DESCRIPTOR_LENGTH
    never = PixelModel(np.zeros(length), np.ones(length), np.zeros(length), -30.0, (0.0, 0.1, 5.0, 0.0))
    assert SmileScorer(replace(shipped, pixels=never)).read_face(crop, 64).score == 0.0
    landmarks = SmileScorer(replace(shipped, pixels=None)).read_face(crop, 64).score
    assert landmarks > 50
    landmarks_only = replace(never, stack=(0.0, 1.0, 0.0, 0.0))
    assert SmileScorer(replace(shipped, pixels=landmarks_only)).read_face(crop, 64).score == landmarks
    coef = np.random.default_rng(1).normal(0.0, 0.2, length)
    pixels_only = PixelModel(np.zeros(length), np.ones(length), coef, 0.0, (0.0, 0.0, 1.0, 0.0))
    scorer = SmileScorer(replace(shipped, pixels=pixels_only))
    first = scorer._first_view(reading_views(crop, 64)[0])
    assert first is not None
    descriptor = chip_descriptor(*descriptor_view(first[0], first[3]))
    assert descriptor is not None
    expected = round(100.0 * float(pixels_only.probability(descriptor)), 1)
    assert scorer.read_face(crop, 64).score == pytest.approx(expected, abs=0.1)
    assert not 45 < expected < 55 and abs(expected - landmarks) > 1, "pick a pixel model that tells the two apart"


def test_read_face_stacks_the_expression_reading_of_its_first_reading_view(labelled_sample) -> None:
    """A stack of (0, 0, 0, 1) gives the expression net's P(happy) of the first reading view's face: a broad smile
    reads high, and the shipped stack moves with it."""
    shipped = SmileModel.load()
    assert shipped.pixels is not None
    happy_only = replace(shipped, pixels=replace(shipped.pixels, stack=(0.0, 0.0, 0.0, 1.0)))
    scorer = SmileScorer(happy_only)
    crop = labelled_sample[0][0]
    first = scorer._first_view(reading_views(crop, 64)[0])
    assert first is not None
    descriptor, happy = scorer.view_readings(first[0], first[3])
    assert descriptor is not None and happy is not None
    assert scorer.read_face(crop, 64).score == pytest.approx(round(100.0 * happy, 1), abs=0.1)
    assert happy > 0.5


def test_the_expression_net_tells_smiles_from_neutral_faces(labelled_sample, scorer: SmileScorer) -> None:
    """FER-2013's P(happy) alone, on the sample's reading views: smiling crops read higher than neutral ones."""
    smiling, neutral = labelled_sample

    def happy_of(crops: list[np.ndarray]) -> list[float]:
        values = []
        for crop in crops:
            first = scorer._first_view(reading_views(crop, max(crop.shape[:2]))[0])
            happy = None if first is None else scorer.view_readings(first[0], first[3])[1]
            if happy is not None:
                values.append(happy)
        return values

    smiles, neutrals = happy_of(smiling), happy_of(neutral)
    assert len(smiles) >= 8 and len(neutrals) >= 8
    wins = np.mean([s > n for s in smiles for n in neutrals])
    assert wins > 0.8, f"P(happy) ranks a smile above a neutral face only {wins:.2f} of the time"


def test_model_json_with_an_unknown_feature_is_refused(tmp_path: Path) -> None:
    raw = json.loads(MODEL_JSON.read_text(encoding="utf-8"))
    raw["features"][0] = "bs.notABlendshape"
    broken = tmp_path / "smile_model.json"
    broken.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="notABlendshape"):
        SmileModel.load(broken)


def test_smiles_score_far_above_neutral_faces(labelled_sample, scorer: SmileScorer) -> None:
    smiling, neutral = labelled_sample
    smile_scores_ = [scorer.read(crop).score for crop in smiling]
    neutral_scores = [scorer.read(crop).score for crop in neutral]
    assert all(0.0 <= s <= 100.0 for s in smile_scores_ + neutral_scores)
    assert np.mean(smile_scores_) - np.mean(neutral_scores) > 40
    assert np.median(neutral_scores) < 30
    assert np.median(smile_scores_) > 70


def test_greyscale_input_scores_like_colour(labelled_sample, scorer: SmileScorer) -> None:
    smiling, neutral = labelled_sample
    for crop in (smiling[0], neutral[0]):
        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        as_2d, as_3d = scorer.read(grey), scorer.read(np.repeat(grey[:, :, None], 3, axis=2))
        assert as_2d == as_3d
        assert as_2d.face_found
    assert scorer.read(cv2.cvtColor(smiling[0], cv2.COLOR_RGB2GRAY)).score > 50
    assert scorer.read(cv2.cvtColor(neutral[0], cv2.COLOR_RGB2GRAY)).score < 50


def test_tight_greyscale_crops_still_separate_smiles(labelled_sample, scorer: SmileScorer) -> None:
    """Hidden sets include greyscale crops cut close to the face: the grey-frame retries must find those faces."""
    smiling, neutral = labelled_sample

    def tight_grey(crop: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(crop[8:56, 8:56], cv2.COLOR_RGB2GRAY)

    smile_readings = [scorer.read(tight_grey(crop)) for crop in smiling]
    neutral_readings = [scorer.read(tight_grey(crop)) for crop in neutral]
    assert sum(r.face_found for r in smile_readings + neutral_readings) >= 0.8 * (len(smiling) + len(neutral))
    assert np.mean([r.score for r in smile_readings]) - np.mean([r.score for r in neutral_readings]) > 40


def test_concurrent_reads_match_sequential_ones(labelled_sample) -> None:
    smiling, neutral = labelled_sample
    crops = smiling[:3] + neutral[:3]
    scorer = SmileScorer.shared()
    sequential = [scorer.read(crop) for crop in crops]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(pool.map(scorer.read, crops))
    assert concurrent == sequential


def test_the_mirror_view_is_consulted_only_when_the_first_view_is_unsure(labelled_sample, scorer) -> None:
    smiling, neutral = labelled_sample
    one_view = SmileScorer(mirror=False)
    single = [one_view.read(crop).score for crop in smiling + neutral]
    both = [scorer.read(crop).score for crop in smiling + neutral]
    for first, final in zip(single, both, strict=True):
        if first < SURE_BELOW * 100 - 0.1 or first > SURE_ABOVE * 100 + 0.1:  # clear of the rounding at the edges
            assert final == first
    unsure = [i for i, first in enumerate(single) if SURE_BELOW * 100 < first < SURE_ABOVE * 100]
    assert any(both[i] != single[i] for i in unsure) or not unsure


def test_a_big_upscaled_crop_keeps_its_verdict(labelled_sample, scorer: SmileScorer) -> None:
    smiling, neutral = labelled_sample
    big_smile = cv2.resize(smiling[0], (640, 640), interpolation=cv2.INTER_CUBIC)
    big_neutral = cv2.resize(neutral[0], (640, 640), interpolation=cv2.INTER_CUBIC)
    assert scorer.read(big_smile).score > 50 > scorer.read(big_neutral).score


def test_a_non_face_crop_is_flagged_with_the_defined_score(scorer: SmileScorer) -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, size=(96, 96, 3), dtype=np.uint8)
    flat = np.full((80, 80, 3), 200, dtype=np.uint8)
    for crop in (noise, flat):
        reading = scorer.read(crop)
        assert not reading.face_found
        assert reading.score == NO_FACE_SCORE
        assert reading.source == "none"


def test_tiny_and_empty_crops_do_not_raise(scorer: SmileScorer) -> None:
    tiny = np.full((3, 2, 3), 120, dtype=np.uint8)
    assert scorer.read(tiny).score == NO_FACE_SCORE
    assert scorer.read(np.zeros((0, 0, 3), dtype=np.uint8)).face_found is False
    with pytest.raises(ValueError, match="RGB"):
        scorer.read(np.zeros((10, 10, 2), dtype=np.uint8))


def test_model_json_ships_a_fallback_of_a_known_kind() -> None:
    fallback = SmileModel.load().fallback
    assert fallback is not None and fallback.kind in FALLBACK_KINDS
    assert fallback.mean.shape == fallback.coef.shape == fallback.scale.shape
    assert len(fallback.coef) == len(hog(np.zeros((32, 64), dtype=np.uint8)))
    with pytest.raises(ValueError, match="kind"):
        FallbackModel.from_json({"kind": "tea_leaves", "mean": [0], "scale": [1], "coef": [1], "intercept": 0})


def test_a_face_the_landmarker_cannot_read_gets_a_fallback_score(scorer: SmileScorer) -> None:
    """file2720 (neutral) cut to its central 80 % in greyscale: FaceLandmarker finds no face in any attempt, YuNet
    does; the fallback reads it (the landmarker's NO_FACE_SCORE would say "cannot tell")."""
    crop = cv2.cvtColor(read_rgb(_smile_dir() / "images" / "file2720.jpg")[6:58, 6:58], cv2.COLOR_RGB2GRAY)
    assert scorer.measure(crop) is None, "the landmarker now reads this crop: pick another for the fallback test"
    reading = scorer.read(crop)
    assert reading.face_found and reading.source == "fallback"
    assert reading.score < 50  # labelled not smiling


def test_fallback_scores_separate_smiles_on_faces_it_is_shown(labelled_sample) -> None:
    """The fallback alone (as if the landmarker had failed) still tells smiles from neutral faces."""
    smiling, neutral = labelled_sample
    scorer = SmileScorer.shared()
    smile_readings_ = [scorer._fallback_reading(crop) for crop in smiling]
    neutral_readings = [scorer._fallback_reading(crop) for crop in neutral]
    read = [r for r in smile_readings_ + neutral_readings if r.source == "fallback"]
    assert len(read) >= 0.8 * (len(smiling) + len(neutral))  # YuNet finds ~95 % of these crops
    smile_mean = np.mean([r.score for r in smile_readings_ if r.source == "fallback"])
    neutral_mean = np.mean([r.score for r in neutral_readings if r.source == "fallback"])
    assert smile_mean - neutral_mean > 30


def test_smile_score_crop_uses_the_shared_scorer(labelled_sample) -> None:
    smiling, _ = labelled_sample
    assert SmileScorer.shared() is SmileScorer.shared()
    assert smile_score_crop(smiling[0]) == SmileScorer.shared().read(smiling[0]).score


def _face(box: tuple[int, int, int, int]) -> DetectedFace:
    x, y, w, h = box
    eyes = ((x + 0.3 * w, y + 0.4 * h), (x + 0.7 * w, y + 0.4 * h))
    return DetectedFace(box=box, score=0.9, landmarks=(*eyes, (x + 0.5 * w, y + 0.6 * h), (x, y), (x + w, y)))


def test_smile_scores_crop_each_face_of_a_photo(labelled_sample) -> None:
    smiling, neutral = labelled_sample
    photo = np.full((200, 400, 3), 90, dtype=np.uint8)
    photo[60:124, 40:104] = smiling[0]
    photo[60:124, 260:324] = neutral[0]
    faces = [_face((40, 60, 64, 64)), _face((260, 60, 64, 64)), _face((390, 190, 30, 30))]
    scores = smile_scores(photo, faces)
    assert len(scores) == 3
    assert scores[0] > 50 > scores[1]
    assert scores[2] == NO_FACE_SCORE  # a box hanging off the corner: a sliver of background, no face


def test_crop_face_and_prepare_view_geometry() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    crop = crop_face(image, (90, 40, 20, 20), margin=0.5)
    assert crop.shape == (40, 40, 3)
    assert crop_face(image, (0, 0, 20, 20), margin=0.5).shape == (30, 30, 3)  # clipped at the image edge
    view = prepare_view(np.zeros((30, 60, 3), dtype=np.uint8), margin=0.25, size=128)
    assert view.shape == (128, 128, 3)


def _views_read(scorer: SmileScorer, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The pixels of every view the scorer's landmarker is run on from now on, in order."""
    seen: list[bytes] = []
    original = scorer._view_reading

    def counting(view: np.ndarray):  # type: ignore[no-untyped-def]
        seen.append(view.tobytes())
        return original(view)

    monkeypatch.setattr(scorer, "_view_reading", counting)
    return seen


def test_a_face_whose_views_fail_is_read_from_its_first_view_without_running_the_landmarker_on_it_again(
    labelled_sample, scorer: SmileScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """read_face falls back to `read` of the crop when no READ_VIEW finds the face (here: a face said to be 400 px,
    shrunk to 8 pixels); the first view was already read, so every view the landmarker sees is a new one."""
    crop = labelled_sample[0][0]
    expected = scorer.read(crop)
    seen = _views_read(scorer, monkeypatch)
    reading = scorer.read_face(crop, 400)
    assert reading == expected and reading.blendshapes == expected.blendshapes
    assert seen and len(seen) == len(set(seen)), "the landmarker read one view twice"


def test_a_face_already_at_read_size_is_read_once_for_its_crop_and_its_read_view(
    labelled_sample, scorer: SmileScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A face whose box is READ_FACE_PX (48 px) has a READ_VIEW with the crop's very pixels: the landmarker reads
    them once (the crop's first view stands for that view) and the score is the model's on that one reading."""
    smiling, neutral = labelled_sample
    crop, first = next(
        (crop, first)
        for crop in smiling + neutral
        for first in [scorer._first_view(crop)]
        if first is not None and not SURE_BELOW < float(scorer.model.probability(first[1], 48)) < SURE_ABOVE
    )
    seen = _views_read(scorer, monkeypatch)
    reading = scorer.read_face(crop, 48)
    probability = float(scorer.model.probability(first[1], 48))
    assert scorer.model.pixels is not None
    stacked = scorer.model.with_pixels(probability, *scorer.view_readings(first[0], first[3]))
    assert reading.score == round(100.0 * stacked, 1)
    assert reading.blendshapes == first[2]
    assert seen and len(seen) == len(set(seen)), "the landmarker read one view twice"
