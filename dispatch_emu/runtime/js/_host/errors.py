"""The error a host op raises for the guest to see: a DOMException (or TypeError) name and a message."""

from __future__ import annotations


class HostError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


__all__ = ["HostError"]
