"""Person-album clustering on LFW people (``<data>/identity``), through the real incremental path.

Every photo is analysed as the bot does it (detect_faces → embed_faces, every face in the photo), the photos arrive
one by one in a seeded shuffled order (assign_incremental after each), then one full recluster. The label belongs to
the photo's central face, so only central faces are scored; the other faces take part in the clustering.
Deferred faces (None) count as people of their own.

METRIC identity.pairwise_precision / _recall / _f1     after the re-cluster (the state the bot converges to)
METRIC identity.bcubed_precision / _recall / _f1       the same, BCubed
METRIC identity.incremental_pairwise_*                 after the last incremental step, before the re-cluster
METRIC identity.deferred_share                         central faces left unassigned after the re-cluster
METRIC identity.sparse3_pairwise_f1                    3 photos per person instead of 12
METRIC identity.attach_same_person_p99 / _other_person_p01   Ward distance of a face to a person's mean
METRIC identity.batch_<linkage>_best_f1 / _threshold   batch clustering of the central faces: average, complete,
                                                       single (cosine) and Ward, each at its best threshold
METRIC identity.heldout_*                              MAX_DISTANCE chosen on half the people (seeded), mean F1
                                                       over 3, 6 and 12 photos per person; F1 on the other half
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from evals.common import metric, skip
from vision.faces import (
    ClusterFace,
    PersonRef,
    assign_incremental,
    clustering,  # its MAX_DISTANCE is swept here
    detect_faces,
    embed_faces,
    recluster,
)
from vision.images import load_rgb

T = TypeVar("T")

ORDER_SEED = 20261201
SPLIT_SEED = 7
THRESHOLD_GRID = (0.40, 0.45, 0.50, 0.55, 0.60)
DENSITIES = (3, 6, 12)  # photos per person


@dataclass(frozen=True)
class IdentityPhoto:
    photo_id: int
    identity: str
    faces: tuple[ClusterFace, ...]
    central_face_id: int | None  # None: no face found


def load_photos(identity_dir: Path) -> list[IdentityPhoto]:
    photos, next_face = [], 0
    with (identity_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for photo_id, row in enumerate(rows):
        rgb = load_rgb((identity_dir / row["file"]).read_bytes())
        found = detect_faces(rgb)
        vectors = embed_faces(rgb, found)
        faces = []
        for vector in vectors:
            faces.append(ClusterFace(next_face, photo_id, vector, None, False, frozenset()))
            next_face += 1
        central = _central(rgb.shape, found)
        central_id = faces[central].id if central is not None else None
        photos.append(IdentityPhoto(photo_id, row["identity"], tuple(faces), central_id))
    return photos


def _central(shape: tuple[int, ...], found: Sequence) -> int | None:
    if not found:
        return None
    centre = np.array([shape[1] / 2, shape[0] / 2])
    offsets = [np.linalg.norm(np.array(f.box[:2]) + np.array(f.box[2:]) / 2 - centre) for f in found]
    return int(np.argmin(offsets))


class Album:
    """What the bot keeps: faces with their current person, new person ids handed out as clusters appear."""

    def __init__(self) -> None:
        self.faces: dict[int, ClusterFace] = {}
        self.next_person = 1

    def add(self, faces: Sequence[ClusterFace]) -> None:
        for face in faces:
            self.faces[face.id] = face

    def apply(self, assignment: dict[int, PersonRef]) -> None:
        fresh: dict[str, int] = {}
        for face_id, ref in assignment.items():
            if isinstance(ref, str):
                if ref not in fresh:
                    fresh[ref] = self.next_person
                    self.next_person += 1
                ref = fresh[ref]
            self.faces[face_id] = replace(self.faces[face_id], person_id=ref)

    def people_of(self, face_ids: Sequence[int]) -> list[object]:
        # a deferred face is a person of its own
        return [self.faces[i].person_id if self.faces[i].person_id is not None else f"alone:{i}" for i in face_ids]


def pairwise(truth: Sequence[str], predicted: Sequence[object]) -> tuple[float, float, float]:
    truth_a, pred_a = np.asarray(truth), np.asarray(predicted, dtype=object)
    same = truth_a[:, None] == truth_a[None, :]
    together = pred_a[:, None] == pred_a[None, :]
    upper = np.triu_indices(len(truth_a), 1)
    same, together = same[upper], together[upper]
    hits = int((same & together).sum())
    precision = hits / max(1, int(together.sum()))
    recall = hits / max(1, int(same.sum()))
    return precision, recall, _f1(precision, recall)


def bcubed(truth: Sequence[str], predicted: Sequence[object]) -> tuple[float, float, float]:
    truth_a, pred_a = np.asarray(truth), np.asarray(predicted, dtype=object)
    same = truth_a[:, None] == truth_a[None, :]
    together = pred_a[:, None] == pred_a[None, :]
    both = (same & together).sum(axis=1)
    precision = float(np.mean(both / together.sum(axis=1)))
    recall = float(np.mean(both / same.sum(axis=1)))
    return precision, recall, _f1(precision, recall)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@dataclass(frozen=True)
class Outcome:
    incremental: list[object]
    final: list[object]
    truth: list[str]


def simulate(photos: Sequence[IdentityPhoto], seed: int = ORDER_SEED) -> Outcome:
    """Photos arrive one by one in a shuffled order, then one full re-cluster."""
    order = list(photos)
    random.Random(seed).shuffle(order)
    album = Album()
    for photo in order:
        album.add(photo.faces)
        result = assign_incremental(list(album.faces.values()), [f.id for f in photo.faces])
        album.apply(result.assignment)
    scored = [p for p in photos if p.central_face_id is not None]
    central = [face_id for p in scored if (face_id := p.central_face_id) is not None]
    incremental = album.people_of(central)
    album.apply(recluster(list(album.faces.values())).assignment)
    return Outcome(incremental, album.people_of(central), [p.identity for p in scored])


def _with_threshold(threshold: float, run: Callable[[], T]) -> T:
    saved = clustering.MAX_DISTANCE
    clustering.MAX_DISTANCE = threshold
    try:
        return run()
    finally:
        clustering.MAX_DISTANCE = saved


def sample_per_person(photos: Sequence[IdentityPhoto], per_person: int, seed: int) -> list[IdentityPhoto]:
    """`per_person` photos of each person (seeded): chats where people appear a few times, not twelve."""
    rng = random.Random(seed)
    by_person: dict[str, list[IdentityPhoto]] = {}
    for photo in photos:
        by_person.setdefault(photo.identity, []).append(photo)
    chosen: list[IdentityPhoto] = []
    for name in sorted(by_person):
        chosen += rng.sample(by_person[name], min(per_person, len(by_person[name])))
    return chosen


def final_f1_over_densities(photos: Sequence[IdentityPhoto]) -> float:
    scores = []
    for per_person in DENSITIES:
        outcome = simulate(sample_per_person(photos, per_person, seed=per_person))
        scores.append(pairwise(outcome.truth, outcome.final)[2])
    return float(np.mean(scores))


def heldout_f1(photos: Sequence[IdentityPhoto]) -> tuple[float, float, float]:
    """MAX_DISTANCE chosen on half the people (mean F1 over DENSITIES), then F1 on the other half at that value.

    Returns (chosen, held-out F1 averaged over densities, held-out F1 with every photo).
    """
    people = sorted({p.identity for p in photos})
    random.Random(SPLIT_SEED).shuffle(people)
    chosen_half = set(people[: len(people) // 2])
    fit = [p for p in photos if p.identity in chosen_half]
    held = [p for p in photos if p.identity not in chosen_half]
    scores = {t: _with_threshold(t, lambda: _Scored(final_f1_over_densities(fit))).value for t in THRESHOLD_GRID}
    best = max(THRESHOLD_GRID, key=lambda t: (round(scores[t], 4), -abs(t - clustering.MAX_DISTANCE)))
    held_density = _with_threshold(best, lambda: _Scored(final_f1_over_densities(held))).value
    held_all = _with_threshold(best, lambda: simulate(held))
    return best, held_density, pairwise(held_all.truth, held_all.final)[2]


@dataclass(frozen=True)
class _Scored:
    value: float


def attach_distances(photos: Sequence[IdentityPhoto]) -> tuple[float, float]:
    """Ward distance of a central face to its own person's other faces (99th pct.) and to other people's (1st pct.)."""
    central = {f.id: f for p in photos for f in p.faces if f.id == p.central_face_id}
    labels = np.array([p.identity for p in photos if p.central_face_id is not None])
    vectors = np.stack([central[p.central_face_id].embedding for p in photos if p.central_face_id is not None])
    same, other = [], []
    for name in sorted(set(labels)):
        mine = np.flatnonzero(labels == name)
        centre_sum = vectors[mine].sum(axis=0)
        for i in mine:
            size = len(mine) - 1
            centre = (centre_sum - vectors[i]) / size
            same.append(np.linalg.norm(vectors[i] - centre) * np.sqrt(2 * size / (size + 1)))
        others = np.flatnonzero(labels != name)
        centre = centre_sum / len(mine)
        size = len(mine)
        other += list(np.linalg.norm(vectors[others] - centre, axis=1) * np.sqrt(2 * size / (size + 1)))
    return float(np.percentile(same, 99)), float(np.percentile(other, 1))


def lance_williams(distances: np.ndarray, threshold: float, linkage: str) -> np.ndarray:
    """Plain batch agglomeration with average/complete/single linkage (for the comparison only): labels per row."""
    count = len(distances)
    dist = distances.astype(np.float64).copy()
    np.fill_diagonal(dist, np.inf)
    sizes = np.ones(count)
    labels = np.arange(count)
    alive = np.ones(count, dtype=bool)
    while alive.sum() > 1:
        masked = np.where(alive[:, None] & alive[None, :], dist, np.inf)
        a, b = np.unravel_index(int(np.argmin(masked)), masked.shape)
        if masked[a, b] > threshold:
            break
        if linkage == "average":
            row = (sizes[a] * dist[a] + sizes[b] * dist[b]) / (sizes[a] + sizes[b])
        elif linkage == "complete":
            row = np.maximum(dist[a], dist[b])
        else:
            row = np.minimum(dist[a], dist[b])
        dist[a], dist[:, a] = row, row
        dist[a, a] = np.inf
        sizes[a] += sizes[b]
        alive[b] = False
        labels[labels == b] = a
    return labels


def compare_linkages(photos: Sequence[IdentityPhoto]) -> dict[str, tuple[float, float]]:
    """Best batch pairwise F1 and its threshold per linkage on the central faces (why Ward): name -> (f1, t)."""
    central = {f.id: f for p in photos for f in p.faces}
    scored = [p for p in photos if p.central_face_id is not None]
    vectors = np.stack(
        [central[face_id].embedding for p in scored if (face_id := p.central_face_id) is not None]
    ).astype(np.float64)
    truth = [p.identity for p in scored]
    cosine = 1 - vectors @ vectors.T
    grids = {
        "average": [round(0.04 + 0.005 * i, 3) for i in range(13)],
        "complete": [round(0.06 + 0.005 * i, 3) for i in range(13)],
        "single": [round(0.02 + 0.005 * i, 3) for i in range(9)],
        "ward": [round(0.40 + 0.05 * i, 2) for i in range(9)],
    }
    best: dict[str, tuple[float, float]] = {}
    for name, grid in grids.items():
        curve = []
        for threshold in grid:
            if name == "ward":
                groups = [[i] for i in range(len(scored))]
                no_links = np.zeros((len(scored), len(scored)), dtype=bool)
                clusters = clustering.ward_agglomerate(vectors, groups, no_links, threshold)
                labels = np.empty(len(scored), dtype=int)
                for index, members in enumerate(clusters):
                    labels[members] = index
            else:
                labels = lance_williams(cosine, threshold, name)
            curve.append((pairwise(truth, list(labels))[2], threshold))
        print(f"# identity linkage {name}: " + " ".join(f"{t}:{f:.3f}" for f, t in curve), flush=True)
        best[name] = max(curve)
    return best


def run(data: Path | None) -> None:
    identity_dir = data / "identity" if data else None
    if identity_dir is None or not (identity_dir / "labels.csv").is_file():
        skip("identity: no <data>/identity/labels.csv; identity metrics skipped")
        return
    photos = load_photos(identity_dir)
    outcome = simulate(photos)
    for prefix, predicted in (("identity.incremental_", outcome.incremental), ("identity.", outcome.final)):
        precision, recall, f1 = pairwise(outcome.truth, predicted)
        metric(f"{prefix}pairwise_precision", precision)
        metric(f"{prefix}pairwise_recall", recall)
        metric(f"{prefix}pairwise_f1", f1)
    precision, recall, f1 = bcubed(outcome.truth, outcome.final)
    metric("identity.bcubed_precision", precision)
    metric("identity.bcubed_recall", recall)
    metric("identity.bcubed_f1", f1)
    metric("identity.deferred_share", sum(isinstance(p, str) for p in outcome.final) / max(1, len(outcome.final)))
    metric("identity.photos_without_face", sum(p.central_face_id is None for p in photos))
    metric("identity.max_distance", clustering.MAX_DISTANCE)
    sparse = simulate(sample_per_person(photos, 3, seed=3))
    metric("identity.sparse3_pairwise_f1", pairwise(sparse.truth, sparse.final)[2])
    same_p99, other_p01 = attach_distances(photos)
    metric("identity.attach_same_person_p99", same_p99)
    metric("identity.attach_other_person_p01", other_p01)
    for name, (f1, threshold) in compare_linkages(photos).items():
        metric(f"identity.batch_{name}_best_f1", f1)
        metric(f"identity.batch_{name}_best_threshold", threshold)
    chosen, held_density, held_all = heldout_f1(photos)
    metric("identity.heldout_chosen_max_distance", chosen)
    metric("identity.heldout_pairwise_f1_densities", held_density)
    metric("identity.heldout_pairwise_f1", held_all)
