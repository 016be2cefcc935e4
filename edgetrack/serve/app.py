"""The web application of `--serve`: one page, two streams, four controls. No route reads a file
from disk; the page is built once from the package's `page.html`.

| route | what |
|---|---|
| `GET /` | the page: live picture, drag a box, pause/resume, stop |
| `GET /video.mjpg` | the annotated picture as MJPEG (multipart/x-mixed-replace) |
| `GET /boxes` | Server-Sent Events: one JSON record per frame, `event: end` when tracking ends |
| `GET /state` | the newest record as JSON |
| `POST /box` | `{"box": [x, y, w, h]}` in frame pixels: (re)start tracking there |
| `POST /pause`, `POST /resume`, `POST /stop` | what they say |

With a token every request carries it (`?token=` or `Authorization: Bearer`). POSTs must be JSON
(`Content-Type: application/json`), which a cross-site form cannot send. Without a token (loopback)
the Host header must name the loopback, so a rebound DNS name cannot reach the server.
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
from importlib import resources

from aiohttp import web

from edgetrack.boxes import check_init_box
from edgetrack.errors import EdgetrackError
from edgetrack.runtime.control import RunControl
from edgetrack.serve.feed import LiveFeed, TooManyClients

MAX_BODY = 4096  # bytes of a request body
KEEPALIVE_S = 15.0  # an SSE comment this often keeps idle proxies and clients connected
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
BOUNDARY = "edgetrack-frame"

FEED = web.AppKey("feed", LiveFeed)
CONTROL = web.AppKey("control", RunControl)
TOKEN = web.AppKey("token", str)


def make_app(feed: LiveFeed, control: RunControl, token: str | None, title: str) -> web.Application:
    """The aiohttp application; `token` None serves loopback clients only, without a token."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors, _guard])
    app[FEED], app[CONTROL], app[TOKEN] = feed, control, token or ""
    page = resources.files("edgetrack.serve").joinpath("page.html").read_text(encoding="utf-8")
    page = page.replace("{{title}}", html.escape(title)).encode()

    async def index(_request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", headers={"Cache-Control": "no-store"})

    app.router.add_get("/", index)
    app.router.add_get("/video.mjpg", _picture_stream)
    app.router.add_get("/boxes", _box_stream)
    app.router.add_get("/state", _state)
    app.router.add_post("/box", _set_box)
    app.router.add_post("/pause", _pause)
    app.router.add_post("/resume", _resume)
    app.router.add_post("/stop", _stop)
    return app


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def _json_errors(request: web.Request, handler) -> web.StreamResponse:
    """aiohttp's own HTTP errors (404, 405, 413...) as one JSON `error` line, like ours."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, f"{exc.reason}: {request.method} {request.path}" if exc.status != 413 else
                      f"request body over {MAX_BODY} bytes")  # fmt: skip


@web.middleware
async def _guard(request: web.Request, handler) -> web.StreamResponse:
    """The access token (or, without one, a loopback Host header) and JSON bodies on POST."""
    token = request.app[TOKEN]
    if token:
        given = request.query.get("token") or request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not given:
            return _error(401, "missing access token: open the URL printed at start (it ends in ?token=...)")
        if not secrets.compare_digest(given.encode(), token.encode()):
            return _error(403, "wrong access token")
    elif _host_name(request.host) not in LOOPBACK_HOSTS:
        return _error(403, f"Host {request.host!r} is not the loopback: serve on 0.0.0.0 for other machines")
    if request.method == "POST" and request.content_type != "application/json":
        return _error(415, "POST bodies are JSON: send Content-Type: application/json")
    return await handler(request)


async def _picture_stream(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]
    content_type = f"multipart/x-mixed-replace; boundary={BOUNDARY}"

    async def pump(response: web.StreamResponse, fresh: asyncio.Event) -> None:
        sent = 0
        while not feed.closed:
            await fresh.wait()
            fresh.clear()
            seq, jpeg = feed.jpeg()
            if seq != sent and jpeg:
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                await response.write(head.encode() + jpeg + b"\r\n")
                sent = seq

    return await _stream(request, content_type, feed.picture_stream, pump)


async def _box_stream(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]

    async def pump(response: web.StreamResponse, subscription) -> None:
        queue, fresh = subscription
        if feed.record is not None and not queue:
            await response.write(b"data: " + json.dumps(feed.record).encode() + b"\n\n")
        while not feed.closed:
            try:
                await asyncio.wait_for(fresh.wait(), KEEPALIVE_S)
            except asyncio.TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            fresh.clear()
            records = feed.take(queue)
            if records:
                await response.write(b"".join(b"data: " + data + b"\n\n" for data in records))
        await response.write(b"event: end\ndata: " + json.dumps({"state": "stopped"}).encode() + b"\n\n")

    return await _stream(request, "text/event-stream", feed.box_stream, pump)


async def _stream(request: web.Request, content_type: str, subscribe, pump) -> web.StreamResponse:
    """One client's endless response: subscribe to the feed (503 when too many are open), then `pump`
    until the feed closes. A client that goes away mid-stream only ends its own response."""
    response = web.StreamResponse(
        headers={"Content-Type": content_type, "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    try:
        with subscribe() as subscription:
            await response.prepare(request)
            await pump(response, subscription)
    except TooManyClients:
        return _error(503, "too many streams open at once")
    except ConnectionError:
        pass
    return response


async def _state(request: web.Request) -> web.Response:
    record = request.app[FEED].record
    return web.json_response(record if record is not None else {"state": "starting"})


async def _set_box(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, 'the body is not JSON; send {"box": [x, y, w, h]}')
    box = body.get("box") if isinstance(body, dict) else None
    if not isinstance(box, list) or len(box) != 4 or not all(_is_number(v) for v in box):
        return _error(400, 'send {"box": [x, y, w, h]}: four numbers in frame pixels')
    shape = request.app[FEED].frame_shape
    if shape is None:
        return _error(409, "no frame yet: wait for the picture")
    try:
        checked = check_init_box(box, shape)
    except EdgetrackError as exc:
        return _error(400, str(exc))
    request.app[CONTROL].request_box(checked)
    return web.json_response({"ok": True, "box": list(checked)})


async def _pause(request: web.Request) -> web.Response:
    request.app[CONTROL].set_paused(True)
    return web.json_response({"ok": True, "paused": True})


async def _resume(request: web.Request) -> web.Response:
    request.app[CONTROL].set_paused(False)
    return web.json_response({"ok": True, "paused": False})


async def _stop(request: web.Request) -> web.Response:
    request.app[CONTROL].stop("stop button")
    return web.json_response({"ok": True, "stopping": True})


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _host_name(host: str) -> str:
    """The Host header without its port: `127.0.0.1:8080` -> `127.0.0.1`, `[::1]:80` -> `[::1]`."""
    name, _, port = host.rpartition(":")
    return name if port.isdigit() and name and not name.endswith(":") else host
