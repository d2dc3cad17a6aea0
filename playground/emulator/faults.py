"""Injected failures: 429 flood waits, 500s, hung requests and slow responses."""

from __future__ import annotations

from dataclasses import dataclass

FAULT_KINDS = ("429", "500", "timeout", "slow")
DEFAULT_DELAYS = {"timeout": 30.0, "slow": 2.0}


@dataclass
class Fault:
    method: str  # lower-cased method name, or "*" for every method
    kind: str
    remaining: int
    retry_after: int = 1
    delay: float = 0.0


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.triggered: list[tuple[str, str]] = []

    def add(self, method: str, kind: str, count: int, retry_after: int, delay: float | None) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(
            method.lower(),
            kind,
            count,
            retry_after,
            DEFAULT_DELAYS.get(kind, 0.0) if delay is None else delay,
        )
        self.faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """The next fault for this call, consuming one of its repetitions."""
        for fault in self.faults:
            if fault.method in (method.lower(), "*"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                self.triggered.append((method, fault.kind))
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
