"""The pose classes of the render set: one function per class that poses one or two people with random jitter, and
`render_scene`, which draws them with real pasted faces on a booth-like backdrop.

Every scene is driven by ``numpy.random.default_rng((seed, class index, sample))``: the same seed and face
sources give the same pictures. Each class names the pose keys (vision/poses/catalogue.toml) its pictures show;
the negative classes show none of the measured ones (arms down, a wave, a V beside the face, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from evals.pose_renders.faces import FaceSource, paste_face
from evals.pose_renders.figure import FOLDED, PALM, Arm, Colour, Drawn, Hand, HandShape, Person, draw_person
from evals.pose_renders.raster import Canvas

# Drawn at 2x and scaled down (smooth edges). At 1x the eval took 204 s of CPU, not 247, but the figures move: flower
# cup recall 0.60 -> 0.35 (its two hands' landmarks sit near the rule's edge), so the cheaper drawing was not kept.
SUPERSAMPLE = 2
SINGLE_SIZE, PAIR_SIZE = (600, 760), (880, 700)  # width, height of a cut
MEASURED = (
    "finger_heart",
    "cheek_heart",
    "cheek_poke",
    "arm_heart",
    "flower_cup",
    "hands_up",
    "arms_crossed",
    "joint_heart",
    "arms_over_shoulders",
    "bunny_ears",
)
SHIRTS: tuple[Colour, ...] = (
    (240, 240, 236),
    (30, 32, 40),
    (70, 90, 150),
    (170, 60, 70),
    (90, 130, 90),
    (220, 190, 120),
)
HAIR: tuple[Colour, ...] = ((25, 20, 18), (45, 32, 25), (70, 50, 35), (20, 20, 24))
BACKDROPS: tuple[Colour, ...] = ((250, 250, 250), (246, 226, 232), (214, 230, 248), (232, 240, 224), (60, 60, 66))
Point3 = tuple[float, float, float]


def _spread(index: float = 6.0) -> dict[str, float]:
    return {"index": index, "ring": -index * 0.7, "pinky": -index * 1.4}


OPEN = HandShape({f: (5.0, 6.0, 3.0) for f in ("index", "middle", "ring", "pinky")}, _spread(), (78.0, 62.0, -8.0))
TOGETHER = HandShape({f: (12.0, 12.0, 6.0) for f in ("index", "middle", "ring", "pinky")}, {}, (58.0, 62.0, -6.0))
RELAXED = HandShape({f: (20.0, 30.0, 15.0) for f in ("index", "middle", "ring", "pinky")}, {}, (45.0, 60.0, 15.0))
FIST = HandShape({f: FOLDED for f in ("index", "middle", "ring", "pinky")}, {}, None)
V_SIGN = HandShape({"ring": FOLDED, "pinky": FOLDED}, {"index": 9.0, "middle": -9.0}, (-6.0, 62.0, 40.0))
POINT = HandShape({f: FOLDED for f in ("middle", "ring", "pinky")}, {}, (0.0, 62.0, 40.0))
C_CURL = HandShape({f: (35.0, 60.0, 35.0) for f in ("index", "middle", "ring", "pinky")}, {}, (40.0, 50.0, 35.0))
HALF_HEART = HandShape({f: (40.0, 60.0, 30.0) for f in ("index", "middle", "ring", "pinky")}, {}, (40.0, -25.0, 55.0))


@dataclass(frozen=True)
class Rendered:
    rgb: np.ndarray  # uint8 RGB
    truth: frozenset[str]  # the measured pose keys the picture shows
    allowed: frozenset[str]  # keys it may also show (named or not, they count neither way)
    drawn: tuple[Drawn, ...]  # true landmarks, image pixels


@dataclass(frozen=True)
class PoseClass:
    name: str
    truth: frozenset[str]
    people: int
    pose: Callable[[np.random.Generator, float], list[tuple[Arm, Arm]]]  # per person: (left arm, right arm)
    allowed: frozenset[str] = frozenset()


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _wrist_for(hand: Hand, point: int, target: Point3) -> Point3:
    """Where the wrist must be (face widths) for hand point `point` to land on `target`."""
    offset = hand.shape.points()[point] @ hand.frame().T * (PALM / 100.0)
    return tuple(np.asarray(target) - offset)


def _down(side: str, rng: np.random.Generator) -> Arm:
    sign = 1.0 if side == "left" else -1.0
    hand = Hand(RELAXED, side, (sign * 0.1, 1.0, 0.0), (-sign, 0.0, 0.2))
    return Arm(
        (sign * _u(rng, 1.4, 1.8), _u(rng, 4.6, 5.0), _u(rng, -0.1, 0.3)),
        (sign, 0.0, 0.5),
        hand,
        bool(rng.random() < 0.5),
    )


def _arms(left: Arm, right: Arm) -> tuple[Arm, Arm]:
    return left, right


def hands_up(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    arms = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        lean = _u(rng, 0.05, 0.4)
        hand = Hand(OPEN, side, (sign * lean, -1.0, 0.0), (0.0, 0.0, -1.0))
        wrist = (sign * _u(rng, 1.6, 2.3), _u(rng, -1.9, -1.3), _u(rng, -0.3, 0.2))
        arms.append(Arm(wrist, (sign, 0.3, 0.3), hand, bool(rng.random() < 0.5)))
    return [_arms(*arms)]


def arm_heart(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    arms = []
    height = _u(rng, -1.35, -1.05)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hand = Hand(RELAXED, side, (-sign * 0.85, -0.5, 0.0), (0.0, 1.0, 0.3))
        arms.append(Arm((sign * _u(rng, 0.3, 0.5), height + _u(rng, -0.05, 0.05), 0.1), (sign, -0.3, 0.2), hand))
    return [_arms(*arms)]


def flower_cup(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    arms = []
    height = _u(rng, 1.1, 1.3)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        out = _u(rng, 0.4, 0.65)
        hand = Hand(TOGETHER, side, (sign * out, -1.0, -0.15), (0.0, -0.35, -1.0))
        arms.append(Arm((sign * _u(rng, 0.06, 0.16), height, -0.55), (sign * 0.6, 1.0, -0.3), hand))
    return [_arms(*arms)]


def finger_heart_shape(rng: np.random.Generator) -> HandShape:
    """손가락 하트: the index bent at its knuckle, the thumb stretched up along it so that its pad crosses the index's
    middle bone on the thumb side; the other three fingers folded. (The first renders ended the thumb at the tip of
    an almost straight index: a thumb 1.5 times too long, read by MediaPipe as a pointing hand.)"""
    bends = {
        "index": (_u(rng, 55, 85), _u(rng, 30, 55), _u(rng, 5, 25)),
        **{f: FOLDED for f in ("middle", "ring", "pinky")},
    }
    index = HandShape(bends, {}, None).points()
    along = _u(rng, 0.3, 1.0)
    cross = index[6] + along * (index[7] - index[6]) + np.array([_u(rng, 8, 14), _u(rng, 0, 8), _u(rng, -5, 5)])
    return HandShape(bends, {}, tuple(float(v) for v in cross))  # type: ignore[arg-type]


def _finger_heart_arm(side: str, tip: Point3, rng: np.random.Generator) -> Arm:
    sign = 1.0 if side == "left" else -1.0
    # Palm turned towards the face, so the bent index and the crossing thumb are seen side-on.
    hand = Hand(
        finger_heart_shape(rng), side, (sign * _u(rng, -0.1, 0.25), -1.0, 0.0), (-sign, 0.0, -_u(rng, 0.4, 0.9))
    )
    return Arm(_wrist_for(hand, 8, tip), (sign, 0.6, 0.2), hand)


def finger_heart(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    side = "left" if rng.random() < 0.5 else "right"
    sign = 1.0 if side == "left" else -1.0
    raised = _finger_heart_arm(side, (sign * _u(rng, 0.95, 1.4), _u(rng, -0.2, 1.4), -0.7), rng)
    other = _down("right" if side == "left" else "left", rng)
    return [(raised, other) if side == "left" else (other, raised)]


def cheek_heart(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    if rng.random() < 0.5:  # one finger heart against a cheek
        side = "left" if rng.random() < 0.5 else "right"
        sign = 1.0 if side == "left" else -1.0
        raised = _finger_heart_arm(side, (sign * _u(rng, 0.28, 0.36), _u(rng, 0.05, 0.35), -0.5), rng)
        other = _down("right" if side == "left" else "left", rng)
        return [(raised, other) if side == "left" else (other, raised)]
    arms = []  # both hands curled on the cheeks
    height = _u(rng, 0.1, 0.35)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hand = Hand(C_CURL, side, (-sign * 0.35, -1.0, -0.1), (-sign, 0.0, -0.4))
        arms.append(Arm(_wrist_for(hand, 8, (sign * _u(rng, 0.28, 0.36), height, -0.5)), (sign, 0.8, 0.0), hand))
    return [_arms(*arms)]


def cheek_poke(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    both = rng.random() < 0.5
    arms = []
    height = _u(rng, 0.1, 0.35)
    first = "left" if rng.random() < 0.5 else "right"
    for side, sign in (("left", 1.0), ("right", -1.0)):
        if both or side == first:
            hand = Hand(POINT, side, (-sign * 0.6, -0.8, 0.1), (0.0, 0.0, -1.0))
            arms.append(Arm(_wrist_for(hand, 8, (sign * _u(rng, 0.27, 0.36), height, -0.52)), (sign, 0.8, 0.0), hand))
        else:
            arms.append(_down(side, rng))
    return [_arms(*arms)]


def arms_crossed(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    height = _u(rng, 2.6, 3.0)
    arms = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hand = Hand(FIST, side, (-sign, 0.25, 0.0), (0.0, 0.0, 1.0))
        wrist = (-sign * _u(rng, 0.55, 0.9), height + _u(rng, -0.1, 0.1), -0.75 - 0.12 * sign)
        arms.append(Arm(wrist, (sign, 0.4, 0.0), hand))
    return [_arms(*arms)]


# ----- two people: the first stands on the viewer's left; offsets are in the first person's face widths -----
GAP = (2.0, 2.5)


def joint_heart(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    meet = (gap / 2, _u(rng, 0.6, 1.8), -0.9)
    people = []
    for index, (side, sign) in enumerate((("left", 1.0), ("right", -1.0))):
        # Each inner hand is half a heart, as joint hearts are held: knuckles out (the hand's back partly to the
        # camera), the hand upright with the fingers curled over towards the partner (the heart's top lobe, tips
        # touching), the thumb stretched down to meet the partner's (its point, a face width below the tips), the
        # elbow hanging below the wrist. The first renders drew the hand tilted inwards and flat with the thumb level
        # at the wrist (a diamond, not a heart) and bent the elbow towards the partner, so the two forearms crossed in
        # front of the thumbs.
        hand = Hand(HALF_HEART, side, (sign * 0.15, -1.0, 0.0), (sign, 0.0, _u(rng, 0.3, 1.3)))
        top = np.array([meet[0] - gap * index + _u(rng, -0.05, 0.05), meet[1], meet[2]])
        wrist = np.asarray(_wrist_for(hand, 8, tuple(top)))
        bottom = top + np.array([-sign * 0.05, _u(rng, 0.9, 1.1), 0.0])  # within the thumb's reach
        thumb = np.linalg.solve(hand.frame(), bottom - wrist) * (100.0 / PALM)
        hand = Hand(HandShape(HALF_HEART.bends, {}, tuple(thumb)), side, hand.finger_dir, hand.palm_dir)
        inner = Arm(tuple(wrist), (-sign * 0.4, 1.0, -0.2), hand)
        outer = _down("right" if side == "left" else "left", rng)
        people.append((inner, outer) if side == "left" else (outer, inner))
    return people


def arms_over_shoulders(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    hand = Hand(RELAXED, "left", (0.1, 1.0, -0.4), (0.0, 0.0, 1.0))
    # The arm lies across the partner's back and shoulders, its elbow bent backwards at shoulder height (the first
    # renders bent it upwards, beside the faces a face width above the shoulders: an arm raised, not resting).
    over = Arm((gap + _u(rng, 0.9, 1.2), _u(rng, 1.45, 1.65), 0.05), (0.0, _u(rng, -0.1, 0.15), 1.0), hand)
    return [(over, _down("right", rng)), (_down("left", rng), _down("right", rng))]


def bunny_ears(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    hand = Hand(V_SIGN, "left", (_u(rng, -0.2, 0.1), -1.0, 0.1), (0.0, 0.0, -1.0))
    ears = Arm((gap + _u(rng, -0.15, 0.15), _u(rng, -0.75, -0.45), 0.75), (1.0, 0.5, 0.5), hand)
    return [(ears, _down("right", rng)), (_down("left", rng), _down("right", rng))]


# ----- negatives -----
def arms_down(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    return [(_down("left", rng), _down("right", rng))]


def wave(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    side = "left" if rng.random() < 0.5 else "right"
    sign = 1.0 if side == "left" else -1.0
    hand = Hand(OPEN, side, (sign * _u(rng, 0.0, 0.4), -1.0, 0.0), (0.0, 0.0, -1.0))
    raised = Arm((sign * _u(rng, 1.5, 1.9), _u(rng, -0.6, 0.2), -0.1), (sign, 0.8, 0.3), hand)
    other = _down("right" if side == "left" else "left", rng)
    return [(raised, other) if side == "left" else (other, raised)]


def v_near_face(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    side = "left" if rng.random() < 0.5 else "right"
    sign = 1.0 if side == "left" else -1.0
    hand = Hand(V_SIGN, side, (sign * _u(rng, -0.1, 0.3), -1.0, 0.0), (0.0, 0.0, -1.0))
    raised = Arm((sign * _u(rng, 0.95, 1.3), _u(rng, 0.6, 1.1), -0.5), (sign * 0.3, 1.0, -0.2), hand)  # elbow down
    other = _down("right" if side == "left" else "left", rng)
    return [(raised, other) if side == "left" else (other, raised)]


def hands_on_chest(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    arms = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hand = Hand(TOGETHER, side, (-sign * 0.6, -0.8, 0.0), (0.0, 0.0, 1.0))
        arms.append(Arm((sign * _u(rng, 0.45, 0.7), _u(rng, 2.6, 3.0), -0.65), (sign, 0.6, 0.0), hand))
    return [_arms(*arms)]


def chin_rest(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    side = "left" if rng.random() < 0.5 else "right"
    sign = 1.0 if side == "left" else -1.0
    hand = Hand(FIST, side, (-sign * 0.2, -1.0, 0.0), (-sign * 0.3, 0.0, 1.0))
    raised = Arm((sign * _u(rng, 0.05, 0.2), _u(rng, 1.45, 1.65), -0.6), (sign * 0.3, 1.0, -0.2), hand)
    other = _down("right" if side == "left" else "left", rng)
    return [(raised, other) if side == "left" else (other, raised)]


def hands_on_head(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    arms = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hand = Hand(TOGETHER, side, (-sign * 0.7, -0.3, 0.0), (0.0, 1.0, 0.2))
        arms.append(Arm((sign * _u(rng, 0.75, 0.95), _u(rng, -1.05, -0.85), 0.1), (sign, 0.0, 0.2), hand))
    return [_arms(*arms)]


def pair_down(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    return [(_down("left", rng), _down("right", rng)), (_down("left", rng), _down("right", rng))]


def pair_v_signs(rng: np.random.Generator, gap: float) -> list[tuple[Arm, Arm]]:
    return [v_near_face(rng, gap)[0], v_near_face(rng, gap)[0]]


CLASSES: tuple[PoseClass, ...] = (
    PoseClass("finger_heart", frozenset({"finger_heart"}), 1, finger_heart),
    PoseClass("cheek_heart", frozenset({"cheek_heart"}), 1, cheek_heart, frozenset({"finger_heart"})),
    PoseClass("cheek_poke", frozenset({"cheek_poke"}), 1, cheek_poke),
    PoseClass("arm_heart", frozenset({"arm_heart"}), 1, arm_heart),
    PoseClass("flower_cup", frozenset({"flower_cup"}), 1, flower_cup),
    PoseClass("hands_up", frozenset({"hands_up"}), 1, hands_up),
    PoseClass("arms_crossed", frozenset({"arms_crossed"}), 1, arms_crossed),
    PoseClass("joint_heart", frozenset({"joint_heart"}), 2, joint_heart),
    PoseClass("arms_over_shoulders", frozenset({"arms_over_shoulders"}), 2, arms_over_shoulders),
    PoseClass("bunny_ears", frozenset({"bunny_ears"}), 2, bunny_ears),
    PoseClass("neg_arms_down", frozenset(), 1, arms_down),
    PoseClass("neg_wave", frozenset(), 1, wave),
    PoseClass("neg_v_near_face", frozenset(), 1, v_near_face),
    PoseClass("neg_hands_on_chest", frozenset(), 1, hands_on_chest),
    PoseClass("neg_chin_rest", frozenset(), 1, chin_rest),
    PoseClass("neg_hands_on_head", frozenset(), 1, hands_on_head),
    PoseClass("neg_pair_down", frozenset(), 2, pair_down),
    PoseClass("neg_pair_v_signs", frozenset(), 2, pair_v_signs),
)


def _backdrop(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    base = np.array(BACKDROPS[int(rng.integers(len(BACKDROPS)))], np.float32)
    ramp = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None, None] * _u(rng, 0, 18)
    return np.broadcast_to(np.clip(base + ramp, 0, 255), (height, width, 3)).copy()


def render_scene(kind: PoseClass, rng: np.random.Generator, faces: Sequence[FaceSource]) -> Rendered:
    """One picture of `kind`: people posed with jitter, faces from `faces` (chosen by `rng`)."""
    width, height = SINGLE_SIZE if kind.people == 1 else PAIR_SIZE
    scale = SUPERSAMPLE
    canvas = Canvas(width * scale, height * scale)
    gap = _u(rng, *GAP)
    arms = kind.pose(rng, gap)
    unit = _u(rng, 88, 108) if kind.people == 1 else _u(rng, 78, 92)
    first_x = (width / 2 if kind.people == 1 else width / 2 - gap / 2 * unit) + _u(rng, -0.15, 0.15) * unit
    top = _u(rng, 0.42, 0.48) * height
    backdrop = _backdrop(rng, canvas.width, canvas.height)
    people = []
    for index, (left, right) in enumerate(arms):
        face = faces[int(rng.integers(len(faces)))]
        skin = tuple(float(np.clip(c * _u(rng, 0.95, 1.05), 0, 255)) for c in face.skin())
        centre = (first_x + index * gap * unit, top + index * _u(rng, -0.1, 0.1) * unit)
        person = Person(
            centre=(centre[0] * scale, centre[1] * scale),
            unit=unit * scale,
            depth=index * 0.02 * unit * scale,
            left=left,
            right=right,
            skin=skin,  # type: ignore[arg-type]
            shirt=SHIRTS[int(rng.integers(len(SHIRTS)))],
            hair=HAIR[int(rng.integers(len(HAIR)))],
        )
        people.append((person, face))
    drawn = [draw_person(canvas, person) for person, _ in people]
    colour = backdrop
    drawn_pixels = np.isfinite(canvas.depth)
    colour[drawn_pixels] = canvas.colour[drawn_pixels]
    for (_, face), what in zip(people, drawn, strict=True):
        paste_face(colour, canvas.ids, what.head_id, face, what.face_box)
    small = cv2.resize(colour, (width, height), interpolation=cv2.INTER_AREA)
    small += np.asarray(rng.normal(0.0, 2.5, small.shape), np.float32)  # sensor noise
    rgb = np.clip(small, 0, 255).astype(np.uint8)
    return Rendered(rgb, kind.truth, kind.allowed, tuple(_scaled(what, 1.0 / scale) for what in drawn))


def _scaled(drawn: Drawn, factor: float) -> Drawn:
    hands = tuple((points * factor, side) for points, side in drawn.hands)
    box = tuple(v * factor for v in drawn.face_box)
    return Drawn(drawn.head_id, hands, drawn.body * factor, box)  # type: ignore[arg-type]
