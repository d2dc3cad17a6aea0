"""The check every example passes before it is shown: no face the detector finds in it may be within the clustering
threshold of a protected face (the original photo's own faces and every person of the source chat)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vision.faces import EMBEDDING_DIM, detect_faces, embed_faces

# Faces this small are still looked for in an example (the bot's own detection keeps 24 px and up).
CHECK_MIN_FACE = 16


def protected_matrix(embeddings: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """(N, 128) float32 L2-normalised rows of the given embeddings (any of them may be raw dlib descriptors)."""
    rows = np.asarray(embeddings, dtype=np.float32).reshape(-1, EMBEDDING_DIM) if len(embeddings) else None
    if rows is None:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    normalised: np.ndarray = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


def nearest_distance(rgb: np.ndarray, protected: np.ndarray) -> tuple[float, int]:
    """(smallest L2 distance of any face found in `rgb` to any protected row, faces found). inf when no face is
    found or nothing is protected."""
    faces = detect_faces(rgb, min_size=CHECK_MIN_FACE)
    if not faces or not len(protected):
        return float("inf"), len(faces)
    found = embed_faces(rgb, faces)
    distances = np.linalg.norm(found[:, None, :] - protected[None, :, :], axis=2)
    return float(distances.min()), len(faces)
