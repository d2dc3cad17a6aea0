"""A member withdraws their face: 'stop recognising me here' and 'forget me everywhere' (handlers/myface.py).

Both delete the member's person (every face in it) and the faces not yet in any person that match them, and keep
one opt-out signature so their new faces are not stored again (PhotoAnalyser checks it before recording a photo).
Each chat's people change under that chat's lock, as clustering does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.analysis import PhotoAnalyser
from pipeline.face_signatures import combined, opted_out, same_person, signature_of
from storage.faces import FaceStore, StoredFace
from storage.models import saved_id
from storage.opt_outs import OptOutStore, Signature


@dataclass(frozen=True)
class Withdrawn:
    chats: int
    people: int
    faces: int


def _faces_by_person(faces: Sequence[StoredFace]) -> dict[int, list[StoredFace]]:
    people: dict[int, list[StoredFace]] = {}
    for face in faces:
        if face.person_id is not None:
            people.setdefault(face.person_id, []).append(face)
    return people


def _is_theirs(faces: Sequence[StoredFace], signature: Signature) -> bool:
    theirs = signature_of([face.embedding for face in faces])
    return theirs is not None and same_person(theirs, signature)


class Withdrawals:
    def __init__(self, faces: FaceStore, opt_outs: OptOutStore, analyser: PhotoAnalyser) -> None:
        self.faces, self.opt_outs, self.analyser = faces, opt_outs, analyser

    async def stop_here(self, chat_id: int, user_id: int) -> Withdrawn | None:
        """Delete the person the member said is them in this chat and opt them out here. None: no such person."""
        async with self.analyser.chat_lock(chat_id):
            person = await self.opt_outs.claimed(chat_id, user_id)
            if person is None:
                return None
            person_id = saved_id(person.id)
            stored = await self.faces.chat_faces(chat_id)
            signature = signature_of([face.embedding for face in stored if face.person_id == person_id])
            if signature is None:
                return None
            strays = [face.id for face in stored if face.person_id is None and opted_out(face.embedding, [signature])]
            erased = await self.opt_outs.erase(chat_id, [person_id], strays)
            await self.opt_outs.add(chat_id, user_id, signature)
        return Withdrawn(chats=1, people=erased.people, faces=erased.faces)

    async def member_signature(self, user_id: int) -> Signature | None:
        """What the bot knows of the member's face: the people they said are them, and earlier opt-outs."""
        parts = [signature for _, signature in await self.opt_outs.of_user(user_id)]
        for person in await self.opt_outs.claimed_everywhere(user_id):
            theirs = signature_of([face.embedding for face in await self.faces.faces_of_person(saved_id(person.id))])
            if theirs is not None:
                parts.append(theirs)
        return combined(parts)

    async def forget_everywhere(self, user_id: int) -> Withdrawn | None:
        """In every chat: delete the member's people (claimed, or matching their face) and matching loose faces;
        then one opt-out for every chat. None: the bot knows no face of theirs (they have to pick one first)."""
        signature = await self.member_signature(user_id)
        if signature is None:
            return None
        claimed = {saved_id(p.id): p.chat_id for p in await self.opt_outs.claimed_everywhere(user_id)}
        chats = sorted(set(await self.faces.chats_with_faces()) | set(claimed.values()))
        await self.opt_outs.add(None, user_id, signature)  # first: photos filed meanwhile are checked against it
        people = faces = touched = 0
        for chat_id in chats:
            async with self.analyser.chat_lock(chat_id):
                stored = await self.faces.chat_faces(chat_id)
                doomed = [
                    person_id
                    for person_id, held in _faces_by_person(stored).items()
                    if claimed.get(person_id) == chat_id or _is_theirs(held, signature)
                ]
                doomed += [pid for pid, chat in claimed.items() if chat == chat_id and pid not in doomed]
                strays = [f.id for f in stored if f.person_id is None and opted_out(f.embedding, [signature])]
                if not doomed and not strays:
                    continue
                erased = await self.opt_outs.erase(chat_id, doomed, strays)
            people, faces, touched = people + erased.people, faces + erased.faces, touched + 1
        return Withdrawn(chats=touched, people=people, faces=faces)
