"""Request parameters as Telegram reads them: query string, urlencoded form, multipart or JSON body.

Form values are strings; nested objects arrive JSON-encoded. JSON bodies carry real JSON values.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from typing import Any

from playground.emulator.errors import ApiError, bad_request

_TRUE_WORDS = {"true", "1", "yes", "on"}


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to the parameters of one API call."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, UploadedFile] | None = None) -> None:
        self._values = {key: value for key, value in values.items() if value is not None}
        self.uploads: dict[str, UploadedFile] = dict(uploads or {})

    def has(self, name: str) -> bool:
        return name in self._values or name in self.uploads

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def int(self, name: builtins.str, error: builtins.str | None = None) -> builtins.int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(error or f"invalid {name} specified") from None

    def float(self, name: builtins.str) -> builtins.float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE_WORDS

    def json(self, name: builtins.str, error: builtins.str) -> Any:
        """A nested object: decoded when it arrived as a JSON string, as-is from a JSON body."""
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value

    def upload(self, name: builtins.str) -> UploadedFile | None:
        return self.uploads.get(name)

    def to_log(self) -> dict[builtins.str, Any]:
        """JSON-able copy for ``emu.calls``; uploads are summarised, not copied."""
        logged: dict[str, Any] = dict(self._values)
        for name, upload in self.uploads.items():
            logged[name] = {
                "upload": upload.filename,
                "size": len(upload.data),
                "mime_type": upload.content_type,
            }
        return logged


def require(value: Any, error: ApiError) -> Any:
    if value is None or value == "":
        raise error
    return value
