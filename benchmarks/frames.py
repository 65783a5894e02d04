"""Key-to-frame timing inside a running dashboard.

A key is posted the way a terminal driver posts it, and the clock stops when
the frame it causes has been composed and turned into terminal output (the
headless driver skips that last step, so it is done here, where a terminal
write would happen). No `pilot.pause()`: it waits in slices and would read
every figure as its slice length.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual._compositor import CompositorUpdate


@dataclass
class Figures:
    """Samples in milliseconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class FrameClock:
    """Counts frames of one app and times keys against them."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frame_at = 0.0
        self.frames = 0
        self._changed = asyncio.Event()
        self._watch: Callable[[], bool] | None = None
        self.ready_at = 0.0
        self._seen: Callable[[], bool] | None = None
        self.seen_at = 0.0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what writing to a terminal costs
            original(screen, renderable)
            if renderable is not None:
                self.frames += 1
                self.frame_at = time.perf_counter()
                if self._seen is not None and not self.seen_at and self._seen():
                    self.seen_at = self.frame_at
                if self._watch is not None and not self.ready_at and self._watch():
                    # This frame was composed with the state the predicate waits for.
                    self.ready_at = self.frame_at
                self._changed.set()

        app._display = display

    def post_key(self, key: str) -> float:
        character = key if len(key) == 1 else {"space": " "}.get(key)
        started = time.perf_counter()
        self.app.post_message(events.Key(key, character))
        return started

    async def next_frame(self, after: float, timeout: float = 10.0) -> float:
        """Seconds from `after` to the end of the first frame composed after it."""
        deadline = time.perf_counter() + timeout
        while self.frame_at <= after:
            self._changed.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("no frame")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError as exc:
                raise TimeoutError("no frame") from exc
        return self.frame_at - after

    async def until(self, after: float, ready: Callable[[], bool], timeout: float = 30.0) -> float:
        """Seconds from `after` to the end of the first frame composed while `ready()` holds."""
        self._watch = ready
        self.ready_at = 0.0
        deadline = time.perf_counter() + timeout
        try:
            while not self.ready_at:
                self._changed.clear()
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError("condition not met")
                try:
                    await asyncio.wait_for(self._changed.wait(), min(0.05, remaining))
                except TimeoutError:
                    continue
            return self.ready_at - after
        finally:
            self._watch = None

    async def until_seen(
        self, after: float, seen: Callable[[], bool], ready: Callable[[], bool]
    ) -> tuple[float, float]:
        """Seconds from `after` to the first frame where `seen()` holds, and to the first where `ready()` does."""
        self._seen, self.seen_at = seen, 0.0
        try:
            ready_in = await self.until(after, ready)
            return (self.seen_at or self.ready_at) - after, ready_in
        finally:
            self._seen = None

    async def key(self, key: str) -> float:
        """Milliseconds from a key to the end of the frame it causes."""
        started = self.post_key(key)
        return 1000 * await self.next_frame(started)


async def quiet(app: Any, pilot: Any) -> None:
    """Let workers finish and the screen settle before the next measurement."""
    from textual.worker import WorkerError

    for _ in range(3):
        # A worker created but not yet started raises: look again after the pause.
        with contextlib.suppress(WorkerError):
            await app.workers.wait_for_complete()
        await pilot.pause()
