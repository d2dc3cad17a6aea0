"""The pose render set (evals/pose_renders): the renderer draws what each class claims, and the bot's analysis reads
a few rendered pictures as drawn (MediaPipe finds the hands, the rule fires; a negative names nothing)."""

from __future__ import annotations

import numpy as np
import pytest

from evals.pose_renders.measure import measure, oracle_keys, portrait_faces
from evals.pose_renders.raster import Canvas
from evals.pose_renders.scenes import CLASSES, MEASURED, render_scene

BY_NAME = {kind.name: (index, kind) for index, kind in enumerate(CLASSES)}


def _render(name: str, sample: int = 0):
    index, kind = BY_NAME[name]
    return kind, render_scene(kind, np.random.default_rng((7, index, sample)), portrait_faces())


def test_a_nearer_shape_hides_a_farther_one_and_is_shaded_towards_its_edges() -> None:
    canvas = Canvas(80, 80)
    behind = canvas.ellipsoid(np.array([40.0, 40.0, 0.0]), np.eye(3), (30.0, 30.0, 30.0), (200.0, 200.0, 200.0))
    front = canvas.capsule(np.array([10.0, 40.0, -50.0]), np.array([70.0, 40.0, -50.0]), 6.0, 6.0, (90.0, 60.0, 40.0))
    assert canvas.ids[40, 40] == front and canvas.ids[20, 40] == behind and canvas.ids[2, 2] == 0
    lit, rim = canvas.colour[40, 40].sum(), canvas.colour[40, 69].sum()  # the sphere's middle vs its right edge
    assert canvas.colour[30, 40].sum() > canvas.colour[30, 68].sum() and lit < 255 * 3 and rim >= 0


@pytest.mark.parametrize("name", [kind.name for kind in CLASSES])
def test_each_class_draws_its_pose_by_the_rules_on_the_true_landmarks(name: str) -> None:
    """Given the renderer's own hand points, body joints and face boxes, the rules name exactly the class's poses:
    a broken renderer (a pose drawn wrong) or a broken rule fails here, with no detector involved."""
    for sample in range(1):
        kind, rendered = _render(name, sample)
        named = oracle_keys(rendered)
        assert kind.truth <= named, (name, sample, named)
        assert named <= kind.truth | kind.allowed, (name, sample, named)


def test_the_same_seed_renders_the_same_picture() -> None:
    first, second = _render("joint_heart")[1], _render("joint_heart")[1]
    assert np.array_equal(first.rgb, second.rgb)
    assert first.rgb.shape == (700, 880, 3) and first.rgb.std() > 20  # people on a backdrop, not a blank


@pytest.mark.parametrize(("name", "expected"), [("hands_up", {"hands_up"}), ("neg_arms_down", set())])
def test_the_bots_analysis_reads_rendered_pictures_as_drawn(name: str, expected: set[str]) -> None:
    kind, rendered = _render(name)
    outcome = measure(rendered, kind)
    assert outcome.faces == 1 and outcome.bodies_found == 1
    assert outcome.hands_found == outcome.hands_drawn
    assert set(outcome.found) & set(MEASURED) == expected
