"""Is this face one of the member's who opted out? Decided the way the re-cluster decides to join two groups.

A signature is the mean of a member's L2-normalised face embeddings. A face (or a person: a group of faces) is
theirs when the Ward distance between the two groups is within the limit at which vision.faces' re-cluster
would merge them: beyond it the bot would not have grouped that face with them in the first place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from storage.opt_outs import Signature
from vision.faces import CORE_MERGE_DISTANCE, CORE_SIZE, MAX_DISTANCE

EMBEDDING_SIZE = 128


def signature_of(embeddings: Sequence[np.ndarray]) -> Signature | None:
    usable = [np.asarray(e, dtype=np.float64) for e in embeddings if np.shape(e) == (EMBEDDING_SIZE,)]
    if not usable:
        return None
    return Signature(np.mean(usable, axis=0).astype(np.float32), len(usable))


def combined(signatures: Sequence[Signature]) -> Signature | None:
    """One signature for several (each weighted by its faces)."""
    total = sum(s.face_count for s in signatures)
    if total == 0:
        return None
    mean = sum(np.asarray(s.vector, dtype=np.float64) * s.face_count for s in signatures) / total
    return Signature(np.asarray(mean, dtype=np.float32), total)


def ward_distance(a: Signature, b: Signature) -> float:
    na, nb = a.face_count, b.face_count
    gap = np.linalg.norm(np.asarray(a.vector, dtype=np.float64) - np.asarray(b.vector, dtype=np.float64))
    return float(gap * np.sqrt(2 * na * nb / (na + nb)))


def same_person(a: Signature, b: Signature) -> bool:
    both_cores = a.face_count >= CORE_SIZE and b.face_count >= CORE_SIZE
    return ward_distance(a, b) <= (CORE_MERGE_DISTANCE if both_cores else MAX_DISTANCE)


def opted_out(embedding: np.ndarray, signatures: Sequence[Signature]) -> bool:
    """True when one face matches any of the signatures."""
    if np.shape(embedding) != (EMBEDDING_SIZE,):
        return False
    face = Signature(np.asarray(embedding, dtype=np.float32), 1)
    return any(same_person(face, signature) for signature in signatures)
