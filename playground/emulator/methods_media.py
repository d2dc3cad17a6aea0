"""sendPhoto, sendDocument, sendVideo, sendMediaGroup, editMessageMedia, editMessageCaption, getFile."""

from __future__ import annotations

from typing import Any

from playground.emulator.errors import bad_request
from playground.emulator.media import MAX_DOWNLOAD_BYTES
from playground.emulator.params import Params, UploadedFile
from playground.emulator.sending import (
    edit_target,
    message_reply,
    optional,
    reply_target,
    require_not_modified,
    target_chat,
)
from playground.emulator.state import EmulatorState
from playground.emulator.validation import caption_content, inline_keyboard_only, reply_markup

MEDIA_KEYS = ("photo", "document", "video")
_ALBUM_TYPES = ("photo", "video", "document", "audio")
_KIND_NAMES = {"photo": "Photo", "document": "Document", "video": "Video", "thumbnail": "Thumbnail"}


def media_content(
    state: EmulatorState, params: Params, kind: str, reference: UploadedFile | str | None
) -> dict[str, Any]:
    """Turn an upload, ``attach://`` name or file_id into the Message field for ``kind``."""
    if reference is None or reference == "":
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(reference, str):
        reference = _resolve_reference(state, params, reference, kind)
    if isinstance(reference, UploadedFile):
        return {kind: _store_upload(state, params, kind, reference)}
    return {kind: reference}


def _resolve_reference(state: EmulatorState, params: Params, reference: str, kind: str) -> Any:
    if reference.startswith("attach://"):
        upload = params.upload(reference.removeprefix("attach://"))
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return upload
    if reference.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the emulator is offline: URLs never resolve
    stored = state.files.get(reference.strip())
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {_KIND_NAMES[stored.kind]} as {_KIND_NAMES[kind]}")
    if kind == "photo":
        return state.files.photo_sizes_for(stored.file_id)
    return dict(stored.meta[kind])


def _store_upload(state: EmulatorState, params: Params, kind: str, upload: UploadedFile) -> Any:
    if kind == "photo":
        return state.files.add_photo(upload.data)
    if kind == "video":
        meta = {name: params.int(name) or 0 for name in ("width", "height", "duration")}
        return state.files.add_video(upload.data, upload.filename, upload.content_type, **meta)
    return state.files.add_document(upload.data, upload.filename, upload.content_type)


def _send_single(state: EmulatorState, params: Params, kind: str) -> dict[str, Any]:
    chat = target_chat(state, params)
    caption, entities = caption_content(params)
    markup = reply_markup(params)
    reply_to = reply_target(state, chat, params)
    content = media_content(state, params, kind, params.upload(kind) or params.str(kind))
    content |= optional("caption", caption) | optional("caption_entities", entities)
    content |= optional("has_media_spoiler", params.bool("has_spoiler"))
    content |= optional("show_caption_above_media", params.bool("show_caption_above_media"))
    record = state.add_message(chat, state.bot_user, content, markup=markup, reply_to=reply_to)
    return message_reply(record)


def send_photo(state: EmulatorState, params: Params) -> dict[str, Any]:
    return _send_single(state, params, "photo")


def send_document(state: EmulatorState, params: Params) -> dict[str, Any]:
    return _send_single(state, params, "document")


def send_video(state: EmulatorState, params: Params) -> dict[str, Any]:
    return _send_single(state, params, "video")


def _input_media(state: EmulatorState, params: Params, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise bad_request('can\'t parse InputMedia: Field "type" must be of type String')
    kind = item["type"]
    if kind not in MEDIA_KEYS:
        raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported')
    item_params = Params(item, params.uploads)
    caption, entities = caption_content(item_params)
    content = media_content(state, params, kind, item.get("media"))
    content |= optional("caption", caption) | optional("caption_entities", entities)
    content |= optional("has_media_spoiler", item_params.bool("has_spoiler"))
    return content


def send_media_group(state: EmulatorState, params: Params) -> list[dict[str, Any]]:
    chat = target_chat(state, params)
    media = params.json("media", "can't parse media JSON object")
    if media is None:
        raise bad_request('parameter "media" is required')
    if not isinstance(media, list):
        raise bad_request("can't parse media JSON object")
    if not media:
        raise bad_request("there are no messages to send")
    if len(media) > 10:
        raise bad_request("too many messages to send as an album")
    if len(media) < 2:
        raise bad_request("media group must include 2-10 items")
    types = {item.get("type") for item in media if isinstance(item, dict)}
    for lonely in ("document", "audio"):
        if lonely in types and len(types) > 1:
            raise bad_request(f"{lonely} can't be mixed with other media types")
    if "animation" in types:
        raise bad_request("can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup")
    reply_to = reply_target(state, chat, params)
    contents = [_input_media(state, params, item) for item in media]
    group_id = state.new_media_group_id()
    records = [
        state.add_message(chat, state.bot_user, {**content, "media_group_id": group_id}, reply_to=reply_to)
        for content in contents
    ]
    return [message_reply(record) for record in records]


def edit_message_caption(state: EmulatorState, params: Params) -> dict[str, Any]:
    caption, entities = caption_content(params)
    markup = inline_keyboard_only(reply_markup(params))
    record = edit_target(state, params)
    if not any(key in record.message for key in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    same = (record.caption or "") == caption and record.message.get("caption_entities", []) == entities
    require_not_modified(same, record, markup)
    changes = optional("caption", caption) | optional("caption_entities", entities) | optional("reply_markup", markup)
    state.edit_message(record, changes, drop=("caption", "caption_entities", "reply_markup"))
    record.sent_markup = markup
    return message_reply(record)


def edit_message_media(state: EmulatorState, params: Params) -> dict[str, Any]:
    item = params.json("media", "can't parse InputMedia JSON object")
    if item is None:
        raise bad_request('parameter "media" is required')
    markup = inline_keyboard_only(reply_markup(params))
    record = edit_target(state, params)
    if not any(key in record.message for key in MEDIA_KEYS):
        raise bad_request("there is no media in the message to edit")
    if record.media_group_id and isinstance(item, dict) and item.get("type") != _media_kind(record.message):
        raise bad_request("can't change the media type of a message in an album")
    content = _input_media(state, params, item)
    kind = next(key for key in MEDIA_KEYS if key in content)
    same_file = _unique_id(content[kind]) == _unique_id(record.message.get(kind))
    same_caption = content.get("caption") == record.caption and content.get("caption_entities") == record.message.get(
        "caption_entities"
    )
    require_not_modified(same_file and same_caption, record, markup)
    changes = content | optional("reply_markup", markup)
    drop = (*MEDIA_KEYS, "caption", "caption_entities", "has_media_spoiler", "reply_markup")
    state.edit_message(record, changes, drop=drop)
    record.sent_markup = markup
    return message_reply(record)


def _media_kind(message: dict[str, Any]) -> str | None:
    return next((key for key in MEDIA_KEYS if key in message), None)


def _unique_id(media: Any) -> str | None:
    if isinstance(media, list):
        return media[-1]["file_unique_id"] if media else None
    if isinstance(media, dict):
        return media.get("file_unique_id")
    return None


def get_file(state: EmulatorState, params: Params) -> dict[str, Any]:
    file_id = (params.str("file_id") or "").strip()
    stored = state.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return stored.as_file()


METHODS = {
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendVideo": send_video,
    "sendMediaGroup": send_media_group,
    "editMessageCaption": edit_message_caption,
    "editMessageMedia": edit_message_media,
    "getFile": get_file,
}
