"""The one exception readers raise for bad input; ``read_inputs`` turns it into a Failure."""

from __future__ import annotations


class InputError(Exception):
    """An input (or one record of it) that cannot be read.

    ``reason`` is a single human line, shown to users as is; ``record`` is the
    1-based line/record number inside a container file, when there is one.
    """

    def __init__(self, reason: str, record: int | None = None) -> None:
        super().__init__(reason)
        self.reason = one_line(reason, "unreadable input")
        self.record = record


def one_line(text: str, fallback: str) -> str:
    """``text`` on one line with its whitespace collapsed; ``fallback`` when nothing is left."""
    return " ".join(text.split()) or fallback


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` (library messages often start with a blank line), or ""."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def unexpected(error: BaseException, where: str = "while reading") -> str:
    """The one-line reason for an error no reader foresaw: its type and the first line of its message."""
    message = first_line(str(error))
    return one_line(f"unexpected {type(error).__name__} {where}{': ' + message if message else ''}", "unexpected error")
