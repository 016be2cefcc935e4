"""Runs the web application on its own thread and event loop beside the tracking loop."""

from __future__ import annotations

import asyncio
import errno
import secrets
import threading

from aiohttp import web

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.control import RunControl
from edgetrack.serve.address import ServeAddress
from edgetrack.serve.app import make_app
from edgetrack.serve.feed import LiveFeed

MAX_LINE = 8190  # bytes of the request line and of one header (aiohttp's parser refuses longer ones)
MAX_HEADERS = 64
SHUTDOWN_S = 2.0


class LiveServer:
    """`with LiveServer(address, control) as server:` listens (an address in use is an EdgetrackError
    at once), `server.publish(frame, record)` feeds the viewers, leaving the block closes every stream."""

    def __init__(self, address: ServeAddress, control: RunControl, title: str = "edgetrack") -> None:
        self.address = address
        self.token = secrets.token_urlsafe(16) if address.needs_token else None
        self.port = address.port
        self._control, self._title = control, title
        self._loop = asyncio.new_event_loop()
        self._feed: LiveFeed | None = None
        self._runner: web.AppRunner | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="edgetrack-serve", daemon=True)

    @property
    def url(self) -> str:
        """The page's URL, with the token when there is one."""
        return self.address.url(self.port) + (f"?token={self.token}" if self.token else "")

    def publish(self, frame_rgb, record: dict) -> None:
        """Show this frame and record to the viewers (returns at once)."""
        self._feed.publish(frame_rgb, record)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            self._thread.join()
            raise _bind_error(self.address, self._error) from self._error
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the streams (each box stream gets its `end` event), stop listening, join the thread."""
        if not self._thread.is_alive():
            return
        self._feed.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=SHUTDOWN_S + 3.0)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except OSError as exc:
            self._error = exc
            self._loop.close()
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _start(self) -> None:
        self._feed = LiveFeed(self._loop)
        app = make_app(self._feed, self._control, self.token, self._title)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_S,
            max_line_size=MAX_LINE, max_field_size=MAX_LINE, max_headers=MAX_HEADERS,
        )  # fmt: skip
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address.host, self.address.port, reuse_address=False)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.port = self._runner.addresses[0][1]  # the chosen one when port 0 was asked


def _bind_error(address: ServeAddress, exc: BaseException) -> EdgetrackError:
    where = f"{address.host}:{address.port}"
    if getattr(exc, "errno", None) == errno.EADDRINUSE:
        return EdgetrackError(f"cannot serve on {where}: the port is in use (another program listens there)")
    if getattr(exc, "errno", None) == errno.EACCES:
        return EdgetrackError(f"cannot serve on {where}: permission denied (ports under 1024 need root)")
    return EdgetrackError(f"cannot serve on {where}: {getattr(exc, 'strerror', None) or exc}")
