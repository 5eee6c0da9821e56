"""The one exception readers raise for bad input; ``read_inputs`` turns it into a Failure."""

from __future__ import annotations


class InputError(Exception):
    """An input (or one record of it) that cannot be read.

    ``reason`` is a single human line, shown to users as is; ``record`` is the
    1-based line/record number inside a container file, when there is one.
    """

    def __init__(self, reason: str, record: int | None = None) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())  # one line, always
        self.record = record
