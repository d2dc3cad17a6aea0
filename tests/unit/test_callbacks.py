from __future__ import annotations

import pytest

from handlers import donate, people, settings
from handlers.callbacks import Action

MERGE = Action("pp", "mw", int, int)


def test_data_round_trips_typed_fields() -> None:
    data = MERGE.data(12, 345)
    assert data == "pp:mw:12:345"
    assert MERGE.parse(data) == (12, 345)
    assert Action("don", "pick", str).parse("don:pick:childfund") == ("childfund",)


@pytest.mark.parametrize("data", ["pp:mw:12", "pp:mw:12:345:6", "pp:m:12:3", "pp:mw:x:1", "pp:mw:1:2\n", None])
def test_other_data_is_not_parsed(data: str | None) -> None:
    with pytest.raises(ValueError):
        MERGE.parse(data)


def test_data_that_telegram_or_the_parser_would_not_take_back_is_refused() -> None:
    with pytest.raises(ValueError):
        MERGE.data(1)  # a field missing
    with pytest.raises(ValueError):
        Action("set", "tz", str).data("Europe/Berlin:evil")  # a separator inside a field
    with pytest.raises(ValueError):
        Action("x", "y", str, str).data("a" * 40, "b" * 40)  # over 64 bytes


def test_every_feature_action_has_one_handler_and_distinct_patterns() -> None:
    for buttons in (people.BUTTONS, donate.BUTTONS, settings.BUTTONS):
        patterns = [action.pattern.pattern for action, _ in buttons]
        assert len(set(patterns)) == len(patterns)
        for action, callback in buttons:
            handler = action.handler(callback)
            assert handler.callback.__wrapped__ is callback and handler.pattern == action.pattern  # type: ignore[attr-defined]
    assert not donate.OPEN_WEEKS.pattern.match(donate.CLOSE_WEEK.data("20261116"))
