"""Person albums: grouping a chat's face embeddings into people, incrementally and by periodic full re-clusters.

Learned from Immich (core points, a maximum distance, deferred uncertain faces, a periodic re-cluster) with choices
measured on LFW (evals/eval_identity.py; README "Measured" → "Faces"):

- Distance: Ward linkage on L2-normalised dlib embeddings: between two groups of faces
  sqrt(2·na·nb / (na + nb)) · ‖mean_a − mean_b‖ (for two faces, their Euclidean distance). Its expected value for
  two groups of one person does not grow with their sizes, while for two people it does, so big groups separate
  look-alikes (Serena/Venus Williams) that pairwise distances cannot. Average and complete linkage on cosine
  distance each peaked in a band 0.01 wide and fell off sharply on held-out people; Ward held a plateau.
- Two limits: groups merge up to MAX_DISTANCE; two cores (≥ CORE_SIZE faces each, means reliable) up to
  CORE_MERGE_DISTANCE. Chosen on half of the people at 3, 6 and 12 photos each, reported on the other half.
- Core: a new person needs MIN_FACES faces; smaller groups stay deferred (None) until more photos arrive.
- Incremental: a face joins the person whose Ward distance to it is at most ATTACH_DISTANCE (where other people
  start), unless a second person is about as close; the rest pool with earlier deferred faces into new cores.
- Cannot-link: two faces of one picture (same photo and frame) never join one person; manual faces never move;
  a face never joins a person it is excluded from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_DISTANCE = 0.5
CORE_MERGE_DISTANCE = 0.6
CORE_SIZE = 4
# One face joins an existing person when its Ward distance to that person is at most this: below the 1st percentile
# of distances to other people (0.44 for 3-face people, 0.48 for 11) while keeping most of one's own (99th pct.
# 0.44-0.46); evals/eval_identity.py prints both. Faces that miss wait in the pool for a core or the re-cluster.
ATTACH_DISTANCE = 0.42
MIN_FACES = 3
# A face whose two best people are both within reach and nearly equally close is left for a member to decide.
AMBIGUITY_MARGIN = 0.05

PersonRef = int | str | None


@dataclass(frozen=True)
class ClusterFace:
    id: int
    photo_id: int
    embedding: np.ndarray
    person_id: int | None  # current person (None = unassigned)
    manual: bool  # a member placed it by hand: never moved
    excluded: frozenset[int] = frozenset()  # people this face must never join
    # Cuts of one 4-cut strip show the same people again: the cannot-link unit is the frame, not the file.
    frame: int = 0

    @property
    def picture(self) -> tuple[int, int]:
        return (self.photo_id, self.frame)


@dataclass(frozen=True)
class Clustering:
    # face id -> existing person id (int) | new-cluster label (str, "new:0") | None (deferred / unsure)
    assignment: dict[int, PersonRef]


def new_label(index: int) -> str:
    return f"new:{index}"


def assign_incremental(all_faces: Sequence[ClusterFace], new_ids: Collection[int]) -> Clustering:
    """Place the faces in `new_ids` (and faces deferred earlier, which they may complete into a core).

    Faces already in a person keep it. The assignment holds every face of `new_ids` (None = deferred) and the
    earlier deferred faces whose state changes; apply all of its entries.
    """
    new_ids = set(new_ids)
    faces = _unique(all_faces)
    people = _People.of(f for f in faces if f.person_id is not None and (f.id not in new_ids or f.manual))
    open_faces = [f for f in faces if f.id in new_ids and not f.manual]
    open_faces += [f for f in faces if f.id not in new_ids and f.person_id is None and not f.manual]
    assignment: dict[int, PersonRef] = {f.id: f.person_id for f in faces if f.id in new_ids and f.manual}
    pool: list[ClusterFace] = []
    for face in open_faces:
        person = people.best_for(face)
        if person is None:
            pool.append(face)
        else:
            assignment[face.id] = person
            people.add(person, face)
    for index, members in enumerate(_cores(pool)):
        for face in members:
            assignment[face.id] = new_label(index)
    for face in pool:
        if face.id in new_ids:
            assignment.setdefault(face.id, None)
    return Clustering(assignment)


def recluster(all_faces: Sequence[ClusterFace]) -> Clustering:
    """Cluster every face afresh; manual faces stay, existing person ids follow their faces where clusters overlap."""
    faces = _unique(all_faces)
    if not faces:
        return Clustering({})
    fixed_none = [f for f in faces if f.manual and f.person_id is None]
    movable = [f for f in faces if not (f.manual and f.person_id is None)]
    seeds: dict[int, list[int]] = defaultdict(list)
    groups: list[list[int]] = []
    for index, face in enumerate(movable):
        if face.manual:
            seeds[int(face.person_id)].append(index)  # type: ignore[arg-type]
        else:
            groups.append([index])
    groups = list(seeds.values()) + groups
    cannot = _cannot_link(movable, groups)
    vectors = np.stack([f.embedding for f in movable])
    clusters = ward_agglomerate(vectors, groups, cannot, MAX_DISTANCE, CORE_MERGE_DISTANCE, CORE_SIZE)
    assignment: dict[int, PersonRef] = {f.id: None for f in fixed_none}
    assignment.update(_name_clusters(movable, clusters))
    return Clustering(assignment)


def ward_agglomerate(
    embeddings: np.ndarray,
    groups: Sequence[Sequence[int]],
    cannot: np.ndarray,
    max_distance: float,
    core_distance: float | None = None,
    core_size: int = 1,
) -> list[list[int]]:
    """Merge `groups` (lists of row indices into `embeddings`) bottom-up by Ward distance.

    Two groups merge while their Ward distance is at most `max_distance`, or `core_distance` when both already hold
    `core_size` faces (a core's mean is reliable enough to take a looser limit). Merges go in order of distance
    relative to the applicable limit. `cannot[i, j]` forbids merging groups i and j (and whatever they become).
    """
    limits = (max_distance, core_distance if core_distance is not None else max_distance, core_size)
    count = len(groups)
    if count == 0:
        return []
    vectors = np.asarray(embeddings, dtype=np.float64)
    sums = np.stack([vectors[list(g)].sum(axis=0) for g in groups])
    sizes = np.array([len(g) for g in groups], dtype=np.float64)
    members = [list(g) for g in groups]
    alive = np.ones(count, dtype=bool)
    blocked = np.array(cannot, dtype=bool, copy=True)
    np.fill_diagonal(blocked, True)
    dist = _ward_rows(sums, sizes, np.arange(count), limits).astype(np.float32)  # n² of them: halve the memory
    dist[blocked] = np.inf
    nearest = dist.argmin(axis=1)
    nearest_d = dist[np.arange(count), nearest]
    while True:
        a = int(np.argmin(nearest_d))
        if not np.isfinite(nearest_d[a]) or nearest_d[a] > 1.0:
            break
        b = int(nearest[a])
        sums[a] += sums[b]
        sizes[a] += sizes[b]
        members[a] += members[b]
        members[b] = []
        alive[b] = False
        blocked[a] |= blocked[b]
        blocked[:, a] = blocked[a]
        row = _ward_rows(sums, sizes, np.array([a]), limits)[0].astype(np.float32)
        row[blocked[a] | ~alive] = np.inf
        dist[a], dist[:, a] = row, row
        dist[b], dist[:, b] = np.inf, np.inf
        nearest_d[b] = np.inf
        stale = np.flatnonzero(alive & ((nearest == a) | (nearest == b)))
        for i in stale:
            nearest[i] = int(dist[i].argmin())
            nearest_d[i] = dist[i, nearest[i]]
        closer = alive & (row < nearest_d)
        nearest[closer] = a
        nearest_d[closer] = row[closer]
    return [m for m in members if m]


def _ward_rows(sums: np.ndarray, sizes: np.ndarray, rows: np.ndarray, limits: tuple[float, float, int]) -> np.ndarray:
    """Ward distances from groups `rows` to every group, divided by the limit that applies to each pair."""
    max_distance, core_distance, core_size = limits
    centres = sums / sizes[:, None]
    mine = centres[rows]
    sq = (mine**2).sum(axis=1)[:, None] + (centres**2).sum(axis=1)[None, :] - 2 * mine @ centres.T
    na, nb = sizes[rows, None], sizes[None, :]
    ward = np.sqrt(np.maximum(sq, 0.0) * 2 * na * nb / (na + nb))
    both_cores = (na >= core_size) & (nb >= core_size)
    return ward / np.where(both_cores, core_distance, max_distance)


def _unique(faces: Sequence[ClusterFace]) -> list[ClusterFace]:
    seen: dict[int, ClusterFace] = {}
    for face in faces:
        seen.setdefault(face.id, face)
    return list(seen.values())


def _cannot_link(faces: Sequence[ClusterFace], groups: Sequence[Sequence[int]]) -> np.ndarray:
    """Which groups may never merge: a shared picture, two different manual people, or an exclusion."""
    pictures = [{faces[i].picture for i in g} for g in groups]
    manual_person = [next((faces[i].person_id for i in g if faces[i].manual), None) for g in groups]
    current_people = [{faces[i].person_id for i in g if faces[i].person_id is not None} for g in groups]
    excluded = [set().union(*(faces[i].excluded for i in g)) for g in groups]
    by_picture: dict[Hashable, list[int]] = defaultdict(list)
    for index, pics in enumerate(pictures):
        for pic in pics:
            by_picture[pic].append(index)
    cannot = np.zeros((len(groups), len(groups)), dtype=bool)
    for indices in by_picture.values():
        cannot[np.ix_(indices, indices)] = True
    manual = [i for i, p in enumerate(manual_person) if p is not None]
    for i in manual:
        for j in manual:
            cannot[i, j] |= manual_person[i] != manual_person[j]
    for i, excl in enumerate(excluded):
        if excl:
            for j, held in enumerate(current_people):
                if held & excl:
                    cannot[i, j] = cannot[j, i] = True
    np.fill_diagonal(cannot, False)
    return cannot


def _name_clusters(faces: Sequence[ClusterFace], clusters: Sequence[Sequence[int]]) -> dict[int, PersonRef]:
    """Existing person ids for clusters (manual faces first, then the largest overlap), "new:k" or None for the rest."""
    names: dict[int, int] = {}
    used: set[int] = set()
    for c, members in enumerate(clusters):
        manual = {faces[i].person_id for i in members if faces[i].manual}
        if manual:
            manual_person = manual.pop()
            assert manual_person is not None  # manual faces without a person are kept out of the clusters
            person = int(manual_person)
            names[c] = person
            used.add(person)
    overlaps: Counter[tuple[int, int]] = Counter(
        (c, person_id)
        for c, members in enumerate(clusters)
        for i in members
        if (person_id := faces[i].person_id) is not None
    )
    for (c, person), _ in sorted(overlaps.items(), key=lambda item: (-item[1], item[0][0])):
        if c not in names and person not in used:
            names[c] = int(person)
            used.add(int(person))
    assignment: dict[int, PersonRef] = {}
    fresh = 0
    for c, members in enumerate(clusters):
        if c in names:
            label: PersonRef = names[c]
        elif len(members) >= MIN_FACES:
            label = new_label(fresh)
            fresh += 1
        else:
            label = None
        for i in members:
            face = faces[i]
            if face.manual:
                assignment[face.id] = face.person_id
            elif isinstance(label, int) and label in face.excluded:
                assignment[face.id] = None
            else:
                assignment[face.id] = label
    return assignment


def _cores(pool: Sequence[ClusterFace]) -> list[list[ClusterFace]]:
    """Groups of at least MIN_FACES pool faces close enough to form a new person."""
    if len(pool) < MIN_FACES:
        return []
    groups = [[i] for i in range(len(pool))]
    vectors = np.stack([f.embedding for f in pool])
    clusters = ward_agglomerate(vectors, groups, _cannot_link(pool, groups), ATTACH_DISTANCE)
    return [[pool[i] for i in members] for members in clusters if len(members) >= MIN_FACES]


class _People:
    """Running sums of each person's embeddings and the pictures they appear in, for O(people) assignment."""

    def __init__(self) -> None:
        self.sums: dict[int, np.ndarray] = {}
        self.sizes: dict[int, int] = {}
        self.pictures: dict[int, set[tuple[int, int]]] = defaultdict(set)

    @classmethod
    def of(cls, faces: Iterable[ClusterFace]) -> _People:
        people = cls()
        for face in faces:
            assert face.person_id is not None  # callers pass assigned faces only
            people.add(int(face.person_id), face)
        return people

    def add(self, person: int, face: ClusterFace) -> None:
        vector = np.asarray(face.embedding, dtype=np.float64)
        self.sums[person] = self.sums.get(person, 0.0) + vector
        self.sizes[person] = self.sizes.get(person, 0) + 1
        self.pictures[person].add(face.picture)

    def best_for(self, face: ClusterFace) -> int | None:
        """The person within ATTACH_DISTANCE (Ward) of `face`, unless none is, or two are about equally close."""
        candidates = [p for p in self.sums if p not in face.excluded and face.picture not in self.pictures[p]]
        if not candidates:
            return None
        vector = np.asarray(face.embedding, dtype=np.float64)
        sizes = np.array([self.sizes[p] for p in candidates], dtype=np.float64)
        centres = np.stack([self.sums[p] for p in candidates]) / sizes[:, None]
        distances = np.linalg.norm(centres - vector, axis=1) * np.sqrt(2 * sizes / (sizes + 1))
        order = np.argsort(distances)
        best = distances[order[0]]
        if best > ATTACH_DISTANCE:
            return None
        if len(order) > 1 and distances[order[1]] - best < AMBIGUITY_MARGIN:
            return None
        return candidates[int(order[0])]
