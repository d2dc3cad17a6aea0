"""Telegram's part in opening the Mini App, played locally: a stand-in for telegram.org's `telegram-web-app.js`
that hands the page `initData` signed with the bot's token (as Telegram's clients do), theme colours and the few
calls the page makes. Used by the playground's page and the Mini App's browser test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import web

from miniapp.signin import sign_init_data
from playground.emulator import BotApiEmulator

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


def signed_launch(user: dict[str, Any], bot_token: str, start_param: str | None = None) -> str:
    """The initData Telegram gives `user` opening the app, with a direct link's start_param when given."""
    person = {key: user[key] for key in ("id", "first_name", "last_name", "username", "language_code") if key in user}
    fields = {"user": json.dumps(person, ensure_ascii=False, separators=(",", ":")), "query_id": f"AA{user['id']}"}
    if start_param:
        fields["start_param"] = start_param
    return sign_init_data(fields, bot_token)


def launch_fragment(init_data: str, *, dark: bool = False) -> str:
    """The URL fragment a Telegram client opens a Mini App with (tgWebAppData, theme, version)."""
    theme = json.dumps(DARK_THEME if dark else LIGHT_THEME, separators=(",", ":"))
    return "#" + urlencode({"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppThemeParams": theme})


# Like telegram-web-app.js, the stand-in reads the launch parameters from the URL fragment; it adds a record of the
# calls the page made (standinCalls) for the tests.
STANDIN_SDK = """\
(() => {
  const hash = new URLSearchParams(location.hash.slice(1));
  const initData = hash.get("tgWebAppData") || "";
  const fields = new URLSearchParams(initData);
  const unsafe = {};
  for (const [key, value] of fields) {
    unsafe[key] = key === "user" ? JSON.parse(value) : value;
  }
  let themeParams = {};
  try { themeParams = JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch (error) { themeParams = {}; }
  const background = /^#[0-9a-f]{6}$/i.test(themeParams.bg_color || "") ? themeParams.bg_color : "#ffffff";
  const dark = parseInt(background.slice(1, 3), 16) < 128;
  const calls = [];
  const handlers = {};
  const BackButton = {
    isVisible: false,
    show() { this.isVisible = true; calls.push("BackButton.show"); },
    hide() { this.isVisible = false; calls.push("BackButton.hide"); },
    onClick(fn) { handlers.back = fn; },
  };
  window.Telegram = {
    WebApp: {
      initData, initDataUnsafe: unsafe, themeParams, colorScheme: dark ? "dark" : "light",
      version: hash.get("tgWebAppVersion") || "8.0", platform: "standin", isExpanded: false,
      BackButton, standinCalls: calls,
      ready() { calls.push("ready"); },
      expand() { this.isExpanded = true; calls.push("expand"); },
      onEvent(name, fn) { handlers[name] = fn; },
      offEvent(name) { delete handlers[name]; },
    },
  };
})();
"""


@dataclass(frozen=True)
class MiniAppPlace:
    """Where the playground's bot serves its Mini App, and the name its direct links use."""

    url: str  # e.g. http://127.0.0.1:8081/
    short_name: str = "album"


def add_launcher(web_app: web.Application, emu: BotApiEmulator, place: MiniAppPlace) -> None:
    """Routes on the playground's own server: the stand-in SDK, and opening the Mini App from a button the way a
    Telegram client does (a web_app button's URL, or a direct t.me link with startapp) for the chosen person."""

    async def sdk(_request: web.Request) -> web.Response:
        return web.Response(text=STANDIN_SDK, content_type="text/javascript", headers={"Cache-Control": "no-cache"})

    async def launch(request: web.Request) -> web.Response:
        body = await request.json()
        user = emu.state.users.get(int(body.get("user_id", 0)))
        url = str(body.get("url", ""))
        if user is None:
            raise ValueError("choose who you are first")
        start_param = direct_link_start_param(url, emu.bot_user.get("username", ""), place.short_name)
        if start_param is not None:
            src = f"{place.url}?{urlencode({'tgWebAppStartParam': start_param})}"
        elif url.startswith(place.url):
            src = url
        else:
            raise ValueError("that is not this bot's Mini App")
        init_data = signed_launch(user, emu.token, start_param)
        return web.json_response({"ok": True, "src": src + launch_fragment(init_data, dark=bool(body.get("dark")))})

    web_app.router.add_get("/miniapp-sdk.js", sdk)
    web_app.router.add_post("/api/miniapp", launch)


def direct_link_start_param(url: str, bot_username: str, short_name: str) -> str | None:
    """The startapp value of t.me/<bot>/<short name>?startapp=…, or None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.netloc != "t.me" or parts.path != f"/{bot_username}/{short_name}":
        return None
    values = parse_qs(parts.query).get("startapp")
    return values[0] if values else None
