"""Poses in the bot's words: a photo's poses named per cut and its mood (for the photo's answer), a pose named in
`/album <pose>`, and the row of pose buttons under album and person pages. Names and emoji come from
vision/poses/catalogue.toml and vision/moods/moods.toml."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from telegram import InlineKeyboardButton

from handlers.i18n import t
from pipeline.analysis import FiledAnalysis
from vision.moods import mood_rules
from vision.poses import catalogue

FILTER_BUTTONS = 6  # pose buttons under a page: the poses shown in most photos
BUTTONS_PER_ROW = 3


def pose_name(key: str, language: str) -> str:
    """'브이 ✌️' / 'V-sign ✌️' (the key itself for a pose the catalogue no longer has)."""
    pose = catalogue().get(key)
    if pose is None:
        return key
    name = pose.ko if language == "ko" else pose.en
    return f"{name} {pose.emoji}".strip()


def mood_name(key: str, language: str) -> str:
    """'사랑스러운 💗' / 'Lovely 💗' (the key itself for a mood the rules no longer have)."""
    mood = mood_rules().mood(key)
    if mood is None:
        return key
    return f"{mood.ko if language == 'ko' else mood.en} {mood.emoji}".strip()


def mood_line(filed: FiledAnalysis | None, language: str) -> str | None:
    """'분위기: 사랑스러운 💗 · 귀여운 🧸': the strip's one or two moods; None when no cut was scored."""
    moods = filed.strip_moods() if filed is not None else ()
    if not moods:
        return None
    return t(language, "mood.line", moods=" · ".join(mood_name(key, language) for key in moods))


def pose_lines(filed: FiledAnalysis | None, language: str) -> str | None:
    """The photo's poses, one line per cut that shows any ('컷 2: 브이 ✌️ · 손가락 하트 🫰'; a single photo gets one
    line without a cut number), then its mood line. None when neither a pose nor a mood was found. The caption's
    pose part: callers place it."""
    if filed is None:
        return None
    cuts = filed.poses_by_cut()
    mood = mood_line(filed, language)
    if not cuts:
        return mood
    several = any(face.frame > 0 for face in filed.faces)
    lines = []
    for frame, keys in sorted(cuts.items()):
        names = " · ".join(pose_name(key, language) for key in keys)
        lines.append(
            t(language, "pose.cut", number=frame + 1, poses=names)
            if several
            else t(language, "pose.photo", poses=names)
        )
    return "\n".join([*lines, *([mood] if mood else [])])


def find_pose(text: str) -> str | None:
    """The catalogue key a user means by `text`: the key, or the Korean or English name (case and spaces ignored)."""
    wanted = _folded(text)
    for pose in catalogue().values():
        if wanted in {_folded(pose.key), _folded(pose.ko), _folded(pose.en)}:
            return pose.key
    return None


def _folded(text: str) -> str:
    return "".join(text.split()).replace("_", "").replace("-", "").casefold()


def pose_filter_rows(
    counts: Mapping[str, int],
    data: Callable[[str], str],
    language: str,
    current: str | None = None,
    everything: str | None = None,
) -> list[list[InlineKeyboardButton]]:
    """Buttons of the poses shown in most photos (`counts`: key → photos, most first), each `data(key)`; the pose
    being shown is marked, and `everything` (callback data) adds a button back to all photos."""
    buttons = [
        InlineKeyboardButton(
            f"{'• ' if key == current else ''}{pose_name(key, language)} {count}", callback_data=data(key)
        )
        for key, count in list(counts.items())[:FILTER_BUTTONS]
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    if current is not None and everything is not None:
        rows.append([InlineKeyboardButton(t(language, "pose.all_photos"), callback_data=everything)])
    return rows


def known_pose_names(language: str) -> str:
    return ", ".join(pose_name(key, language) for key, pose in catalogue().items() if not pose.building_block)
