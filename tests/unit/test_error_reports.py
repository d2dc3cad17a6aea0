"""The operators' error report: rate-limited per distinct error, shortened to Telegram's limit, escaped, no token."""

from __future__ import annotations

import html
import re

from telegram import Chat, Message, Update, User

from handlers.error_reports import (
    KNOWN_ERRORS,
    MESSAGE_LIMIT,
    REDACTED,
    ErrorReports,
    error_report,
    error_signature,
)

TOKEN = "7123456789:AAHk3hR9x2QfL0pZ_vN8m-TyUwXe1sBdCcQ"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def raised(message: str, depth: int = 0) -> BaseException:
    def dive(level: int) -> None:
        if level <= 0:
            raise RuntimeError(message)
        dive(level - 1)

    try:
        dive(depth)
    except RuntimeError as error:
        return error
    raise AssertionError("unreachable")


def raised_elsewhere() -> BaseException:
    try:
        raise RuntimeError("a")
    except RuntimeError as error:
        return error


def parsed_length(report: str) -> int:
    """What Telegram counts: the text once the HTML tags and entities are parsed."""
    return len(html.unescape(re.sub(r"</?(b|pre)>", "", report)))


def an_update(text: str) -> Update:
    user = User(1, "Sam", False)
    message = Message(5, None, Chat(1, "private"), from_user=user, text=text)  # type: ignore[arg-type]
    return Update(9, message=message)


def test_one_report_a_minute_per_distinct_error_with_the_held_back_counted() -> None:
    clock = Clock()
    reports = ErrorReports(every_s=60, clock=clock)
    first, same, other = raised("a"), raised("b", depth=2), raised_elsewhere()
    assert error_signature(first) == error_signature(same), "same type, same place: one error (message, stack differ)"
    assert error_signature(first) != error_signature(other)
    assert reports.admit(error_signature(first)) == 0
    clock.now = 30
    assert reports.admit(error_signature(same)) is None, "within the minute: held back"
    assert reports.admit(error_signature(same)) is None
    assert reports.admit(error_signature(other)) == 0, "another error is reported at once"
    clock.now = 61
    assert reports.admit(error_signature(first)) == 2, "the next report says how many were held back"
    assert reports.admit(error_signature(first)) is None


def test_the_rate_limit_remembers_a_bounded_number_of_errors() -> None:
    reports = ErrorReports(clock=Clock())
    for index in range(KNOWN_ERRORS * 2):
        reports.admit(f"error {index}")
    assert len(reports) == KNOWN_ERRORS


def test_the_report_fits_telegrams_limit_escapes_html_and_hides_tokens() -> None:
    error = raised(f"<boom> & calling https://api.telegram.org/bot{TOKEN}/sendMessage " + "x" * 5000, depth=60)
    update = an_update("<script>" + "y" * 5000 + " my token " + TOKEN)
    report = error_report(error, update, held_back=3, secrets=["s3cr3t-webhook"])
    assert parsed_length(report) <= MESSAGE_LIMIT
    assert TOKEN not in report and TOKEN.split(":")[1] not in report and REDACTED in report
    assert "<boom>" not in report and "&lt;boom&gt; &amp;" in report and "&lt;script&gt;" in report
    assert "3 more like it in the last minute" in report
    assert report.count("<pre>") == 2 and report.count("</pre>") == 2, "the cuts never break the markup"
    assert "RuntimeError" in report and "in dive" in report, "the traceback's last frames are kept"


def test_a_short_report_is_complete() -> None:
    report = error_report(raised("small"), an_update("/start"), held_back=0, secrets=[])
    assert "…" not in report and "not reported" not in report
    assert '"text": "/start"' in html.unescape(report) and "RuntimeError: small" in html.unescape(report)
