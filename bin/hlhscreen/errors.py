"""One error type for user mistakes, rendered the same way by every tool.

Format: ``ERROR <file>:<line>: <field>: <what is wrong>. <how to fix it>`` and exit status 2.
Programming errors are not caught here and keep their traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional, Sequence, Union

USER_ERROR_EXIT = 2


def first_few(items: Sequence[str], limit: int = 5) -> str:
    """The first ``limit`` items, comma-separated, then "and N more": examples in a message."""
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


class UserInputError(Exception):
    """A problem with what the user gave us (file content, parameter), not a bug."""

    def __init__(
        self,
        path: Union[str, os.PathLike, None],
        line: Optional[int],
        field: Optional[str],
        problem: str,
        fix: str = "",
    ) -> None:
        self.path = str(path) if path is not None else "-"
        self.line = line
        self.field = field or "-"
        self.problem = problem.rstrip(".")
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"ERROR {where}: {self.field}: {self.problem}."
        if self.fix:
            text += f" {self.fix}"
        return text


def run_cli(main: Callable[[Optional[list]], int], argv: Optional[list] = None) -> None:
    """Run a CLI ``main``; print user errors in the common format and exit 2."""
    try:
        code = main(argv)
    except UserInputError as err:
        print(str(err), file=sys.stderr)
        sys.exit(USER_ERROR_EXIT)
    sys.exit(code or 0)


