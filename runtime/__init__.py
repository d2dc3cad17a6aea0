"""The lowest layer: asyncio and process helpers with no imports of the project's own, for every layer above."""
