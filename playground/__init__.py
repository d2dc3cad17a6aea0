"""Try the bot with no token: the strict Bot API emulator (also used by the tests), a web chat page, a sample booth."""
