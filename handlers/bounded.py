"""Small in-memory maps that cannot grow without limit: what handlers remember between updates lives as long as
the process, so each map drops what is old or beyond a per-chat count."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """Entries live at most `ttl_s` seconds, and each group (`group_of(key)`, e.g. the chat) keeps at most
    `per_group` of them: adding one more drops that group's oldest."""

    def __init__(
        self,
        group_of: Callable[[K], Hashable],
        *,
        ttl_s: float,
        per_group: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._group_of, self._ttl_s, self._per_group, self._clock = group_of, ttl_s, per_group, clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()  # oldest first
        self._groups: dict[Hashable, list[K]] = {}

    def __setitem__(self, key: K, value: V) -> None:
        self._drop_expired()
        self._remove(key)
        self._items[key] = (self._clock(), value)
        keys = self._groups.setdefault(self._group_of(key), [])
        keys.append(key)
        while len(keys) > self._per_group:
            self._remove(keys[0])

    def get(self, key: K) -> V | None:
        self._drop_expired()
        entry = self._items.get(key)
        return entry[1] if entry is not None else None

    def pop(self, key: K, default: V | None = None) -> V | None:
        value = self.get(key)
        self._remove(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        self._drop_expired()
        return key in self._items

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._items)

    def _drop_expired(self) -> None:
        deadline = self._clock() - self._ttl_s
        while self._items:
            key, (created, _) = next(iter(self._items.items()))
            if created > deadline:
                break
            self._remove(key)

    def _remove(self, key: K) -> None:
        if self._items.pop(key, None) is None:
            return
        group = self._group_of(key)
        keys = self._groups[group]
        keys.remove(key)
        if not keys:
            del self._groups[group]


class RecentViews(OrderedDict[int, list[int]]):
    """A chat's pages on screen (navigation message id → the photo messages above it): only the last `limit` are
    remembered; an older page's photos simply stay in the chat when it is turned."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: int, value: list[int]) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)
