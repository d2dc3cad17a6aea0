"""Reads for the smile ranking: per-face and per-photo points of a chat, optionally within one week."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select

from ranking.board import Contribution, RankBy, RankingData
from ranking.points import face_points, week_bounds
from storage.db import Database
from storage.models import Face, MediaKind, Person, Photo, User, saved_id
from storage.schedule import chat_timezone


class RankingStore:
    def __init__(self, db: Database, default_timezone: str) -> None:
        self.db = db
        self.default_timezone = default_timezone

    async def timezone(self, chat_id: int) -> str:
        async with self.db.reading() as session:
            return (await chat_timezone(session, chat_id, self.default_timezone)).key

    async def ranking(self, chat_id: int, by: RankBy, week: date | None = None) -> RankingData:
        """`week` is a Monday in the chat's timezone; None = all time."""
        async with self.db.reading() as session:
            bounds: tuple[datetime, datetime] | None = None
            if week is not None:
                bounds = week_bounds(week, await chat_timezone(session, chat_id, self.default_timezone))
            photo_filter = [col(Photo.chat_id) == chat_id, col(Photo.kind) == MediaKind.photo]
            if bounds is not None:
                photo_filter += [col(Photo.created_at) >= bounds[0], col(Photo.created_at) < bounds[1]]
            faces = (
                await session.exec(
                    select(Face.photo_id, Face.smile, Face.person_id)
                    .join(Photo, col(Photo.id) == Face.photo_id)
                    .where(*photo_filter)
                )
            ).all()
            photo_rows = [
                (saved_id(photo_id), sender)
                for photo_id, sender in (
                    await session.exec(select(Photo.id, Photo.sender_id).where(*photo_filter))
                ).all()
            ]
            names: dict[int, str | None]
            numbers: dict[int, int] = {}
            if by is RankBy.person:
                people = (
                    await session.exec(
                        select(Person.id, Person.name, Person.number).where(
                            col(Person.chat_id) == chat_id, col(Person.hidden).is_(False)
                        )
                    )
                ).all()
                names = {saved_id(person_id): name for person_id, name, _ in people}
                numbers = {saved_id(person_id): number for person_id, _, number in people}
                contributions = [
                    Contribution(person_id, photo_id, face_points(smile))
                    for photo_id, smile, person_id in faces
                    if person_id is not None and person_id in names
                ]
            else:
                senders = {sender for _, sender in photo_rows if sender is not None}
                users = (await session.exec(select(User.id, User.first_name).where(col(User.id).in_(senders)))).all()
                names = dict(users)
                per_photo: dict[int, int] = {photo_id: 0 for photo_id, _ in photo_rows}
                for photo_id, smile, _ in faces:
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
            points=sum(face_points(smile) for _, smile, _ in faces),
            numbers=numbers,
        )
