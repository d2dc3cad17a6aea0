"""Telegram's part in opening the Mini App, played locally: a stand-in for telegram.org's `telegram-web-app.js`
that hands the page `initData` signed with the bot's token (as Telegram's clients do), theme colours and the few
calls the page makes. Used by the playground's page and the Mini App's browser test."""

from __future__ import annotations

import json
from typing import Any

from miniapp.signin import sign_init_data

SDK_URL = "https://telegram.org/js/telegram-web-app.js"
LIGHT_THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
}
DARK_THEME = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}


def signed_launch(user: dict[str, Any], bot_token: str, start_param: str | None = None) -> tuple[str, dict[str, Any]]:
    """(initData, initDataUnsafe) for `user` opening the app, with a direct link's start_param when given."""
    person = {key: user[key] for key in ("id", "first_name", "last_name", "username", "language_code") if key in user}
    fields = {"user": json.dumps(person, ensure_ascii=False, separators=(",", ":")), "query_id": f"AA{user['id']}"}
    if start_param:
        fields["start_param"] = start_param
    raw = sign_init_data(fields, bot_token)
    unsafe: dict[str, Any] = {"user": person, "query_id": fields["query_id"]}
    if start_param:
        unsafe["start_param"] = start_param
    return raw, unsafe


def standin_sdk(init_data: str, unsafe: dict[str, Any], *, dark: bool = False) -> str:
    """The JavaScript served in place of telegram-web-app.js."""
    launch = {
        "initData": init_data,
        "initDataUnsafe": unsafe,
        "themeParams": DARK_THEME if dark else LIGHT_THEME,
        "colorScheme": "dark" if dark else "light",
    }
    return (
        "(() => {\n"
        f"  const launch = {json.dumps(launch, ensure_ascii=False)};\n"
        "  const calls = [];\n"
        "  const handlers = {};\n"
        "  const backButton = { isVisible: false, show() { this.isVisible = true; calls.push('BackButton.show'); },\n"
        "    hide() { this.isVisible = false; calls.push('BackButton.hide'); },\n"
        "    onClick(fn) { handlers.back = fn; } };\n"
        "  window.Telegram = { WebApp: { ...launch, version: '8.0', platform: 'standin', isExpanded: false,\n"
        "    BackButton: backButton, standinCalls: calls,\n"
        "    ready() { calls.push('ready'); },\n"
        "    expand() { this.isExpanded = true; calls.push('expand'); },\n"
        "    onEvent(name, fn) { handlers[name] = fn; },\n"
        "    offEvent(name) { delete handlers[name]; } } };\n"
        "})();\n"
    )
