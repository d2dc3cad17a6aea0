"""The opt-in OpenAI step: a second opinion on a filed photo's poses and mood, after the device's own analysis.

It runs only when the server has an OPENAI_API_KEY **and** the chat's admins turned it on in /settings
(storage.refinement). Sent, through the official `openai` client (chat completions, structured output): the photo as
a JPEG downscaled to OPENAI_MAX_SIDE px (re-encoded, so no EXIF or other metadata), and our detections as hints —
per cut, the faces numbered left to right with their boxes in that JPEG, the poses we saw (key, confidence) and our
top moods. No names, no face embeddings, no Telegram ids. The answer must follow a JSON schema whose pose and mood
values are fixed enums of our catalogue keys; anything else is refused whole.

What the answer may change (`merge`): it only ever adds. A pose is added to people whose hands the landmarks did not
read confidently (no device hand or body pose at CONFIDENT or above); the mood it names for a cut is added as a vote
(OPENAI_MOOD_WEIGHT) unless the device was sure of that cut's mood (top mood at least SURE_MOOD_MARGIN ahead). Every
failure (HTTP errors, 429, timeouts, malformed or off-schema JSON) leaves the device's result as it was.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import openai
from PIL import Image

from pipeline.analysis import Additions, FiledAnalysis, FiledFace
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.moods import AddedPose, NewMood
from storage.poses import StoredPose
from storage.refinement import RefinementStore
from vision.images import load_rgb
from vision.moods import mood_rules
from vision.poses import catalogue

log = logging.getLogger(__name__)

# A device pose this sure means the landmarks read that person's hands and arms well: the model adds no hand or
# body pose to them (it never overrides, nor piles onto, a confident landmark reading).
CONFIDENT = 0.6
OPENAI_POSE_CONFIDENCE = 0.5  # stored with a pose the model added (below CONFIDENT: a second opinion)
# A cut's device mood counts as sure when its top mood's score · confidence leads the next by this much.
SURE_MOOD_MARGIN = 0.15
OPENAI_MOOD_WEIGHT = 0.5  # the model's mood for an unsure cut: one vote of this weight in the strip's totals
FACE_POSE_MEANS = "blendshape"  # read from the face (wink), not the hands: does not block hand or body additions
JPEG_QUALITY = 85
SCHEMA_NAME = "booth_poses_and_moods"

INSTRUCTIONS = (
    "You look at a Korean photo-booth picture (often a strip of several cuts) for a photo bot. The hints list, per "
    "cut, the faces numbered left to right with their boxes [x, y, w, h] in pixels of this image, the poses the "
    "bot's hand and body landmarks already found (with confidence), and the bot's own mood guess. Answer for each "
    "cut: the poses you clearly see that the hints lack (each with the face numbers of the people making it; two "
    "for a two-person pose), and the one mood that fits the cut best. Use only the given pose and mood keys. Do not "
    "repeat poses from the hints. Never identify anyone."
)


class BadAnswer(ValueError):
    """The model's answer does not follow the schema (malformed JSON, unknown keys, wrong shapes)."""


def answer_schema(pose_keys: Sequence[str], mood_keys: Sequence[str]) -> dict[str, Any]:
    """The JSON schema of an answer (strict structured output): fixed enums of our pose and mood keys."""
    pose = {
        "type": "object",
        "additionalProperties": False,
        "required": ["pose", "people"],
        "properties": {
            "pose": {"type": "string", "enum": list(pose_keys)},
            "people": {"type": "array", "items": {"type": "integer"}},
        },
    }
    cut = {
        "type": "object",
        "additionalProperties": False,
        "required": ["cut", "poses", "mood"],
        "properties": {
            "cut": {"type": "integer"},
            "poses": {"type": "array", "items": pose},
            "mood": {"type": "string", "enum": list(mood_keys)},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["cuts"],
        "properties": {"cuts": {"type": "array", "items": cut}},
    }


@dataclass(frozen=True)
class SeenPose:
    key: str
    people: tuple[int, ...]  # face numbers within the cut, from 1


@dataclass(frozen=True)
class SeenCut:
    cut: int  # from 1
    poses: tuple[SeenPose, ...]
    mood: str


def parse_answer(text: str | None, pose_keys: Sequence[str], mood_keys: Sequence[str]) -> tuple[SeenCut, ...]:
    """The answer checked against the schema; BadAnswer for anything that does not follow it."""
    try:
        raw = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise BadAnswer(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) != {"cuts"} or not isinstance(raw["cuts"], list):
        raise BadAnswer("expected an object with only 'cuts', a list")
    cuts = []
    for item in raw["cuts"]:
        if not isinstance(item, dict) or set(item) != {"cut", "poses", "mood"}:
            raise BadAnswer("each cut needs exactly cut, poses and mood")
        if not _integer(item["cut"]) or item["mood"] not in mood_keys or not isinstance(item["poses"], list):
            raise BadAnswer(f"bad cut entry {item!r}")
        poses = []
        for pose in item["poses"]:
            if not isinstance(pose, dict) or set(pose) != {"pose", "people"} or pose["pose"] not in pose_keys:
                raise BadAnswer(f"bad pose entry {pose!r}")
            if not isinstance(pose["people"], list) or not all(_integer(n) for n in pose["people"]):
                raise BadAnswer(f"bad people in {pose!r}")
            poses.append(SeenPose(pose["pose"], tuple(pose["people"])))
        cuts.append(SeenCut(item["cut"], tuple(poses), item["mood"]))
    return tuple(cuts)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def numbered_faces(filed: FiledAnalysis) -> dict[int, list[FiledFace]]:
    """Cut index → its faces, left to right (face number n is index n − 1): how hints and answers name people."""
    cuts: dict[int, list[FiledFace]] = {}
    for face in sorted(filed.faces, key=lambda f: (f.frame, f.box[0], f.box[1])):
        cuts.setdefault(face.frame, []).append(face)
    return cuts


def hints(filed: FiledAnalysis, scale: float) -> dict[str, Any]:
    """Our detections as the model is shown them (boxes in the sent JPEG's pixels; no ids, no names)."""
    cuts = []
    for frame, faces in sorted(numbered_faces(filed).items()):
        number = {face.id: index + 1 for index, face in enumerate(faces)}
        poses = [
            {
                "pose": pose.key,
                "people": [number[i] for i in pose.face_ids if i in number],
                "confidence": pose.confidence,
            }
            for pose in filed.poses
            if pose.frame == frame
        ]
        cuts.append(
            {
                "cut": frame + 1,
                "faces": [{"face": number[face.id], "box": [round(v * scale) for v in face.box]} for face in faces],
                "poses": poses,
                "mood": list(_device_top(filed, frame)[:2]),
            }
        )
    return {"cuts": cuts}


def _device_totals(filed: FiledAnalysis, frame: int) -> list[tuple[str, float]]:
    totals = [(m.key, m.score * m.confidence) for m in filed.moods if m.frame == frame and m.source == "device"]
    return sorted(totals, key=lambda item: -item[1])


def _device_top(filed: FiledAnalysis, frame: int) -> tuple[str, ...]:
    return tuple(key for key, _ in _device_totals(filed, frame))


def mood_is_sure(filed: FiledAnalysis, frame: int) -> bool:
    totals = _device_totals(filed, frame)
    if len(totals) < 2:
        return False
    return totals[0][1] - totals[1][1] >= SURE_MOOD_MARGIN


def _hand_read_confidently(poses: Sequence[StoredPose], face_id: int) -> bool:
    known = catalogue()
    return any(
        face_id in pose.face_ids
        and pose.confidence >= CONFIDENT
        and pose.source == "device"
        and (known[pose.key].recognised_by if pose.key in known else "") != FACE_POSE_MEANS
        for pose in poses
    )


def merge(filed: FiledAnalysis, answer: Sequence[SeenCut]) -> Additions:
    """What of the model's answer is added (see the module's doc); the device's readings are never changed."""
    known = catalogue()
    faces_by_cut = numbered_faces(filed)
    have = {(pose.key, pose.face_ids) for pose in filed.poses}
    poses: list[AddedPose] = []
    moods: list[NewMood] = []
    for cut in answer:
        frame = cut.cut - 1
        faces = faces_by_cut.get(frame)
        if not faces:
            continue
        for seen in cut.poses:
            people = seen.people
            if len(set(people)) != len(people) or not all(1 <= n <= len(faces) for n in people):
                continue
            if len(people) != known[seen.key].people:
                continue
            ids = tuple(faces[n - 1].id for n in people)
            if (seen.key, ids) in have or any(_hand_read_confidently(filed.poses, i) for i in ids):
                continue
            have.add((seen.key, ids))
            poses.append(AddedPose(frame, seen.key, OPENAI_POSE_CONFIDENCE, ids))
        if not mood_is_sure(filed, frame) and all(m.frame != frame for m in moods):
            moods.append(NewMood(frame, cut.mood, 1.0, OPENAI_MOOD_WEIGHT))
    return Additions(tuple(poses), tuple(moods))


def strip_jpeg(data: bytes, max_pixels: int, max_side: int) -> tuple[bytes, float]:
    """The photo upright, downscaled so its longer side is at most `max_side`, as a fresh JPEG (no metadata), and
    the scale from the analysed image's pixels to the JPEG's. Runs in the CPU pool."""
    rgb = load_rgb(data, max_pixels)
    image = Image.fromarray(rgb)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), image.width / rgb.shape[1]


class OpenAIRefiner:
    """The pipeline's Refiner (pipeline.analysis) backed by the OpenAI API."""

    def __init__(self, settings: Settings, chats: RefinementStore, cpu: CpuPool) -> None:
        if settings.openai_api_key is None:
            raise ValueError("the OpenAI step needs OPENAI_API_KEY")
        self.settings, self.chats, self.cpu = settings, chats, cpu
        self.client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_s,
            max_retries=0,  # the photo's answer waits for this step: one try, then the device's result stands
        )
        self.pose_keys = tuple(catalogue())
        self.mood_keys = mood_rules().keys

    async def wanted(self, chat_id: int) -> bool:
        return await self.chats.openai_on(chat_id)

    async def refine(self, photo: bytes, filed: FiledAnalysis) -> Additions | None:
        """None when the API failed or answered off-schema (logged, without the key)."""
        settings = self.settings
        jpeg, scale = await self.cpu.run(strip_jpeg, photo, settings.max_image_pixels, settings.openai_max_side)
        try:
            text = await self._ask(jpeg, hints(filed, scale))
            answer = parse_answer(text, self.pose_keys, self.mood_keys)
        except openai.APIError as exc:
            log.warning("OpenAI step for photo %s: %s", filed.photo_id, type(exc).__name__)
            return None
        except BadAnswer as exc:
            log.warning("OpenAI step for photo %s: answer refused (%s)", filed.photo_id, exc)
            return None
        return merge(filed, answer)

    async def _ask(self, jpeg: bytes, hint: Mapping[str, Any]) -> str | None:
        picture = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
        completion = await self.client.chat.completions.create(
            model=self.settings.openai_model,
            messages=[
                {"role": "system", "content": INSTRUCTIONS},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Hints: " + json.dumps(hint, ensure_ascii=False)},
                        {"type": "image_url", "image_url": {"url": picture, "detail": "low"}},
                    ],
                },
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {
                    "name": SCHEMA_NAME,
                    "strict": True,
                    "schema": answer_schema(self.pose_keys, self.mood_keys),
                },
            },
        )
        if not completion.choices:
            raise BadAnswer("no choices")
        return completion.choices[0].message.content

    async def close(self) -> None:
        await self.client.close()
