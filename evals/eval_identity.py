"""Person-album clustering on LFW people (``<data>/identity``), through the real incremental path.

Every photo is analysed as the bot does it (pipeline.analysis.analyse_rgb: cuts, detection, the smile reader's
check, embeddings, face quality), its faces become the rows FaceStore would return, and the photos arrive one by one
in a seeded shuffled order through the bot's incremental step (pipeline.analysis.incremental_people, the function
PhotoAnalyser._file_into_people runs), then one full recluster. The label belongs to the photo's central face, so
only central faces are scored; the other faces take part in the clustering. Deferred faces (None) count as people
of their own.

METRIC identity.pairwise_precision / _recall / _f1     after the re-cluster (the state the bot converges to)
METRIC identity.bcubed_precision / _recall / _f1       the same, BCubed
METRIC identity.incremental_pairwise_*                 after the last incremental step, never re-clustered
METRIC identity.incremental_ungated_pairwise_*         the same with the weak-evidence gate off (what the gate costs)
METRIC identity.incremental_gated_share / _central_share   faces (all / central) the gate holds back; _<reason>_share
METRIC identity.pipeline_pairwise_*                    after the last photo with the bot's re-cluster every
                                                       RECLUSTER_EVERY_FACES new faces; _steps_*: pooled over the
                                                       state after every photo (what members see along the way)
METRIC identity.heldout_incremental_*                  ATTACH_NEIGHBOURS / CORE_NEIGHBOURS chosen on half the people,
                                                       scored on the other half (both halves, mean)
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
from pipeline.analysis import RECLUSTER_EVERY_FACES, analyse_rgb, cluster_faces, incremental_people, stored_quality
from storage.faces import StoredFace
from vision.faces import (
    FaceQuality,
    PersonRef,
    clustering,  # its MAX_DISTANCE, ATTACH_NEIGHBOURS and CORE_NEIGHBOURS are swept here
    is_clear,
    recluster,
    weak_reasons,
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
    faces: tuple[StoredFace, ...]  # as FaceStore.chat_faces returns them, no person yet
    central_face_id: int | None  # None: no face found


def load_photos(identity_dir: Path) -> list[IdentityPhoto]:
    photos, next_face = [], 0
    with (identity_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for photo_id, row in enumerate(rows):
        rgb = load_rgb((identity_dir / row["file"]).read_bytes())
        analysis = analyse_rgb(rgb)
        faces = []
        for found in analysis.faces:
            faces.append(
                StoredFace(
                    id=next_face,
                    photo_id=photo_id,
                    frame=found.frame,
                    box=found.box,
                    smile=found.smile,
                    embedding=found.embedding,
                    person_id=None,
                    manual=False,
                    excluded_people=frozenset(),
                    detection_score=found.detection_score,
                    yaw=found.yaw,
                    sharpness=found.sharpness,
                )
            )
            next_face += 1
        central = _central(rgb.shape, [f.box for f in faces])
        central_id = faces[central].id if central is not None else None
        photos.append(IdentityPhoto(photo_id, row["identity"], tuple(faces), central_id))
    return photos


def _central(shape: tuple[int, ...], boxes: Sequence[tuple[int, int, int, int]]) -> int | None:
    if not boxes:
        return None
    centre = np.array([shape[1] / 2, shape[0] / 2])
    offsets = [np.linalg.norm(np.array(box[:2]) + np.array(box[2:]) / 2 - centre) for box in boxes]
    return int(np.argmin(offsets))


class Album:
    """What the bot keeps: faces with their current person, new person ids handed out as clusters appear."""

    def __init__(self) -> None:
        self.faces: dict[int, StoredFace] = {}
        self.next_person = 1

    def add(self, faces: Sequence[StoredFace]) -> None:
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
    incremental: list[object]  # after the last photo (re-clustered on the way only with `recluster_every`)
    final: list[object]  # after one more full re-cluster
    truth: list[str]
    steps: tuple[int, int, int]  # pooled over the state after every photo: pairs together, right ones, true pairs


def simulate(
    photos: Sequence[IdentityPhoto],
    seed: int = ORDER_SEED,
    recluster_every: int | None = None,
    gate: Callable[[FaceQuality], bool] = is_clear,
) -> Outcome:
    """Photos arrive one by one in a shuffled order through the bot's incremental step (and, like PhotoAnalyser, a
    re-cluster after every `recluster_every` new faces when given), then one full re-cluster."""
    order = list(photos)
    random.Random(seed).shuffle(order)
    album = Album()
    new_faces = 0
    seen: list[IdentityPhoto] = []
    steps = np.zeros(3, dtype=np.int64)
    for photo in order:
        album.add(photo.faces)
        result = incremental_people(list(album.faces.values()), [f.id for f in photo.faces], gate)
        if result is not None:
            album.apply(result.assignment)
            new_faces += sum(f.id in result.assignment for f in photo.faces)
        if recluster_every is not None and new_faces >= recluster_every:
            album.apply(recluster(cluster_faces(list(album.faces.values()), gate)).assignment)
            new_faces = 0
        if photo.central_face_id is not None:
            seen.append(photo)
            steps += _pair_counts([p.identity for p in seen], album.people_of([_central_id(p) for p in seen]))
    scored = [p for p in photos if p.central_face_id is not None]
    central = [_central_id(p) for p in scored]
    incremental = album.people_of(central)
    album.apply(recluster(cluster_faces(list(album.faces.values()), gate)).assignment)
    together, hits, same = (int(v) for v in steps)
    return Outcome(incremental, album.people_of(central), [p.identity for p in scored], (together, hits, same))


def _central_id(photo: IdentityPhoto) -> int:
    assert photo.central_face_id is not None
    return photo.central_face_id


def _pair_counts(truth: Sequence[str], predicted: Sequence[object]) -> np.ndarray:
    truth_a, pred_a = np.asarray(truth), np.asarray(predicted, dtype=object)
    upper = np.triu_indices(len(truth_a), 1)
    same = (truth_a[:, None] == truth_a[None, :])[upper]
    together = (pred_a[:, None] == pred_a[None, :])[upper]
    return np.array([together.sum(), (same & together).sum(), same.sum()], dtype=np.int64)


def pooled_steps(outcome: Outcome) -> tuple[float, float]:
    """Pairwise precision and recall pooled over the state after every photo."""
    together, hits, same = outcome.steps
    return hits / max(1, together), hits / max(1, same)


def _with_threshold(threshold: float, run: Callable[[], T]) -> T:
    saved = clustering.MAX_DISTANCE
    clustering.MAX_DISTANCE = threshold
    try:
        return run()
    finally:
        clustering.MAX_DISTANCE = saved


NEIGHBOUR_GRID = ((1, 2), (1, 3), (2, 2), (2, 3), (3, 3))  # (ATTACH_NEIGHBOURS, CORE_NEIGHBOURS)
TARGET_PRECISION = 0.97


def _with_neighbours(attach: int, core: int, run: Callable[[], T]) -> T:
    saved = clustering.ATTACH_NEIGHBOURS, clustering.CORE_NEIGHBOURS, clustering.NEW_PERSON_FACES
    clustering.ATTACH_NEIGHBOURS, clustering.CORE_NEIGHBOURS, clustering.NEW_PERSON_FACES = attach, core, core + 1
    try:
        return run()
    finally:
        clustering.ATTACH_NEIGHBOURS, clustering.CORE_NEIGHBOURS, clustering.NEW_PERSON_FACES = saved


def _incremental_scores(attach: int, core: int, photos: Sequence[IdentityPhoto]) -> tuple[float, float]:
    outcome = _with_neighbours(attach, core, lambda: simulate(photos))
    precision, recall, _ = pairwise(outcome.truth, outcome.incremental)
    return precision, recall


def heldout_incremental(photos: Sequence[IdentityPhoto]) -> tuple[float, float, list[tuple[int, int]]]:
    """The neighbour counts chosen on one half of the people (highest incremental recall with precision ≥
    TARGET_PRECISION, else the highest precision), scored on the other half; both halves in turn.

    Returns (mean held-out precision, mean held-out recall, the choice of each fold).
    """
    people = sorted({p.identity for p in photos})
    random.Random(SPLIT_SEED).shuffle(people)
    half = set(people[: len(people) // 2])
    folds = ([p for p in photos if p.identity in half], [p for p in photos if p.identity not in half])
    precisions, recalls, chosen = [], [], []
    for fit, held in (folds, folds[::-1]):
        scores = {(attach, core): _incremental_scores(attach, core, fit) for attach, core in NEIGHBOUR_GRID}
        passing = [k for k, (p, _) in scores.items() if p >= TARGET_PRECISION]
        best = max(passing, key=lambda k: scores[k][1]) if passing else max(scores, key=lambda k: scores[k][0])
        precision, recall = _incremental_scores(*best, held)
        precisions.append(precision)
        recalls.append(recall)
        chosen.append(best)
    return float(np.mean(precisions)), float(np.mean(recalls)), chosen


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


def report_gate(photos: Sequence[IdentityPhoto]) -> None:
    """How many faces the weak-evidence gate holds back, and why (a face may have several reasons)."""
    faces = [f for p in photos for f in p.faces]
    central = [f for p in photos for f in p.faces if f.id == p.central_face_id]
    metric("identity.incremental_gated_share", sum(not is_clear(stored_quality(f)) for f in faces) / max(1, len(faces)))
    metric(
        "identity.incremental_gated_central_share",
        sum(not is_clear(stored_quality(f)) for f in central) / max(1, len(central)),
    )
    for reason in ("small", "unsure", "turned", "blurred"):
        share = sum(reason in weak_reasons(stored_quality(f)) for f in faces) / max(1, len(faces))
        metric(f"identity.incremental_gated_{reason}_share", share)


def run(data: Path | None) -> None:
    identity_dir = data / "identity" if data else None
    if identity_dir is None or not (identity_dir / "labels.csv").is_file():
        skip("identity: no <data>/identity/labels.csv; identity metrics skipped")
        return
    photos = load_photos(identity_dir)
    outcome = simulate(photos)
    ungated = simulate(photos, gate=lambda _quality: True)
    pipeline = simulate(photos, recluster_every=RECLUSTER_EVERY_FACES)
    for prefix, predicted, truth in (
        ("identity.incremental_", outcome.incremental, outcome.truth),
        ("identity.incremental_ungated_", ungated.incremental, ungated.truth),
        ("identity.pipeline_", pipeline.incremental, pipeline.truth),
        ("identity.", outcome.final, outcome.truth),
    ):
        precision, recall, f1 = pairwise(truth, predicted)
        metric(f"{prefix}pairwise_precision", precision)
        metric(f"{prefix}pairwise_recall", recall)
        metric(f"{prefix}pairwise_f1", f1)
    for prefix, run_outcome in (("identity.incremental_steps_", outcome), ("identity.pipeline_steps_", pipeline)):
        precision, recall = pooled_steps(run_outcome)
        metric(f"{prefix}pairwise_precision", precision)
        metric(f"{prefix}pairwise_recall", recall)
    report_gate(photos)
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
    held_precision, held_recall, choices = heldout_incremental(photos)
    print(f"# identity held-out neighbour counts (attach, core) per fold: {choices}", flush=True)
    metric("identity.heldout_incremental_pairwise_precision", held_precision)
    metric("identity.heldout_incremental_pairwise_recall", held_recall)
    chosen, held_density, held_all = heldout_f1(photos)
    metric("identity.heldout_chosen_max_distance", chosen)
    metric("identity.heldout_pairwise_f1_densities", held_density)
    metric("identity.heldout_pairwise_f1", held_all)
