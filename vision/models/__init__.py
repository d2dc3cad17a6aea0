"""Model files taken out of pinned PyPI wheels and verified (``store``; the manifest is ``models.toml``)."""

from vision.models.store import (
    MODEL_DIR_ENV,
    ModelMissing,
    ModelSpec,
    load_manifest,
    model_dir,
    model_path,
    sha256_of,
)

__all__ = ["MODEL_DIR_ENV", "ModelMissing", "ModelSpec", "load_manifest", "model_dir", "model_path", "sha256_of"]
