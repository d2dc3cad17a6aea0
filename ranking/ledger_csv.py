"""The ledger as CSV (UTF-8 with a BOM so spreadsheet apps read Hangul), and back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

COLUMNS = (
    "pledge_id",
    "week_start",
    "photo_id",
    "member",
    "points",
    "won_per_point",
    "amount_won",
    "status",
    "week_closed",
    "charity",
    "photo_taken_at",
)
# A cell starting with one of these runs as a formula in spreadsheet apps; a leading apostrophe defuses it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LedgerRow:
    pledge_id: int
    week_start: date
    photo_id: int | None
    member: str
    points: int
    won_per_point: int
    amount_won: int
    status: str
    week_closed: bool
    charity: str
    photo_taken_at: datetime


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS) else text


def to_csv(rows: Iterable[LedgerRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def from_csv(data: bytes) -> list[LedgerRow]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    if tuple(header) != COLUMNS:
        raise ValueError(f"unexpected columns: {header}")
    # Annotations are strings here (postponed evaluation), which is what _parse dispatches on.
    types = {field.name: str(field.type) for field in fields(LedgerRow)}
    rows = []
    for cells in reader:
        values = dict(zip(COLUMNS, (_uncell(cell) for cell in cells), strict=True))
        parsed: dict[str, Any] = {name: _parse(types[name], text) for name, text in values.items()}
        rows.append(LedgerRow(**parsed))
    return rows


def _parse(kind: str, text: str) -> object:
    if kind == "int | None":
        return int(text) if text else None
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text == "yes"
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "datetime":
        return datetime.fromisoformat(text)
    return text
