"""Person clustering: constraints on synthetic embeddings; the real path on LFW people when ../shared/eval is there."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from evals.common import eval_data_dir
from vision.faces import ClusterFace, assign_incremental, recluster

DIM = 128
SPREAD = 0.02  # per-dimension noise: same-person faces ~0.3 apart (dlib: 0.31 on average), people ~1.4 apart


def _people(count: int, seed: int = 0) -> np.ndarray:
    centres = np.random.default_rng(seed).normal(size=(count, DIM))
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def _face_vector(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    vector = centre + rng.normal(scale=SPREAD, size=DIM)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _faces(per_person: list[int], seed: int = 1, first_photo: int = 0, first_id: int = 0) -> list[ClusterFace]:
    """Faces of len(per_person) people, each on its own photo."""
    centres, rng = _people(len(per_person)), np.random.default_rng(seed)
    faces, next_id = [], first_id
    for person, count in enumerate(per_person):
        for _ in range(count):
            photo = first_photo + next_id
            faces.append(ClusterFace(next_id, photo, _face_vector(centres[person], rng), None, False, frozenset()))
            next_id += 1
    return faces


def _groups(assignment: dict[int, object]) -> set[frozenset[int]]:
    by_label: dict[object, set[int]] = {}
    for face_id, label in assignment.items():
        if label is not None:
            by_label.setdefault(label, set()).add(face_id)
    return {frozenset(ids) for ids in by_label.values()}


def _apply(faces: list[ClusterFace], assignment: dict[int, object], start: int = 100) -> list[ClusterFace]:
    """What the bot does with a Clustering: new labels become fresh person ids."""
    fresh: dict[str, int] = {}
    out = []
    for face in faces:
        label = assignment.get(face.id, face.person_id)
        if isinstance(label, str):
            label = fresh.setdefault(label, start + len(fresh))
        out.append(replace(face, person_id=label))
    return out


def test_recluster_finds_each_person() -> None:
    faces = _faces([6, 5, 4])
    result = recluster(faces)
    assert _groups(result.assignment) == {frozenset(range(6)), frozenset(range(6, 11)), frozenset(range(11, 15))}
    assert all(isinstance(label, str) and label.startswith("new:") for label in result.assignment.values())


def test_fewer_faces_than_a_core_stay_deferred() -> None:
    faces = _faces([5, 2])
    assignment = recluster(faces).assignment
    assert assignment[5] is None and assignment[6] is None
    assert len({assignment[i] for i in range(5)}) == 1


def test_two_faces_of_one_picture_are_never_one_person() -> None:
    rng = np.random.default_rng(3)
    centre = _people(1)[0]
    faces = [ClusterFace(i, 10 + i, _face_vector(centre, rng), None, False, frozenset()) for i in range(5)]
    # a sixth face identical to face 0, in face 0's photo (a mirror, a poster behind them)
    faces.append(ClusterFace(5, 10, faces[0].embedding.copy(), None, False, frozenset()))
    assignment = recluster(faces).assignment
    assert assignment[0] is not None
    assert assignment[5] != assignment[0]
    incremental = assign_incremental([*_apply(faces[:5], recluster(faces[:5]).assignment), faces[5]], [5])
    assert incremental.assignment[5] is None


def test_frames_of_one_strip_may_show_the_same_person() -> None:
    rng = np.random.default_rng(4)
    centre = _people(1)[0]
    faces = [ClusterFace(i, 7, _face_vector(centre, rng), None, False, frozenset(), frame=i) for i in range(4)]
    assert len(_groups(recluster(faces).assignment)) == 1


def test_manual_faces_never_move_and_split_look_alikes() -> None:
    rng = np.random.default_rng(5)
    centre = _people(1)[0]
    faces = [ClusterFace(i, i, _face_vector(centre, rng), None, False, frozenset()) for i in range(6)]
    # a member said face 0 is person 1 and face 1 is person 2, though they look alike
    faces[0] = replace(faces[0], person_id=1, manual=True)
    faces[1] = replace(faces[1], person_id=2, manual=True)
    assignment = recluster(faces).assignment
    assert assignment[0] == 1 and assignment[1] == 2
    for face in faces[2:]:
        assert assignment[face.id] in (1, 2)
    incremental = assign_incremental(faces, [0, 1, 2])
    assert incremental.assignment[0] == 1 and incremental.assignment[1] == 2


def test_manual_unassigned_face_stays_unassigned() -> None:
    faces = _faces([5])
    faces[0] = replace(faces[0], manual=True)  # a member removed it from every person
    assert recluster(faces).assignment[0] is None
    assert 0 not in assign_incremental(faces, []).assignment


def test_exclusions_are_respected() -> None:
    faces = _apply(_faces([6]), {i: 9 for i in range(6)})
    faces[2] = replace(faces[2], person_id=None, excluded=frozenset({9}))  # "not this person" from the button
    assert recluster(faces).assignment[2] != 9
    assert assign_incremental(faces, [2]).assignment[2] is None
    faces.append(ClusterFace(6, 50, faces[0].embedding.copy(), None, False, frozenset()))
    assert assign_incremental(faces, [6]).assignment[6] == 9


def test_incremental_joins_people_keeps_others_and_defers_strangers() -> None:
    existing = _apply(_faces([5, 5]), {i: 1 if i < 5 else 2 for i in range(10)})
    rng = np.random.default_rng(8)
    centres = _people(3)
    newcomer = ClusterFace(10, 100, _face_vector(centres[0], rng), None, False, frozenset())
    stranger = ClusterFace(11, 101, _face_vector(centres[2], rng), None, False, frozenset())
    result = assign_incremental([*existing, newcomer, stranger], [10, 11])
    assert result.assignment == {10: 1, 11: None}
    # two more photos of the stranger: with the deferred face they form a core, a new person of three
    more = [ClusterFace(12 + i, 102 + i, _face_vector(centres[2], rng), None, False, frozenset()) for i in range(2)]
    faces = [*_apply([*existing, newcomer, stranger], result.assignment), *more]
    second = assign_incremental(faces, [12, 13]).assignment
    assert second[11] == second[12] == second[13] and isinstance(second[11], str)
    assert all(face_id not in second for face_id in range(11))


def test_recluster_keeps_person_ids_where_clusters_overlap() -> None:
    faces = _faces([5, 5, 5])
    first = _apply(faces, recluster(faces).assignment, start=40)
    ids_before = {f.id: f.person_id for f in first}
    again = recluster(first).assignment
    assert again == ids_before
    # after a merge by hand (all of person 41 moved to 40 by a member), a re-cluster keeps 40 and 42
    merged = [replace(f, person_id=40) if f.person_id == 41 else f for f in first]
    labels = recluster(merged).assignment
    assert {labels[f.id] for f in first if f.person_id == 42} == {42}
    assert {labels[f.id] for f in first if f.person_id in (40, 41)} <= {40, "new:0"}


def test_incremental_photo_by_photo_then_recluster_agree_on_clear_people() -> None:
    faces = _faces([6, 6, 6], seed=11)
    order = np.random.default_rng(2).permutation(len(faces))
    album: list[ClusterFace] = []
    next_person = 1
    for index in order:
        album.append(faces[index])
        result = assign_incremental(album, [faces[index].id])
        fresh: dict[str, int] = {}
        for label in result.assignment.values():
            if isinstance(label, str) and label not in fresh:
                fresh[label] = next_person
                next_person += 1
        album = [
            replace(f, person_id=fresh.get(result.assignment[f.id], result.assignment[f.id]))  # type: ignore[arg-type]
            if f.id in result.assignment
            else f
            for f in album
        ]
    incremental = _groups({f.id: f.person_id for f in album})
    truth = {frozenset(range(0, 6)), frozenset(range(6, 12)), frozenset(range(12, 18))}
    assert incremental == truth
    assert _groups(recluster(album).assignment) == truth


def test_empty_inputs() -> None:
    assert recluster([]).assignment == {}
    assert assign_incremental([], []).assignment == {}


def test_identity_set_through_the_real_path() -> None:
    data = eval_data_dir()
    if data is None or not (data / "identity" / "labels.csv").is_file():
        pytest.skip("identity set not found: set EVAL_DATA or place it at ../shared/eval")
    from evals.eval_identity import load_photos, pairwise, simulate

    outcome = simulate(load_photos_subset(data, load_photos))
    precision, recall, f1 = pairwise(outcome.truth, outcome.final)
    assert f1 >= 0.9, (precision, recall)


def load_photos_subset(data, load_photos):
    """Six photos each of six people of the identity set (a tenth of the eval), the look-alike traps included."""
    import csv
    import tempfile
    from pathlib import Path

    source = data / "identity"
    with (source / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    people = ["Serena_Williams", "Venus_Williams", "George_W_Bush", "George_HW_Bush", "Laura_Bush"]
    people += sorted({r["identity"] for r in rows} - set(people))[:1]
    chosen = [r for person in people for r in [r for r in rows if r["identity"] == person][:6]]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "images").symlink_to((source / "images").resolve())
        with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(chosen)
        return load_photos(folder)
