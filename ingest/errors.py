"""Errors for input that cannot be read at all.

Problems found *in* a readable label are :class:`ingest.records.Issue` values,
not exceptions (the pySHACL habit: results are values, exceptions are for
broken input only).
"""
from __future__ import annotations


class KbError(Exception):
    """Base of every error this project raises on purpose, in every layer: a one-line message for
    the person who asked (``message``), the HTTP status that answers it on the web (``status``:
    4xx for the asker's fault, 5xx for the machine's) and the CLI's exit code (2 for bad input,
    1 otherwise). ``details()`` gives the fields an answer adds beside the message (the input
    field, the line and column of a query). Callers catch this class, not a duck-typed attribute."""

    status: int = 400
    message: str | None = None
    retry_after: int | None = None  # seconds, for a 503 the asker may retry

    @property
    def exit_code(self) -> int:
        return 2 if self.status < 500 else 1

    def user_message(self) -> str:
        return self.message or (str(self.args[0]) if self.args else type(self).__name__)

    def details(self) -> dict:
        out = {}
        for attr in ("field", "line", "column"):
            if getattr(self, attr, None) is not None:
                out[attr] = getattr(self, attr)
        return out


class IngestError(KbError):
    """Input that cannot be turned into a label record (status 400, exit code 2). Carries file and line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def user_message(self) -> str:
        return str(self)  # with the file and line

    def details(self) -> dict:
        return {}

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
