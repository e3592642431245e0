"""Errors for input that cannot be read at all.

Problems found *in* a readable label are :class:`ingest.records.Issue` values,
not exceptions (the pySHACL habit: results are values, exceptions are for
broken input only).
"""
from __future__ import annotations


class IngestError(Exception):
    """Input that cannot be turned into a label record. Carries file and line."""

    exit_code = 2  # bad input

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}"


class UnreadableInput(IngestError):
    """Empty, binary, undecodable, malformed or unsafe input."""


class NotAnSmPC(IngestError):
    """Readable, but not a Summary of Product Characteristics."""


class MissingSection(IngestError):
    """A section the SmPC scheme marks as required is absent."""
