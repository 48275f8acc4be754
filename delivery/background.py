"""What the service's background loops share (the outbox worker, the media fetcher): waking one from any thread,
waiting for a wake-up or a timeout, and letting the work under way finish at stop."""

from __future__ import annotations

import asyncio
import contextlib


def wake_up(loop: asyncio.AbstractEventLoop | None, event: asyncio.Event) -> None:
    """Set the loop's event now, from its own thread or any other; nothing when the loop is gone."""
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        event.set()
    else:
        loop.call_soon_threadsafe(event.set)


async def wait_for_wake_up(event: asyncio.Event, seconds: float) -> None:
    """Return when the event is set, or after `seconds`."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def finish(tasks: set[asyncio.Task], timeout: float) -> int:
    """Let the tasks under way finish for up to `timeout` seconds and cancel the rest; return how many were."""
    if not tasks:
        return 0
    _done, late = await asyncio.wait(set(tasks), timeout=timeout)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return len(late)
