"""The upload inbox: written before Telegram hears the update was received, emptied when handled, read at start."""

from __future__ import annotations

import json
from pathlib import Path

from bot.inbox_request import InboxRequest
from handlers.inbox import UpdateInbox, is_upload

PHOTO = {"update_id": 41, "message": {"message_id": 3, "photo": [{"file_id": "f"}], "chat": {"id": 1}}}
TEXT = {"update_id": 42, "message": {"message_id": 4, "text": "/help", "chat": {"id": 1}}}


def test_an_upload_is_kept_until_handled_and_replayed_after_a_restart(tmp_path: Path) -> None:
    inbox = UpdateInbox(tmp_path)
    assert is_upload(PHOTO) and not is_upload(TEXT)
    assert inbox.keep(PHOTO) is True
    assert inbox.keep(PHOTO) is False, "sent again: already kept"
    (tmp_path / ".tmp-half").write_text("{")  # a write the kill interrupted
    restarted = UpdateInbox(tmp_path)
    assert restarted.pending() == [PHOTO]
    assert not list(tmp_path.glob(".tmp-*"))
    assert restarted.keep(PHOTO) is False, "Telegram sends the unconfirmed update again: the replay has it"
    restarted.done(41)
    assert UpdateInbox(tmp_path).pending() == []


class _Answer:
    def __init__(self, body: dict[str, object]) -> None:
        self.body = body

    async def do_request(self, *args: object, **kwargs: object) -> tuple[int, bytes]:
        return 200, json.dumps(self.body).encode()


async def test_get_updates_keeps_uploads_and_empties_the_ones_already_kept(tmp_path: Path) -> None:
    inbox = UpdateInbox(tmp_path)
    inbox.keep(PHOTO)
    second = PHOTO | {"update_id": 43}
    request = InboxRequest(inbox, _Answer({"ok": True, "result": [PHOTO, TEXT, second]}))  # type: ignore[arg-type]
    code, payload = await request.do_request("http://x/bot1:a/getUpdates", "POST")
    assert code == 200
    assert json.loads(payload)["result"] == [{"update_id": 41}, TEXT, second]
    assert _kept(tmp_path) == ["41.json", "43.json"]


def _kept(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.json"))
