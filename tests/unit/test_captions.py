"""Captions and texts cut to Telegram's limits, counted as Telegram counts them."""

from __future__ import annotations

from handlers.captions import CAPTION_LIMIT, chunks, first_lines, fits, shortened, visible_length


def test_length_is_counted_after_the_html_is_parsed_in_utf16_units() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("😊") == 2, "an emoji outside the BMP is two UTF-16 code units"
    assert visible_length("웃음") == 2


def test_first_lines_keeps_whole_lines_and_says_something_was_left_out() -> None:
    lines = [f"<b>{i}</b> " + "x" * 95 for i in range(20)]
    text = first_lines(lines, CAPTION_LIMIT)
    assert fits(text) and text.endswith("…")
    kept = text.split("\n")[:-1]
    assert kept == lines[: len(kept)] and len(kept) == 10


def test_a_text_that_fits_is_kept_as_it_is() -> None:
    assert shortened("a\nb") == "a\nb"


def test_chunks_split_at_lines_and_each_fits() -> None:
    lines = ["y" * 1000 for _ in range(9)] + ["z" * 5000]
    texts = chunks(lines)
    assert all(fits(text, 4096) for text in texts)
    assert len(texts) == 4 and texts[0] == "\n".join(lines[:4])
    assert texts[-1].startswith("z") and texts[-1].endswith("…")
