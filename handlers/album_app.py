"""The "🖼 Open album" button: the album as a Telegram Mini App (miniapp/).

Private chats get an inline `web_app` button (an inline one, not a reply-keyboard one: Telegram gives a Mini App
opened from a reply keyboard no signed user, so it could not sign in). Groups cannot have `web_app` buttons, so they
get the Mini App's direct link t.me/<bot>/<short name>?startapp=<album token>. The album token is signed, so the
link names this chat and no other. Without MINIAPP_URL (or, in groups, MINIAPP_SHORT_NAME) there is no button.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from telegram import Chat, InlineKeyboardButton, WebAppInfo
from telegram.constants import ChatType

from handlers.context import ChatContext
from handlers.i18n import t


def _with_album(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode({"album": token})) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def open_album_button(context: ChatContext, chat: Chat, language: str) -> InlineKeyboardButton | None:
    album_token = context.bot_data.album_token
    settings = context.settings
    if album_token is None or not settings.miniapp_url:
        return None
    token = album_token(chat.id)
    text = t(language, "album.open_app")
    if chat.type == ChatType.PRIVATE:
        return InlineKeyboardButton(text, web_app=WebAppInfo(_with_album(settings.miniapp_url, token)))
    username = context.bot.username
    if not settings.miniapp_short_name or not username:
        return None
    return InlineKeyboardButton(text, url=f"https://t.me/{username}/{settings.miniapp_short_name}?startapp={token}")
