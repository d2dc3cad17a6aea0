"""Which pose /pose suggests: untried poses that fit the usual group size, never a building block, no repeat of the
last few, the least tried ones once everything was tried, and ◀ ▶ round a fixed order."""

from __future__ import annotations

import random

import pytest

from pipeline.pose_suggestions import LEAST_TRIED, NOT_AGAIN, PosePlan, draw_new, plan_poses, usual_group_size
from storage.moods import StoredMood
from vision.poses import CataloguePose, catalogue


def _pose(key: str, people: int = 1, building_block: bool = False) -> CataloguePose:
    return CataloguePose(key, key, key, "how", "how", people, "hand_shape", building_block)


POSES = {
    pose.key: pose
    for pose in (
        _pose("v_sign"),
        _pose("joint_heart", people=2),
        _pose("finger_heart"),
        _pose("fist", building_block=True),
        _pose("wink"),
        _pose("bunny_ears", people=2),
        _pose("thumbs_up"),
    )
}


@pytest.mark.parametrize(
    ("faces_per_cut", "expected"),
    [({}, 1), ({1: 5}, 1), ({1: 2, 2: 3}, 2), ({1: 2, 2: 2}, 1), ({1: 1, 3: 1, 4: 1}, 3), ({2: 1, 1: 3}, 1)],
)
def test_the_usual_group_size_is_the_median_faces_per_cut(faces_per_cut: dict[int, int], expected: int) -> None:
    assert usual_group_size(faces_per_cut) == expected


def test_untried_poses_fitting_the_group_in_catalogue_order() -> None:
    solo = plan_poses(POSES, {"v_sign": 3}, {1: 10, 2: 1})
    assert solo.order == ("finger_heart", "wink", "thumbs_up"), "no pair pose, no building block, no tried pose"
    assert not solo.tried_everything and solo.group_size == 1
    pairs = plan_poses(POSES, {"v_sign": 3, "wink": 1}, {2: 4, 3: 1})
    assert pairs.order == ("joint_heart", "finger_heart", "bunny_ears", "thumbs_up")


def test_a_chat_that_tried_everything_gets_the_least_tried_first() -> None:
    seen = {"v_sign": 5, "finger_heart": 1, "wink": 2, "thumbs_up": 1, "fist": 9}
    plan = plan_poses(POSES, seen, {1: 3})
    assert plan.tried_everything
    assert plan.order == ("finger_heart", "thumbs_up", "wink", "v_sign")


def test_neighbours_go_round_the_list_and_position_counts_from_one() -> None:
    plan = PosePlan(("a", "b", "c"), False, {}, 1)
    assert plan.neighbours("a") == ("c", "b") and plan.neighbours("c") == ("b", "a")
    assert plan.position("b") == 2 and plan.position("z") is None
    assert plan.neighbours("z") == ("c", "a"), "a pose no longer in the list is put before it"


def test_new_draws_avoid_the_last_few_and_the_one_shown_and_cover_the_rest() -> None:
    plan = PosePlan(("a", "b", "c", "d", "e"), False, {}, 1)
    rng = random.Random(4)
    recent = ["a", "b", "c"]
    draws = {draw_new(plan, recent, rng, current="d") for _ in range(50)}
    assert draws == {"e"}
    draws = {draw_new(plan, ["a"], rng) for _ in range(200)}
    assert draws == {"b", "c", "d", "e"}, "every other pose comes up"
    assert len(recent) == NOT_AGAIN


def test_a_short_list_still_answers_and_never_repeats_the_one_shown_when_it_can() -> None:
    rng = random.Random(1)
    two = PosePlan(("a", "b"), False, {}, 1)
    assert {draw_new(two, ["a", "b"], rng, current="a") for _ in range(20)} == {"b"}
    one = PosePlan(("a",), False, {}, 1)
    assert draw_new(one, ["a"], rng, current="a") == "a"


def test_when_everything_was_tried_draws_come_from_the_least_tried_few() -> None:
    keys = tuple(f"p{i}" for i in range(8))
    plan = PosePlan(keys, True, dict.fromkeys(keys, 1), 1)
    draws = {draw_new(plan, [], random.Random(seed)) for seed in range(100)}
    assert draws == set(keys[:LEAST_TRIED])


def test_the_shipped_catalogue_suggests_its_named_poses_only() -> None:
    plan = plan_poses(catalogue(), {}, {})
    assert "v_sign" in plan.order and "open_palm" not in plan.order and "joint_heart" not in plan.order
    assert len(plan_poses(catalogue(), {}, {2: 1}).order) == 16


class _TopMoods:
    """A chat whose photos each topped by one mood: mood key → how many photos."""

    def __init__(self, counts: dict[str, int]) -> None:
        keys = [key for key, count in counts.items() for _ in range(count)]
        self.photos = {
            photo: [StoredMood(0, key, 0.8, 1.0), StoredMood(0, "calm", 0.1, 1.0)] for photo, key in enumerate(keys)
        }

    async def moods_by_photo(self, chat_id: int) -> dict[int, list[StoredMood]]:
        return self.photos


def test_a_strips_moods_sum_score_times_confidence_over_its_cuts() -> None:
    from pipeline.analysis import stored_strip_moods

    # calm leads cut 0, but lovely's sum over the strip is larger
    assert (
        stored_strip_moods(
            [StoredMood(0, "calm", 0.9, 1.0), StoredMood(0, "lovely", 0.5, 1.0), StoredMood(1, "lovely", 0.6, 1.0)]
        )[0]
        == "lovely"
    )
    # confidence weighs the score: joyful 0.9 × 0.5 < cute 0.6 × 1.0
    assert stored_strip_moods([StoredMood(0, "joyful", 0.9, 0.5), StoredMood(0, "cute", 0.6, 1.0)])[0] == "cute"


async def test_the_mood_to_try_is_one_the_chat_has_not_shown() -> None:
    from pipeline.pose_suggestions import untried_moods
    from vision.moods import mood_rules

    keys = mood_rules().keys
    shown = {key: 3 for key in keys[1:]}
    untried = untried_moods(_TopMoods(shown), random.Random(1))  # type: ignore[arg-type]
    assert {await untried(7) for _ in range(10)} == {keys[0]}
    everything = {key: 5 for key in keys} | {keys[2]: 1, keys[4]: 2}
    untried = untried_moods(_TopMoods(everything), random.Random(1))  # type: ignore[arg-type]
    assert {await untried(7) for _ in range(20)} == {keys[2], keys[4]}
