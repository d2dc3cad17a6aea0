"""Faces: detection and identity embeddings (``detect``; dlib's ResNet rebuilt as ONNX by ``onnx_build`` from
``dlib_reader``), and clustering the embeddings into people (``clustering``)."""

from vision.faces.clustering import (
    CORE_MERGE_DISTANCE,
    CORE_SIZE,
    MAX_DISTANCE,
    MIN_FACES,
    NEW_PERSON_FACES,
    ClusterFace,
    Clustering,
    PersonRef,
    assign_incremental,
    recluster,
)
from vision.faces.detect import EMBEDDING_DIM, DetectedFace, FaceModels, detect_faces, embed_faces
from vision.faces.quality import FaceQuality, face_quality, is_clear, weak_reasons

__all__ = [
    "CORE_MERGE_DISTANCE",
    "CORE_SIZE",
    "EMBEDDING_DIM",
    "MAX_DISTANCE",
    "MIN_FACES",
    "NEW_PERSON_FACES",
    "ClusterFace",
    "Clustering",
    "DetectedFace",
    "FaceModels",
    "FaceQuality",
    "PersonRef",
    "assign_incremental",
    "detect_faces",
    "embed_faces",
    "face_quality",
    "is_clear",
    "recluster",
    "weak_reasons",
]
