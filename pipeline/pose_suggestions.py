"""`/pose`: which pose to suggest to a chat. No Telegram here.

The poses to suggest are the catalogue's (building blocks never alone) that fit the chat's usual group size (the
median number of faces in its cuts: a two-person pose only when that is two or more) and that no photo of the chat
shows yet. A chat that has shown them all gets the ones it showed least. A new suggestion is drawn at random from
those, never one of the last few shown (kept in the database, so a restart does not repeat them); ◀ ▶ walk the
same list in a fixed order.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.analysis import stored_strip_moods
from pipeline.pose_examples import PoseExamples, PosePicture
from storage.moods import MoodStore
from storage.poses import PoseStore
from storage.suggestions import SuggestionStore
from vision.moods import mood_rules
from vision.poses import CataloguePose, catalogue

NOT_AGAIN = 3  # a new suggestion is none of the chat's last this many
LEAST_TRIED = NOT_AGAIN + 1  # a chat that tried everything draws from its this many least-tried poses

# A chat id → the key of a mood to suggest with the pose (one the chat's photos have not shown), or None.
UntriedMood = Callable[[int], Awaitable[str | None]]


def untried_moods(moods: MoodStore, rng: random.Random | None = None) -> UntriedMood:
    """A mood no photo of the chat has had as its strip's top mood, drawn at random; when every mood has been, one of
    the two least shown."""
    draw = rng or random.Random()

    async def untried(chat_id: int) -> str | None:
        shown = Counter(
            top[0] for stored in (await moods.moods_by_photo(chat_id)).values() if (top := stored_strip_moods(stored))
        )
        keys = mood_rules().keys
        fresh = [key for key in keys if not shown.get(key)]
        pool = fresh or sorted(keys, key=lambda key: (shown.get(key, 0), key))[:2]
        return draw.choice(pool) if pool else None

    return untried


@dataclass(frozen=True)
class PosePlan:
    """What `/pose` can suggest to one chat now."""

    order: tuple[str, ...]  # the poses to suggest, in the order ◀ ▶ walk them (least tried first when all tried)
    tried_everything: bool  # every fitting pose is in the chat's photos already
    seen: Mapping[str, int]  # pose key → the chat's photos that show it
    group_size: int  # faces in the chat's usual cut (1 for a chat without faces)

    def neighbours(self, key: str) -> tuple[str, str]:
        """The poses ◀ and ▶ lead to from `key` (round the list)."""
        order = self.order if key in self.order else (key, *self.order)
        index = order.index(key)
        return order[index - 1], order[(index + 1) % len(order)]

    def position(self, key: str) -> int | None:
        """1-based place of `key` in the list; None when it is not (any more) one of the suggestions."""
        return self.order.index(key) + 1 if key in self.order else None


@dataclass(frozen=True)
class PoseSuggestion:
    pose: CataloguePose
    plan: PosePlan
    picture: PosePicture
    mood: str | None = None  # a mood the chat has not tried (a key of the moods module), when one is plugged in

    @property
    def times_seen(self) -> int:
        return self.plan.seen.get(self.pose.key, 0)


def usual_group_size(faces_per_cut: Mapping[int, int]) -> int:
    """The median number of faces in the chat's cuts (the lower one of an even count); 1 without any cut."""
    sizes = sorted(faces_per_cut.items())
    total = sum(cuts for _, cuts in sizes)
    if total == 0:
        return 1
    middle, counted = (total - 1) // 2, 0
    for faces, cuts in sizes:
        counted += cuts
        if counted > middle:
            return max(faces, 1)
    raise AssertionError("unreachable: the median lies within the counted cuts")


def plan_poses(
    poses: Mapping[str, CataloguePose], seen: Mapping[str, int], faces_per_cut: Mapping[int, int]
) -> PosePlan:
    group = usual_group_size(faces_per_cut)
    fitting = [key for key, pose in poses.items() if not pose.building_block and pose.people <= group]
    untried = [key for key in fitting if seen.get(key, 0) == 0]
    if untried:
        return PosePlan(tuple(untried), False, dict(seen), group)
    catalogue_order = {key: index for index, key in enumerate(poses)}
    least_first = sorted(fitting, key=lambda key: (seen.get(key, 0), catalogue_order[key]))
    return PosePlan(tuple(least_first), True, dict(seen), group)


def draw_new(plan: PosePlan, recent: Sequence[str], rng: random.Random, current: str | None = None) -> str:
    """A pose to suggest now: at random among the plan's (its least tried few when everything was tried), none of
    the `recent` suggestions nor the one shown now when another is left."""
    pool = list(plan.order[:LEAST_TRIED] if plan.tried_everything else plan.order)
    for avoid in ({*recent[:NOT_AGAIN], current}, {current}, set()):
        left = [key for key in pool if key not in avoid]
        if left:
            return rng.choice(left)
    raise ValueError("the catalogue has no pose to suggest")


class PoseSuggester:
    def __init__(
        self,
        poses: PoseStore,
        suggestions: SuggestionStore,
        examples: PoseExamples,
        rng: random.Random | None = None,
        untried_mood: UntriedMood | None = None,
    ) -> None:
        self.poses, self.suggestions, self.examples = poses, suggestions, examples
        self.rng = rng or random.Random()
        self.untried_mood = untried_mood

    async def plan(self, chat_id: int) -> PosePlan:
        return plan_poses(catalogue(), await self.poses.counts(chat_id), await self.suggestions.faces_per_cut(chat_id))

    async def suggest(self, chat_id: int, key: str | None = None, instead_of: str | None = None) -> PoseSuggestion:
        """`key`: show that pose (◀ ▶); None: draw a new one (`/pose`, "another one" instead of `instead_of`).
        What is shown is logged, so the next draws avoid it."""
        plan = await self.plan(chat_id)
        if key is None or key not in catalogue():
            key = draw_new(plan, await self.suggestions.recent(chat_id, NOT_AGAIN), self.rng, instead_of)
        await self.suggestions.record(chat_id, key)
        picture = await self.examples.picture(key, chat_id)
        mood = await self.untried_mood(chat_id) if self.untried_mood is not None else None
        return PoseSuggestion(catalogue()[key], plan, picture, mood)
