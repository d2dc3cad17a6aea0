"""De-identified pose examples: a photo in, a stylised picture with every face drawn over out, checked with the face
embedder before anyone sees it (``example``: stylise → cover → verify; ``stylize``: the shipped style net,
AnimeGAN from an operator's file, an OpenCV cartoon; ``cover``; ``verify``), and pose cards for when no example
exists (``cards``, figures from ``pose_templates.toml``).

from vision.deid import make_example, load_stylizer
example = make_example(rgb, chat_embeddings, stylizer=load_stylizer(settings.animegan_model))
if example.rgb is None:  # refused (example.refused_reason): count it, show the pose card instead
    card = pose_card("v_sign", title="브이 V-sign")
"""

from vision.deid.cards import pose_card, templates
from vision.deid.cover import CoverStyle
from vision.deid.example import DEID_THRESHOLD, Example, RefusedReason, make_example
from vision.deid.stylize import AnimeGan, CartoonFilter, StyleNet, Stylizer, load_stylizer

__all__ = [
    "DEID_THRESHOLD",
    "AnimeGan",
    "CartoonFilter",
    "CoverStyle",
    "Example",
    "RefusedReason",
    "StyleNet",
    "Stylizer",
    "load_stylizer",
    "make_example",
    "pose_card",
    "templates",
]
