"""Pose figures on rendered people (evals/pose_renders): the poses no public photo set labels.

Hearts, flower cup, hands up, arms crossed, cheek poke and the two-person poses have no labelled public photos, so
this set is made by our own code at eval time (never stored): articulated 3D people (21-joint hands with per-finger
bends, two-bone arms, torso, head) posed per class with seeded jitter, drawn as shaded capsules and ellipsoids with a
depth buffer, each with a real face pasted on the head (the pinned public-domain portrait; with <data>/identity, one
photo of each of its 30 people instead). Every picture runs through the bot's photo analysis
(pipeline.analysis.analyse_rgb: cuts, face detection, smiles, vision.poses per cut); wink is not measured (a pasted
face has open eyes).

METRIC pose_render.<key>.precision / .recall  per measured key, per picture: named vs shown (10 keys, see MEASURED)
METRIC pose_render.macro_f1                    mean F1 of the 10 keys, both halves
METRIC pose_render.cv_macro_f1                 the same on the held-out half only: other seeds and the other half of
                                               the identity faces than the fitting half on which the finger-heart
                                               rule's thresholds were set (evals/pose_renders/measure.py)
METRIC pose_render.oracle.<key>.recall / .precision  the same rules on the renderer's TRUE landmarks: a key whose
                                               oracle is high and figure low is lost in landmark detection
METRIC pose_render.oracle_macro_f1
METRIC pose_render.negative_clean_rate         share of negative pictures (no measured pose) where nothing is named
METRIC pose_render.hand_found_rate             hands MediaPipe found / drawn hands wholly inside the picture
METRIC pose_render.body_found_rate             bodies found / people whose face was found
METRIC pose_render.face_found_rate             faces kept by the analysis / people drawn
METRIC pose_render.n_images
The finger-heart rule's thresholds and the two-person rules' new forms (a hand hanging over the far shoulder, a V
rising from behind a head, a joint heart read by its curled top) were set looking at MediaPipe's landmarks of the
fitting half only (the finger hearts also checked against the gesture photos); nothing else is fitted on this set.
Also printed (not METRIC): for each key named where it was not shown, the classes it was named on; and per class the
stages (hands found of those drawn in the picture, faces kept, bodies found, pictures named, oracle) so that a miss
can be put on the palm detector, the face detector, Pose or the rule.
"""

from __future__ import annotations

from pathlib import Path

from evals.common import metric, skip
from evals.pose_renders.measure import (
    Outcome,
    f1,
    false_names,
    halves,
    identity_faces,
    measure,
    portrait_faces,
    precision_recall,
)
from evals.pose_renders.scenes import MEASURED

PER_CLASS = 10  # per half: 18 classes (10 poses, 8 negatives) × 2 halves = 360 pictures


def run(data: Path | None) -> None:
    identity = data / "identity" if data else None
    if identity is not None and (identity / "labels.csv").is_file():
        faces = identity_faces(identity)
    else:
        skip("pose renders: no <eval data>/identity; every rendered person gets the pinned sample portrait's face")
        faces = portrait_faces()
    fitting, held_out = halves(PER_CLASS, faces)
    outcomes = [measure(rendered, kind) for kind, rendered in fitting]
    outcomes += [measure(rendered, kind, held_out=True) for kind, rendered in held_out]
    report(outcomes)


def _macro_f1(outcomes: list[Outcome], field: str = "found") -> float:
    return sum(f1(*precision_recall(outcomes, key, field)) for key in MEASURED) / len(MEASURED)


def report(outcomes: list[Outcome]) -> None:
    for key in MEASURED:
        precision, recall = precision_recall(outcomes, key)
        metric(f"pose_render.{key}.precision", precision)
        metric(f"pose_render.{key}.recall", recall)
        oracle = precision_recall(outcomes, key, "oracle")
        metric(f"pose_render.oracle.{key}.precision", oracle[0])
        metric(f"pose_render.oracle.{key}.recall", oracle[1])
    metric("pose_render.macro_f1", _macro_f1(outcomes))
    metric("pose_render.cv_macro_f1", _macro_f1([outcome for outcome in outcomes if outcome.held_out]))
    metric("pose_render.oracle_macro_f1", _macro_f1(outcomes, "oracle"))
    for key, kinds in sorted(false_names(outcomes).items()):
        print(f"pose_render false {key}: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())), flush=True)
    for kind in dict.fromkeys(outcome.kind for outcome in outcomes):
        of_kind = [outcome for outcome in outcomes if outcome.kind == kind]
        print(
            f"pose_render stages {kind}: hands {sum(min(o.hands_found, o.hands_drawn) for o in of_kind)}"
            f"/{sum(o.hands_drawn for o in of_kind)}, faces {sum(min(o.faces, o.people) for o in of_kind)}"
            f"/{sum(o.people for o in of_kind)}, bodies {sum(o.bodies_found for o in of_kind)}, named "
            f"{sum(bool(o.truth) and o.truth <= o.found for o in of_kind)}, oracle "
            f"{sum(bool(o.truth) and o.truth <= o.oracle for o in of_kind)} of {len(of_kind)}",
            flush=True,
        )
    negatives = [outcome for outcome in outcomes if not outcome.truth]
    metric("pose_render.negative_clean_rate", sum(not o.found for o in negatives) / max(1, len(negatives)))
    metric(
        "pose_render.hand_found_rate",
        sum(min(o.hands_found, o.hands_drawn) for o in outcomes) / max(1, sum(o.hands_drawn for o in outcomes)),
    )
    metric(
        "pose_render.body_found_rate", sum(o.bodies_found for o in outcomes) / max(1, sum(o.faces for o in outcomes))
    )
    metric(
        "pose_render.face_found_rate", sum(min(o.faces, o.people) for o in outcomes) / sum(o.people for o in outcomes)
    )
    metric("pose_render.n_images", len(outcomes))
