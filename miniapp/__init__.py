"""The album as a Telegram Mini App: sign-in, the API and the page (see ARCHITECTURE.md)."""
