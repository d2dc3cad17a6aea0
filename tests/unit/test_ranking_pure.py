"""Smile points, weeks, leaderboards with ties, the pledge cap, the CSV format, the charity list and the chart."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from pipeline.charts import Bar, ChartSpec, _font_families, render_leaderboard
from ranking.board import Contribution, leaderboard, subject_labels
from ranking.charities import CharityListError, load_charities, valid_url
from ranking.ledger_csv import LedgerRow, from_csv, to_csv
from ranking.pledges import OpenPledge, Rule, allocate
from ranking.points import face_points, photo_points, week_bounds, week_start
from vision.render import FONT_CANDIDATES

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("smile", "points"), [(0, 0), (0.49, 0), (0.5, 1), (72.5, 73), (99.5, 100), (100, 100), (-3, 0), (140, 100)]
)
def test_face_points_round_half_up_and_stay_in_0_to_100(smile: float, points: int) -> None:
    assert face_points(smile) == points


def test_photo_points_sum_each_face_once() -> None:
    assert photo_points([80.4, 60.5, 0.2]) == 80 + 61 + 0
    assert photo_points([]) == 0
    assert face_points(float("nan")) == 0


def test_weeks_start_on_monday_midnight_in_the_timezone() -> None:
    sunday_late = datetime(2026, 11, 29, 14, 59, tzinfo=UTC)  # Sunday 23:59 in Seoul
    monday = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Monday 00:00 in Seoul
    assert week_start(sunday_late, SEOUL) == date(2026, 11, 23)
    assert week_start(monday, SEOUL) == date(2026, 11, 30)
    assert week_start(monday, ZoneInfo("UTC")) == date(2026, 11, 23)
    assert week_start(datetime(2026, 11, 29, 15, 0), SEOUL) == date(2026, 11, 30), "naive = UTC (SQLite)"
    start, end = week_bounds(date(2026, 11, 23), SEOUL)
    assert (start, end) == (datetime(2026, 11, 22, 15, tzinfo=UTC), datetime(2026, 11, 29, 15, tzinfo=UTC))


def test_a_week_across_a_dst_change_keeps_local_midnights() -> None:
    start, end = week_bounds(date(2026, 10, 19), ZoneInfo("Europe/Berlin"))  # clocks go back on Sunday 10-25
    assert end - start == timedelta(hours=169)
    start, end = week_bounds(date(2026, 3, 23), ZoneInfo("Europe/Berlin"))  # clocks go forward on Sunday 03-29
    assert end - start == timedelta(hours=167)


def test_leaderboard_orders_by_points_and_ties_share_a_place() -> None:
    contributions = [
        Contribution(1, 10, 50),
        Contribution(2, 11, 70),
        Contribution(3, 12, 70),
        Contribution(4, 13, 10),
        Contribution(1, 14, 20),
        Contribution(5, 15, 0),
    ]
    labels = {1: "zed", 2: "Bo", 3: "amy", 4: "Cy", 5: "Dee"}
    board = leaderboard(contributions, labels)
    assert [(s.place, s.label, s.points, s.photos) for s in board] == [
        (1, "amy", 70, 1),
        (1, "Bo", 70, 1),
        (1, "zed", 70, 2),
        (4, "Cy", 10, 1),
        (5, "Dee", 0, 1),
    ]
    assert leaderboard([], labels) == []


def test_labels_name_the_unnamed_and_shorten_long_names() -> None:
    labels = subject_labels({1: None, 2: "  ", 3: "x" * 40, 4: "지수"}, lambda n: f"Person {n}")
    assert labels == {1: "Person 1", 2: "Person 2", 3: "x" * 23 + "…", 4: "지수"}


def test_cap_is_filled_in_photo_order_deterministically() -> None:
    t0 = datetime(2026, 11, 23, tzinfo=UTC)
    pledges = [OpenPledge(3, t0 + timedelta(hours=2), 30), OpenPledge(1, t0, 50), OpenPledge(2, t0, 40)]
    assert allocate(pledges, Rule(10, 800)) == {1: 500, 2: 300, 3: 0}
    assert allocate(list(reversed(pledges)), Rule(10, 800)) == {1: 500, 2: 300, 3: 0}
    assert allocate(pledges, Rule(10, None)) == {1: 500, 2: 400, 3: 300}
    assert allocate(pledges, Rule(10, 0)) == {1: 0, 2: 0, 3: 0}
    with pytest.raises(ValueError):
        Rule(0, None)
    with pytest.raises(ValueError):
        Rule(10, -1)


def test_csv_round_trips_awkward_values() -> None:
    rows = [
        LedgerRow(
            1,
            date(2026, 11, 16),
            7,
            '캐롤, "the" =star',
            61,
            10,
            610,
            "active",
            True,
            "초록우산",
            datetime(2026, 11, 17, 3, tzinfo=UTC),
        ),
        LedgerRow(2, date(2026, 11, 23), None, "", 0, 10, 0, "void", False, "", datetime(2026, 11, 24, tzinfo=UTC)),
        LedgerRow(
            3,
            date(2026, 11, 23),
            9,
            "-1+1\nnew line",
            5,
            10,
            50,
            "active",
            False,
            "@x",
            datetime(2026, 11, 24, tzinfo=UTC),
        ),
    ]
    data = to_csv(rows)
    assert from_csv(data) == rows
    text = data.decode("utf-8-sig")
    assert "'-1+1" in text and "'@x" in text
    with pytest.raises(ValueError):
        from_csv(b"a,b\n1,2\n")


def test_shipped_charities_are_valid_and_real_links() -> None:
    charities = load_charities()
    keys = {c.key for c in charities}
    assert {"childfund", "goodneighbors", "worldvision-kr", "unicef-kr", "givedirectly", "msf"} <= keys
    assert all(c.url.startswith("https://") for c in charities)
    assert not any(c.names for c in charities), "the shipped names live in the bot's catalogue"


def test_an_operator_list_names_its_own_keys_and_may_reuse_shipped_ones(tmp_path: Path) -> None:
    path = tmp_path / "list.toml"
    path.write_text(
        '[[charity]]\nkey = "foodbank"\nname_ko = "푸드뱅크"\nname_en = "Food Bank"\nurl = "https://food.example.org"\n'
        '[[charity]]\nkey = "msf"\nurl = "https://www.msf.org"\n'
    )
    own, shipped = load_charities(path)
    assert own.names == {"ko": "푸드뱅크", "en": "Food Bank"} and shipped.key == "msf" and not shipped.names


@pytest.mark.parametrize(
    "body",
    [
        '[[charity]]\nkey = "a"\nname_ko = "가"\nname_en = "A"\n',  # no url
        '[[charity]]\nkey = "Bad Key"\nname_ko = "가"\nname_en = "A"\nurl = "https://a.org"\n',
        '[[charity]]\nkey = "a"\nname_ko = "가"\nname_en = "A"\nurl = "javascript:alert(1)"\n',
        '[[charity]]\nkey = "c12"\nname_ko = "가"\nname_en = "A"\nurl = "https://a.org"\n',  # looks like a chat's own
        '[[charity]]\nkey = "foodbank"\nurl = "https://food.example.org"\n',  # not shipped, so it needs names
        '[[charity]]\nkey = "foodbank"\nname_en = "Food"\nurl = "https://food.example.org"\n',  # one name only
        "",
    ],
)
def test_a_broken_charity_list_is_refused_at_start(tmp_path: Path, body: str) -> None:
    path = tmp_path / "list.toml"
    path.write_text(body)
    with pytest.raises(CharityListError):
        load_charities(path)


def test_urls_must_be_web_links() -> None:
    assert valid_url("https://food.example.org/give")
    assert not valid_url("ftp://x.org") and not valid_url("https://localhost") and not valid_url("x" * 300)


def test_chart_is_a_png_with_hangul_labels_and_an_empty_state() -> None:
    spec = ChartSpec(
        "웃음 랭킹", "11월 23일 – 11월 29일", (Bar(1, "지수", 155, "155"), Bar(2, "Min", 70, "70")), "없어요", "점수"
    )
    image = Image.open(io.BytesIO(render_leaderboard(spec)))
    assert image.format == "PNG" and image.width == 800
    empty = Image.open(io.BytesIO(render_leaderboard(ChartSpec("t", "s", (), "No smiles yet", "pts"))))
    assert empty.format == "PNG"
    hangul_fonts = [p for p in FONT_CANDIDATES if p.exists() and "dejavu" not in p.name.lower()]
    assert (_font_families()[0] != "DejaVu Sans") == bool(hangul_fonts), "a Hangul font is used when installed"
    many = tuple(Bar(i, f"p{i}", 100 - i, str(100 - i)) for i in range(1, 30))
    assert Image.open(io.BytesIO(render_leaderboard(ChartSpec("t", "s", many, "", "pts")))).height > empty.height
