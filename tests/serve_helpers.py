"""Helpers for the live-page tests: a generated clip, `edgetrack track` in a subprocess, the box stream."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np

CLIP_BOX = (40, 40, 24, 24)  # the square's box on frame 0


def write_clip(path: Path, frames: int = 600, size: tuple[int, int] = (160, 120), fps: float = 30.0) -> Path:
    """An mp4v clip: a bright textured square drifting right over a dark noisy background."""
    width, height = size
    rng = np.random.default_rng(0)
    background = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
    square = rng.integers(150, 255, (CLIP_BOX[3], CLIP_BOX[2], 3), dtype=np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for k in range(frames):
        bgr = background.copy()
        x = CLIP_BOX[0] + int(30 * np.sin(k / 40))
        bgr[CLIP_BOX[1] : CLIP_BOX[1] + CLIP_BOX[3], x : x + CLIP_BOX[2]] = square
        writer.write(bgr)
    writer.release()
    return path


def start_track(args: list, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start `edgetrack track ARGS --serve ...` and wait for the live page's URL on stderr."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    command = [sys.executable, "-m", "edgetrack", "track", *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(r"live page: (http://\S+)", line)
        if found:
            return process, found.group(1)
    process.kill()
    raise AssertionError(f"no live page URL; stderr: {line}{process.stderr.read()}")


def request(url: str, method: str = "GET", path: str = "", body=None, headers=None, timeout=10.0):
    """(status, parsed JSON or raw bytes) of one request to the server at `url` (its query is kept)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    query = f"?{parts.query}" if parts.query else ""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    all_headers = {"Content-Type": "application/json"} if method == "POST" else {}
    connection.request(method, "/" + path + query, body=data, headers={**all_headers, **(headers or {})})
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw


def box_records(url: str, until, timeout: float = 30.0) -> list[dict]:
    """Read the SSE box stream until `until(records)` is true (or the stream ends); the records read."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    connection.request("GET", "/boxes" + (f"?{parts.query}" if parts.query else ""))
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    records: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not until(records):
            line = response.fp.readline().decode()
            if not line:
                break
            if line.startswith("data: "):
                records.append(json.loads(line[6:]))
    finally:
        connection.close()
    return records
