"""The playground's sample strips show the product truthfully: the models read their one real face as the same
smiling person in every cut, and the poses drawn beside it are named as drawn (never as another pose)."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.analysis import PhotoAnalysis, analyse_photo
from playground.samples import POSES, examples

MAX_PIXELS = 40_000_000


@pytest.fixture(scope="module")
def analyses() -> dict[str, PhotoAnalysis]:
    return {example.code: analyse_photo(example.original, MAX_PIXELS) for example in examples()}


def test_every_cut_shows_the_one_face_smiling_alike(analyses: dict[str, PhotoAnalysis]) -> None:
    for code, analysis in analyses.items():
        assert analysis.layout_kind in {"1x4", "2x2"}, code
        assert sorted(face.frame for face in analysis.faces) == [0, 1, 2, 3], code
        smiles = [face.smile for face in analysis.faces]
        # the same photo of the same smile: the scores may differ by framing and hands only a little
        assert min(smiles) >= 80 and max(smiles) - min(smiles) <= 5, (code, smiles)


def test_the_drawn_poses_are_named_as_drawn(analyses: dict[str, PhotoAnalysis]) -> None:
    drawn = Counter(shape for shape, _side in POSES)
    named_cuts = 0
    for code, analysis in analyses.items():
        named = Counter(hit.key for face in analysis.faces for hit in face.poses)
        assert not set(named) - set(drawn), (code, named)  # nothing named that was not drawn
        assert all(named[key] <= drawn[key] for key in named), (code, named)
        named_cuts += sum(1 for face in analysis.faces if face.poses)
    cuts = 4 * len(analyses)
    assert named_cuts >= cuts - 2, f"only {named_cuts} of {cuts} sample cuts had their pose named"
