"""Poses per person and per pair from MediaPipe hand and body landmarks (arrays in, frozen dataclasses out).

from vision.poses import recognise_poses, catalogue
reading = recognise_poses(rgb_cut, face_boxes)   # PoseReading: people[i].poses, pairs
"""

from vision.poses.catalogue import CataloguePose, catalogue
from vision.poses.hand_shapes import HandShape, classify_hand
from vision.poses.recognise import PersonReading, PoseReading, find_landmarks, recognise_poses
from vision.poses.types import PoseHit

__all__ = [
    "CataloguePose",
    "HandShape",
    "PersonReading",
    "PoseHit",
    "PoseReading",
    "catalogue",
    "classify_hand",
    "find_landmarks",
    "recognise_poses",
]
