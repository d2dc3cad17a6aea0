"""Moods on real photos. There is no labelled mood set (none is public for booth photos and we made none), so no
mood accuracy is claimed. What can be measured is printed:

- ``mood.<key>.top_share``: how often each mood is a photo's top mood, over the photobooth photos and a fixed
  sample of the HaGRID pose photos (a rule that never or always wins shows up here); ``mood.photos``.
- ``mood.two_shown_rate``: photos whose answer names two moods; ``mood.top_confidence_mean``.
- ``mood.cut_agreement``: in photos with several cuts, the share of cuts whose own top mood is the strip's.
- ``mood.smile_valence_agreement``: on the GENKI-4K crops (smile labels), the share whose top mood is a smiling
  one (lovely, cute, playful, joyful, warm) exactly when the crop is labelled smiling. Agreement with the one
  labelled signal we have, not mood accuracy (the smile score feeds those moods).
- ``mood.ms_per_cut``: the mood step alone (signals and rules; the models feeding it are timed by bench).
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

import numpy as np

from evals.common import metric, skip
from evals.smile_data import load_smile_set, read_rgb
from pipeline.analysis import analyse_rgb, cut_moods
from vision.moods import CutCues, FaceCue, MoodScore, light_of, mood_rules, score_cut, strip_moods
from vision.smile import SmileScorer

SMILING_MOODS = frozenset({"lovely", "cute", "playful", "joyful", "warm"})
POSE_PHOTOS_PER_LABEL = 8  # HaGRID photos per pose label, the first ones by file name


def _photos(data: Path) -> list[Path]:
    photos = sorted((data / "photobooth" / "images").glob("*.jpg"))
    by_label: dict[str, list[Path]] = {}
    labels = data / "poses" / "labels.csv"
    if labels.is_file():
        with labels.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                by_label.setdefault(row["pose"], []).append(data / "poses" / row["file"])
    for files in by_label.values():
        photos += sorted(files)[:POSE_PHOTOS_PER_LABEL]
    return photos


def _photo_figures(photos: list[Path]) -> None:
    tops: Counter[str] = Counter()
    two = agreeing = several = scored = scored_cuts = 0
    confidences: list[float] = []
    elapsed = 0.0
    for path in photos:
        analysis = analyse_rgb(read_rgb(path))
        started = time.perf_counter()
        moods = cut_moods(analysis)
        elapsed += time.perf_counter() - started
        by_cut: dict[int, list[MoodScore]] = {}
        for mood in moods:
            by_cut.setdefault(mood.frame, []).append(MoodScore(mood.key, mood.score, mood.confidence))
        shown = strip_moods(score for scores in by_cut.values() for score in scores)
        if not shown:
            continue
        scored += 1
        scored_cuts += len(by_cut)
        tops[shown[0]] += 1
        two += len(shown) == 2
        confidences += [s.confidence for scores in by_cut.values() for s in scores if s.key == shown[0]]
        if len(by_cut) > 1:
            several += len(by_cut)
            agreeing += sum(strip_moods(scores)[:1] == shown[:1] for scores in by_cut.values())
    metric("mood.photos", scored)
    if not scored:
        return
    for key in mood_rules().keys:
        metric(f"mood.{key}.top_share", tops[key] / scored)
    metric("mood.two_shown_rate", two / scored)
    metric("mood.top_confidence_mean", float(np.mean(confidences)))
    if several:
        metric("mood.cut_agreement", agreeing / several)
    metric("mood.ms_per_cut", 1000.0 * elapsed / scored_cuts)


def _smile_agreement(smile_dir: Path) -> None:
    crops = load_smile_set(smile_dir)
    scorer = SmileScorer.shared()
    agree = 0
    for path, label in zip(crops.files, crops.labels, strict=True):
        rgb = read_rgb(path)
        reading = scorer.read(rgb)
        face = FaceCue((0.0, 0.0, float(rgb.shape[1]), float(rgb.shape[0])), reading.score, reading.blendshapes)
        top = strip_moods(score_cut(CutCues((face,), {}, light_of(rgb))))
        agree += (bool(top) and top[0] in SMILING_MOODS) == bool(label)
    metric("mood.smile_valence_agreement", agree / len(crops.files))


def run(data: Path | None) -> None:
    if data is None:
        skip("eval_moods: no evaluation data")
        return
    photos = _photos(data)
    if photos:
        _photo_figures(photos)
    else:
        skip("eval_moods: no photobooth or poses photos")
    if (data / "smile" / "labels.csv").is_file():
        _smile_agreement(data / "smile")
    else:
        skip("eval_moods: no smile set")
