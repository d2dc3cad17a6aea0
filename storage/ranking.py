"""Reads for the smile ranking: per-face and per-photo points of a chat, optionally within one week."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import select

from ranking.board import Contribution, RankBy, RankingData
from ranking.points import face_points, week_bounds
from storage.db import Database
from storage.models import Face, MediaKind, Person, Photo, User
from storage.schedule import chat_timezone


class RankingStore:
    def __init__(self, db: Database, default_timezone: str) -> None:
        self.db = db
        self.default_timezone = default_timezone

    async def timezone(self, chat_id: int) -> str:
        async with self.db.session() as session:
            return (await chat_timezone(session, chat_id, self.default_timezone)).key

    async def ranking(self, chat_id: int, by: RankBy, week: date | None = None) -> RankingData:
        """`week` is a Monday in the chat's timezone; None = all time."""
        async with self.db.session() as session:
            bounds: tuple[datetime, datetime] | None = None
            if week is not None:
                bounds = week_bounds(week, await chat_timezone(session, chat_id, self.default_timezone))
            photo_filter = [Photo.chat_id == chat_id, Photo.kind == MediaKind.photo]
            if bounds is not None:
                photo_filter += [Photo.created_at >= bounds[0], Photo.created_at < bounds[1]]
            faces = (
                await session.exec(
                    select(Face.id, Face.photo_id, Face.smile, Face.person_id, Photo.sender_id)
                    .join(Photo, Photo.id == Face.photo_id)
                    .where(*photo_filter)
                )
            ).all()
            photo_rows = (await session.exec(select(Photo.id, Photo.sender_id).where(*photo_filter))).all()
            if by is RankBy.person:
                people = (
                    await session.exec(
                        select(Person.id, Person.name).where(Person.chat_id == chat_id, Person.hidden.is_(False))
                    )
                ).all()
                names = dict(people)
                contributions = [
                    Contribution(person_id, photo_id, face_points(smile))
                    for _, photo_id, smile, person_id, _ in faces
                    if person_id in names
                ]
            else:
                senders = {sender for _, sender in photo_rows if sender is not None}
                users = (await session.exec(select(User.id, User.first_name).where(User.id.in_(senders)))).all()
                names = dict(users)
                per_photo: dict[int, int] = {photo_id: 0 for photo_id, _ in photo_rows}
                for _, photo_id, smile, _, _ in faces:
                    per_photo[photo_id] += face_points(smile)
                contributions = [
                    Contribution(sender, photo_id, per_photo[photo_id])
                    for photo_id, sender in photo_rows
                    if sender is not None
                ]
        return RankingData(
            contributions=tuple(contributions),
            names=names,
            photos=len(photo_rows),
            points=sum(face_points(smile) for _, _, smile, _, _ in faces),
        )
