"""A context variable set for the length of a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def scoped(variable: ContextVar[T], value: T) -> Iterator[None]:
    """`variable` is `value` inside the block (and in the tasks it starts, which copy the context), as before after."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)
