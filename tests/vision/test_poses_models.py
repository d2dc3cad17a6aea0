"""The real MediaPipe Hands and Pose models: pinned files verified, and a run on pictures the test draws."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from vision import models as model_store
from vision.models import ModelMissing
from vision.poses import landmarks
from vision.poses.landmarks import BODY_MODELS, HAND_MODELS, verify_installed
from vision.poses.recognise import recognise_poses


def test_the_installed_model_files_are_the_pinned_ones() -> None:
    verify_installed(HAND_MODELS + BODY_MODELS)


def test_a_model_file_that_differs_from_its_pin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = model_store.load_manifest()
    tampered = {**specs, "hand_landmark_full": dataclasses.replace(specs["hand_landmark_full"], sha256="0" * 64)}
    monkeypatch.setattr(landmarks, "load_manifest", lambda: tampered)
    with pytest.raises(ModelMissing, match="hand_landmark_full"):
        verify_installed(HAND_MODELS)


def test_a_drawn_picture_runs_through_the_models_and_finds_no_pose() -> None:
    picture = np.full((480, 640, 3), 200, np.uint8)
    cv2.circle(picture, (320, 160), 60, (230, 190, 160), -1)  # a plain disc where a face would be
    cv2.rectangle(picture, (240, 240), (400, 470), (60, 80, 140), -1)
    reading = recognise_poses(picture, [(260.0, 100.0, 120.0, 120.0)])
    assert len(reading.people) == 1 and reading.people[0].face == 0
    assert reading.keys() == set()
    noise = np.random.default_rng(1).integers(0, 256, (360, 360, 3), dtype=np.uint8)
    assert recognise_poses(noise, ()).people == ()
