"""The Mini App sign-in: Telegram's initData check (against init-data-py's independent signer) and our tokens."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlencode

import jwt
import pytest
from init_data_py import sign as reference_sign

from miniapp.signin import InitDataError, check_init_data, sign_init_data
from miniapp.tokens import AUDIENCE, SESSION_TTL_S, MediaKind, TokenError, Tokens, load_or_create_secret

TOKEN = "7000000001:test-bot-token"
OTHER_TOKEN = "7000000002:another-bot-token"
HOUR = 3600.0
USER = json.dumps({"id": 4242, "first_name": "Mina", "language_code": "ko"}, separators=(",", ":"))


def signed(**fields: str) -> str:
    """initData as Telegram's rule signs it, made by init-data-py (not by the code under test)."""
    auth_date = int(fields.pop("auth_date", str(int(time.time()))))
    return reference_sign({"user": USER, "query_id": "AAE1", **fields}, TOKEN, auth_date=auth_date)


def with_field(raw: str, key: str, value: str) -> str:
    """The same initData (same hash) with one field's value changed."""
    return urlencode([(k, value if k == key else v) for k, v in parse_qsl(raw)])


def test_valid_init_data_passes_and_names_the_user() -> None:
    result = check_init_data(signed(start_param="aXYZ"), TOKEN, max_age_s=HOUR)
    assert result.user.id == 4242
    assert result.user.language_code == "ko"
    assert result.start_param == "aXYZ"


def test_our_signer_matches_the_reference() -> None:
    now = int(time.time())
    ours = dict(parse_qsl(sign_init_data({"user": USER, "query_id": "AAE1"}, TOKEN, auth_date=now)))
    theirs = dict(parse_qsl(reference_sign({"user": USER, "query_id": "AAE1"}, TOKEN, auth_date=now)))
    assert ours["hash"] == theirs["hash"]


def test_a_changed_user_is_refused() -> None:
    other = json.dumps({"id": 1, "first_name": "Mina", "language_code": "ko"}, separators=(",", ":"))
    with pytest.raises(InitDataError, match="not signed"):
        check_init_data(with_field(signed(), "user", other), TOKEN, max_age_s=HOUR)


def test_a_changed_auth_date_is_refused() -> None:
    raw = signed(auth_date=str(int(time.time()) - 2 * 3600))
    with pytest.raises(InitDataError, match="not signed"):
        check_init_data(with_field(raw, "auth_date", str(int(time.time()))), TOKEN, max_age_s=HOUR)


def test_stale_init_data_is_refused() -> None:
    raw = signed(auth_date=str(int(time.time()) - int(HOUR) - 5))
    with pytest.raises(InitDataError, match="too old"):
        check_init_data(raw, TOKEN, max_age_s=HOUR)
    assert check_init_data(raw, TOKEN, max_age_s=2 * HOUR).user.id == 4242  # the age is what refused it


def test_a_duplicated_key_is_refused() -> None:
    raw = signed()
    other = json.dumps({"id": 1, "first_name": "X"})
    for doubled in (f"{raw}&user={other}", f"user={other}&{raw}", f"{raw}&hash=00"):
        with pytest.raises(InitDataError, match="repeats"):
            check_init_data(doubled, TOKEN, max_age_s=HOUR)


def test_a_hash_made_with_another_bots_token_is_refused() -> None:
    raw = reference_sign({"user": USER}, OTHER_TOKEN, auth_date=int(time.time()))
    with pytest.raises(InitDataError, match="not signed"):
        check_init_data(raw, TOKEN, max_age_s=HOUR)


@pytest.mark.parametrize("raw", ["", "no-equals-sign", "user=%ZZ&hash=1", "a=1&&b=2", "x" * 9000])
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises(InitDataError):
        check_init_data(raw, TOKEN, max_age_s=HOUR)


def test_no_hash_or_no_user_is_refused() -> None:
    without_hash = urlencode([(k, v) for k, v in parse_qsl(signed()) if k != "hash"])
    with pytest.raises(InitDataError, match="no hash"):
        check_init_data(without_hash, TOKEN, max_age_s=HOUR)
    no_user = reference_sign({"query_id": "AAE1"}, TOKEN, auth_date=int(time.time()))
    with pytest.raises(InitDataError, match="no user"):
        check_init_data(no_user, TOKEN, max_age_s=HOUR)


@pytest.fixture
def tokens() -> Tokens:
    return Tokens(b"s" * 40)


def test_a_session_round_trips_and_expires(tokens: Tokens) -> None:
    now = time.time()
    token = tokens.issue_session(4242, "ko", now=now)
    session = tokens.read_session(token)
    assert (session.user_id, session.language) == (4242, "ko")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == SESSION_TTL_S == 15 * 60
    assert claims["aud"] == AUDIENCE and claims["sub"] == "4242"
    expired = tokens.issue_session(4242, "ko", now=now - SESSION_TTL_S - 1)
    with pytest.raises(TokenError, match="ExpiredSignature"):
        tokens.read_session(expired)


def test_a_session_for_another_audience_or_key_is_refused(tokens: Tokens) -> None:
    now = int(time.time())
    claims = {"sub": "4242", "iat": now, "exp": now + 60, "aud": "someone-else"}
    key = Tokens._derive(b"s" * 40, b"session")
    with pytest.raises(TokenError, match="InvalidAudience"):
        tokens.read_session(jwt.encode(claims, key, algorithm="HS256"))
    with pytest.raises(TokenError, match="InvalidSignature"):
        tokens.read_session(jwt.encode({**claims, "aud": AUDIENCE}, b"k" * 32, algorithm="HS256"))
    with pytest.raises(TokenError):  # alg=none is never accepted
        tokens.read_session(jwt.encode({**claims, "aud": AUDIENCE}, None, algorithm="none"))
    with pytest.raises(TokenError):  # a media token is not a session
        tokens.read_session(tokens.media_token(4242, 1, MediaKind.thumb))


def test_album_tokens_fit_startapp_and_cannot_be_edited(tokens: Tokens) -> None:
    chat = -1001234567890
    token = tokens.album_token(chat)
    assert len(token) <= 64 and all(c.isalnum() or c in "_-" for c in token)
    assert tokens.album_chat(token) == chat
    for i in range(1, len(token)):
        edited = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        with pytest.raises(TokenError):
            tokens.album_chat(edited)
    with pytest.raises(TokenError):
        Tokens(b"t" * 40).album_chat(token)


def test_media_tokens_expire_and_name_one_item(tokens: Tokens) -> None:
    now = time.time()
    grant = tokens.read_media(tokens.media_token(7, 99, MediaKind.view, now=now), now=now)
    assert (grant.user_id, grant.item_id, grant.kind) == (7, 99, MediaKind.view)
    with pytest.raises(TokenError, match="expired"):
        tokens.read_media(tokens.media_token(7, 99, MediaKind.view, now=now - 3600), now=now)
    with pytest.raises(TokenError):
        tokens.read_media(tokens.album_token(-100))


def test_the_secret_is_generated_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = load_or_create_secret(None, tmp_path)
    assert load_or_create_secret(None, tmp_path) == first and len(first) >= 32
    assert (tmp_path / "miniapp-secret").stat().st_mode & 0o077 == 0
    assert load_or_create_secret("configured-secret", tmp_path) == b"configured-secret"
