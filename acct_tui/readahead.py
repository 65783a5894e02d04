"""Reading the first page while the dashboard's code loads.

Importing Textual and the screens takes a good part of start-up, and the
database sits idle meanwhile. `ReadAhead` starts one service call in a thread
before that import; the screen that then asks for the very same call (same
function, same arguments) takes the result instead of asking again. Anything
else, or a call that failed, goes the usual way through a worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_PENDING = object()


class ReadAhead:
    """One service call, started now in a thread, whose result is taken once."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.fn = fn
        self.args = args
        self._result: Any = _PENDING
        self._taken = False
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self.fn(*self.args)
        except Exception:  # the screen asks again and reports what it gets
            self._result = _PENDING

    def matches(self, fn: Callable[..., Any], *args: Any) -> bool:
        return not self._taken and fn is self.fn and args == self.args

    def take(self, timeout: float | None = None) -> Any | None:
        """The result (once; None after that, on failure, or when it is not ready within `timeout`)."""
        self._thread.join(timeout)
        if self._taken or self._result is _PENDING:
            return None
        self._taken = True
        result, self._result = self._result, _PENDING
        return result
