"""Moods of a cut (사랑스러운 lovely … 차분한 calm) from what the other readings found: smiles, blendshapes, poses,
how close the faces are, and the cut's colour and light. Pure: cues in, scores out; rules in moods.toml.

    cues = CutCues(faces=(FaceCue(box, smile, blendshapes), ...), poses={"v_sign": 0.9}, light=light_of(cut))
    scores = score_cut(cues)                              # MoodScore(key, score, confidence) per mood
    strip_moods([*scores_of_cut_1, *scores_of_cut_2])     # ("lovely",) or ("lovely", "warm")
"""

from vision.moods.rules import Mood, MoodRules, load_rules, mood_rules
from vision.moods.score import MoodScore, mood_totals, score_cut, strip_moods
from vision.moods.signals import CutCues, CutLight, FaceCue, closeness, laugh_of, light_of, measure, ramp

__all__ = [
    "CutCues",
    "CutLight",
    "FaceCue",
    "Mood",
    "MoodRules",
    "MoodScore",
    "closeness",
    "laugh_of",
    "light_of",
    "load_rules",
    "measure",
    "mood_rules",
    "mood_totals",
    "ramp",
    "score_cut",
    "strip_moods",
]
