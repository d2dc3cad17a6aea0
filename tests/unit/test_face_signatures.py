"""Opt-out matching: a face (or a person) is the opted-out member's when the re-cluster would have joined them."""

from __future__ import annotations

import numpy as np

from pipeline.face_signatures import combined, opted_out, same_person, signature_of, ward_distance
from storage.opt_outs import Signature
from vision.faces import MAX_DISTANCE


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _around(centre: np.ndarray, spread: float, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [_unit(centre + rng.normal(scale=spread, size=128)) for _ in range(count)]


def test_a_face_near_the_signature_is_theirs_and_a_stranger_is_not() -> None:
    rng = np.random.default_rng(1)
    member, stranger = _unit(rng.normal(size=128)), _unit(rng.normal(size=128))
    signature = signature_of(_around(member, 0.01, 5, seed=2))
    assert signature is not None and signature.face_count == 5
    assert opted_out(_around(member, 0.01, 1, seed=3)[0], [signature])
    assert not opted_out(stranger, [signature]), "two random directions are far apart (distance ≈ 1.4)"
    assert not opted_out(np.zeros(3, np.float32), [signature]), "a face without a usable embedding matches nobody"


def test_the_limit_is_the_reclusters_merge_distance() -> None:
    base = np.zeros(128, np.float32)
    base[0] = 1.0
    signature = Signature(base, 1)
    inside, outside = base.copy(), base.copy()
    inside[1] = MAX_DISTANCE * 0.99  # Ward distance of two single faces = their Euclidean distance
    outside[1] = MAX_DISTANCE * 1.01
    assert ward_distance(Signature(inside, 1), signature) < MAX_DISTANCE
    assert same_person(Signature(inside, 1), signature) and not same_person(Signature(outside, 1), signature)


def test_signatures_combine_weighted_by_their_faces() -> None:
    a, b = Signature(np.ones(128, np.float32), 3), Signature(np.zeros(128, np.float32), 1)
    both = combined([a, b])
    assert both is not None and both.face_count == 4
    np.testing.assert_allclose(both.vector, np.full(128, 0.75))
    assert combined([]) is None and signature_of([]) is None
