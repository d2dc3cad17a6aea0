"""Properties of the parsers, checked by Hypothesis on inputs it makes up (and shrinks when one fails)."""

from __future__ import annotations

import contextlib
import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram import Bot

from booths.errors import UnsafeUrl
from booths.urls import find_urls
from evals.fuzzing.texts import all_actions, check_callback, check_words
from evals.fuzzing.urls import HOSTS, SCHEMES, USERINFO, check_url
from handlers.callbacks import Action
from handlers.updates import parse_update
from miniapp.signin import InitDataError, check_init_data, sign_init_data

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKEN = "123456:FUZZ-TOKEN"
BOT = Bot(TOKEN)

urls = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(SCHEMES),
    st.sampled_from(USERINFO),
    st.sampled_from(HOSTS) | st.text(min_size=1, max_size=30),
    st.text(max_size=30),
)


@FAST
@given(urls)
@example("http://[::1]@")  # yarl 1.25 raised IndexError on it instead of ValueError
def test_a_url_is_either_refused_or_safe_to_connect_to(url: str) -> None:
    with contextlib.suppress(UnsafeUrl):
        check_url(url)


@FAST
@given(st.text(max_size=300), st.booleans())
@example("see http://[::1]@ and http://x.com/[a]@", True)
def test_finding_links_in_any_text_never_raises(text: str, include_unknown: bool) -> None:
    for url in find_urls(text, include_unknown=include_unknown):
        assert url.lower().startswith(("http://", "https://")), url


@FAST
@given(st.sampled_from(all_actions()), st.data())
def test_callback_data_the_bot_draws_reads_back_the_same(action: Action, data: st.DataObject) -> None:
    values = [
        data.draw(
            st.integers(-(10**17), 10**17) if field is int else st.from_regex(r"[A-Za-z0-9_/+\-]{1,40}", fullmatch=True)
        )
        for field in action.fields
    ]
    try:
        text = action.data(*values)
    except ValueError:  # over 64 bytes: the keyboard refuses to draw it
        return
    assert action.parse(text) == tuple(values)


@FAST
@given(st.text(max_size=64))
def test_any_pressed_data_is_parsed_or_refused(text: str) -> None:
    check_callback(text)


@FAST
@given(st.text(max_size=80))
def test_any_name_is_taken_tidied_or_refused_and_shown_as_valid_html(text: str) -> None:
    check_words(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@FAST
@given(json_values)
def test_a_signed_user_of_any_shape_signs_in_or_is_refused(user: object) -> None:
    raw = sign_init_data({"user": json.dumps(user)}, TOKEN)
    try:
        signed = check_init_data(raw, TOKEN, max_age_s=60)
    except InitDataError:
        return
    assert isinstance(signed.user.id, int) and signed.user.id > 0


@FAST
@given(st.dictionaries(st.sampled_from(["update_id", "message", "callback_query", "edited_message"]), json_values))
def test_any_json_posted_to_the_webhook_is_an_update_or_refused(payload: dict[str, object]) -> None:
    try:
        update = parse_update(json.dumps(payload).encode(), BOT)
    except ValueError:
        return
    assert update.update_id == payload["update_id"]
