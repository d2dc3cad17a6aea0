"""The OpenAI step's rules without the network: the schema, the answer check, and what an answer may add."""

from __future__ import annotations

import json

import pytest

from pipeline.analysis import FiledAnalysis, FiledFace
from pipeline.openai_refine import (
    CONFIDENT,
    OPENAI_MOOD_WEIGHT,
    OPENAI_POSE_CONFIDENCE,
    BadAnswer,
    SeenCut,
    SeenPose,
    answer_schema,
    hints,
    merge,
    parse_answer,
)
from storage.moods import AddedPose, NewMood, StoredMood
from storage.poses import StoredPose
from vision.moods import mood_rules
from vision.poses import catalogue

POSES, MOODS = tuple(catalogue()), mood_rules().keys


def _filed(poses: tuple[StoredPose, ...] = (), moods: tuple[StoredMood, ...] = ()) -> FiledAnalysis:
    """Two cuts of two faces each; face ids 11 (left), 12 (right) in cut 0 and 21, 22 in cut 1 (given right first)."""
    faces = (
        FiledFace(12, 0, (300, 10, 100, 100), 60.0, None),
        FiledFace(11, 0, (100, 10, 100, 100), 60.0, None),
        FiledFace(22, 1, (300, 510, 100, 100), 60.0, None),
        FiledFace(21, 1, (100, 510, 100, 100), 60.0, None),
    )
    return FiledAnalysis(1, -1, faces, fresh=True, poses=poses, moods=moods)


def _unsure_moods(frame: int) -> tuple[StoredMood, ...]:
    return (StoredMood(frame, "joyful", 0.5, 1.0), StoredMood(frame, "warm", 0.45, 1.0))


def test_the_schema_fixes_pose_and_mood_keys_as_enums() -> None:
    schema = answer_schema(POSES, MOODS)
    cut = schema["properties"]["cuts"]["items"]
    assert cut["properties"]["mood"]["enum"] == list(MOODS)
    assert cut["properties"]["poses"]["items"]["properties"]["pose"]["enum"] == list(POSES)
    assert schema["additionalProperties"] is False and cut["additionalProperties"] is False


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        None,
        json.dumps({"cuts": [{"cut": 1, "poses": [{"pose": "cartwheel", "people": [1]}], "mood": "lovely"}]}),
        json.dumps({"cuts": [{"cut": 1, "poses": [], "mood": "ecstatic"}]}),
        json.dumps({"cuts": [{"cut": 1, "poses": [], "mood": "lovely", "extra": 1}]}),
        json.dumps({"cuts": [{"cut": True, "poses": [], "mood": "lovely"}]}),
        json.dumps({"cuts": [{"cut": 1, "poses": [{"pose": "v_sign", "people": ["1"]}], "mood": "lovely"}]}),
        json.dumps([]),
    ],
)
def test_an_answer_off_the_schema_is_refused_whole(text: str | None) -> None:
    with pytest.raises(BadAnswer):
        parse_answer(text, POSES, MOODS)


def test_a_good_answer_is_read() -> None:
    text = json.dumps({"cuts": [{"cut": 2, "poses": [{"pose": "joint_heart", "people": [1, 2]}], "mood": "warm"}]})
    assert parse_answer(text, POSES, MOODS) == (SeenCut(2, (SeenPose("joint_heart", (1, 2)),), "warm"),)


def test_hints_number_faces_left_to_right_per_cut_with_boxes_in_the_sent_pixels() -> None:
    filed = _filed(poses=(StoredPose(0, "v_sign", 0.9, (12,)),), moods=_unsure_moods(0))
    sent = hints(filed, scale=0.5)
    first = sent["cuts"][0]
    assert first["faces"] == [{"face": 1, "box": [50, 5, 50, 50]}, {"face": 2, "box": [150, 5, 50, 50]}]
    assert first["poses"] == [{"pose": "v_sign", "people": [2], "confidence": 0.9}]
    assert first["mood"] == ["joyful", "warm"] and sent["cuts"][1]["cut"] == 2
    assert all(set(face) == {"face", "box"} for cut in sent["cuts"] for face in cut["faces"]), "no ids leave"


def test_poses_are_added_to_people_the_landmarks_did_not_read_confidently() -> None:
    answer = [SeenCut(1, (SeenPose("arms_over_shoulders", (1, 2)),), "warm")]
    assert merge(_filed(), answer).poses == (AddedPose(0, "arms_over_shoulders", OPENAI_POSE_CONFIDENCE, (11, 12)),)
    confident = (StoredPose(0, "v_sign", CONFIDENT, (12,)),)
    assert merge(_filed(poses=confident), answer).poses == (), "a confident landmark reading is never piled onto"
    unsure = (StoredPose(0, "v_sign", CONFIDENT - 0.01, (12,)),)
    assert len(merge(_filed(poses=unsure), answer).poses) == 1
    winking = (StoredPose(0, "wink", 0.9, (12,)),)
    assert len(merge(_filed(poses=winking), answer).poses) == 1, "a wink is read from the face, not the hands"


def test_added_poses_need_the_right_people_and_are_never_repeats() -> None:
    answer = [
        SeenCut(
            1,
            (
                SeenPose("joint_heart", (1,)),  # a two-person pose with one person
                SeenPose("v_sign", (3,)),  # no face 3 in cut 1
                SeenPose("v_sign", (1, 1)),
                SeenPose("finger_heart", (2,)),
                SeenPose("finger_heart", (2,)),
            ),
            "cute",
        ),
        SeenCut(9, (SeenPose("v_sign", (1,)),), "cute"),  # no such cut
    ]
    have = (StoredPose(0, "finger_heart", 0.3, (11,)),)
    added = merge(_filed(poses=have), [*answer, SeenCut(1, (SeenPose("finger_heart", (1,)),), "cute")]).poses
    assert added == (AddedPose(0, "finger_heart", OPENAI_POSE_CONFIDENCE, (12,)),)


def test_the_mood_is_a_vote_for_cuts_the_device_was_unsure_of() -> None:
    sure = (StoredMood(0, "calm", 0.8, 1.0), StoredMood(0, "chic", 0.5, 1.0))
    filed = _filed(moods=(*sure, *_unsure_moods(1)))
    added = merge(filed, [SeenCut(1, (), "lovely"), SeenCut(2, (), "lovely")]).moods
    assert added == (NewMood(1, "lovely", 1.0, OPENAI_MOOD_WEIGHT),), "cut 1's calm was sure; cut 2 was not"
