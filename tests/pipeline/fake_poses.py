"""A stand-in pose recogniser for the pipeline seam (module level: the worker process imports it by name).

Every cut: the leftmost person shows a V-sign and gives the next one bunny ears; a person whose blendshapes (from
the smile scorer) arrived gets a wink. It refuses boxes outside the cut it is given, so a test fails when faces are
not handed to the cut they belong to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vision.poses import PersonReading, PoseHit, PoseReading


def v_sign_and_bunny_ears(
    rgb: np.ndarray,
    boxes: Sequence[tuple[float, float, float, float]],
    blendshapes: Sequence[Mapping[str, float] | None],
) -> PoseReading:
    height, width = rgb.shape[:2]
    if len(blendshapes) != len(boxes):
        raise ValueError("one blendshape entry per face")
    for x, y, w, h in boxes:
        if x < 0 or y < 0 or x + w > width or y + h > height:
            raise ValueError(f"face box {(x, y, w, h)} lies outside the {width}x{height} cut")
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    people = []
    for index in range(len(boxes)):
        hits = [PoseHit("v_sign", 0.9, (index,))] if index == order[0] else []
        shapes = blendshapes[index]
        if shapes is not None and "eyeBlinkLeft" in shapes:
            hits.append(PoseHit("wink", 0.6, (index,)))
        people.append(PersonReading(index, tuple(hits), (), False))
    pairs = (PoseHit("bunny_ears", 0.8, (order[0], order[1])),) if len(order) >= 2 else ()
    return PoseReading(tuple(people), pairs)


def unsure_v_sign(
    rgb: np.ndarray,
    boxes: Sequence[tuple[float, float, float, float]],
    blendshapes: Sequence[Mapping[str, float] | None],
) -> PoseReading:
    """The leftmost person of every cut shows a V-sign the landmarks are unsure of (0.4): nobody is read
    confidently, so the OpenAI step may add poses to anyone."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    people = [
        PersonReading(i, (PoseHit("v_sign", 0.4, (i,)),) if i == order[0] else (), (), False) for i in range(len(boxes))
    ]
    return PoseReading(tuple(people), ())


def hearts(
    rgb: np.ndarray,
    boxes: Sequence[tuple[float, float, float, float]],
    blendshapes: Sequence[Mapping[str, float] | None],
) -> PoseReading:
    """Everybody makes a finger heart; the two leftmost people of a cut make a joint heart too."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    people = [PersonReading(i, (PoseHit("finger_heart", 0.95, (i,)),), (), False) for i in range(len(boxes))]
    pairs = (PoseHit("joint_heart", 0.9, (order[0], order[1])),) if len(order) >= 2 else ()
    return PoseReading(tuple(people), pairs)
