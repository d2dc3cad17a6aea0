"""A strict local Telegram Bot API emulator for end-to-end tests and the browser playground."""

from playground.emulator.driver import BotApiEmulator
from playground.emulator.errors import ApiError
from playground.emulator.state import MessageRecord

__all__ = ["ApiError", "BotApiEmulator", "MessageRecord"]
