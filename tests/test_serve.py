"""`edgetrack track --serve`: the access token, bad requests, a port in use, the Host check, and a clean
stop by signal that keeps every output."""

from __future__ import annotations

import signal
import socket
import sys
import threading

import cv2
import numpy as np
import pytest
from serve_helpers import CLIP_BOX, box_records, request, start_track, write_clip

pytest.importorskip("aiohttp", reason="--serve needs the optional extra 'serve' (aiohttp)")

from edgetrack.cli import main  # noqa: E402
from edgetrack.errors import EdgetrackError  # noqa: E402
from edgetrack.runtime.control import RunControl  # noqa: E402
from edgetrack.serve import LiveServer, ServeAddress, parse_serve_address  # noqa: E402

INIT = ",".join(map(str, CLIP_BOX))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4")


def video_frames(path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def test_serve_address():
    assert parse_serve_address("8080") == ServeAddress("127.0.0.1", 8080)
    assert parse_serve_address("0.0.0.0:80") == ServeAddress("0.0.0.0", 80)
    assert parse_serve_address("[::1]:9000") == ServeAddress("::1", 9000)
    assert not ServeAddress("127.0.0.1", 1).needs_token and not ServeAddress("localhost", 1).needs_token
    assert ServeAddress("0.0.0.0", 1).needs_token and ServeAddress("127.0.0.2", 1).needs_token
    assert ServeAddress("::1", 80).url() == "http://[::1]:80/"
    for bad in ("", "host:", "::1:80", "http", "1.2.3.4:70000", "a:b"):
        with pytest.raises(EdgetrackError, match=r"\[HOST:\]PORT"):
            parse_serve_address(bad)


def test_bad_requests_and_tokens_get_clear_errors_and_tracking_goes_on(tmp_path, clip):
    txt, video = tmp_path / "boxes.txt", tmp_path / "out.mp4"
    args = [clip, "--init", INIT, "--serve", "127.0.0.2:0", "--save-txt", txt, "--save-video", video]
    process, url = start_track(args)
    try:
        assert "?token=" in url  # not 127.0.0.1: a token is required
        bare = url.split("?")[0]
        status, reply = request(bare, path="state")
        assert status == 401 and "missing access token" in reply["error"]
        status, reply = request(bare + "?token=wrong", path="state")
        assert status == 403 and reply["error"] == "wrong access token"
        status, reply = request(bare, path="state", headers={"Authorization": "Bearer wrong"})
        assert status == 403
        first = box_records(url, lambda records: len(records) >= 1)[0]["frame"]
        status, reply = request(url, path="state")
        assert status == 200 and reply["state"] == "tracking" and reply["frame"] >= first

        answer = raw_exchange(url, b"GARBAGE \x00\x01 nonsense\r\n\r\n")
        assert answer.split(b" ")[1] == b"400" and b"Invalid method" in answer
        long_header = b"GET /state HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
        assert raw_exchange(url, long_header).split(b" ")[1] in (b"400", b"431")
        status, reply = request(url, "POST", "box", body=b"{" + b"1" * 100_000)
        assert status == 413 and "over 4096 bytes" in reply["error"]
        status, reply = request(url, "POST", "box", body=b"{not json")
        assert status == 400 and "not JSON" in reply["error"]
        status, reply = request(url, "POST", "box", body={"box": [1, 2, "x", 4]})
        assert status == 400 and "four numbers" in reply["error"]
        status, reply = request(url, "POST", "box", body={"box": [500, 500, 10, 10]})
        assert status == 400 and "outside the 160x120 frame" in reply["error"]
        status, reply = request(url, "POST", "stop", body=b"{}", headers={"Content-Type": "text/plain"})
        assert status == 415 and "JSON" in reply["error"]
        status, reply = request(url, path="nowhere")
        assert status == 404 and "error" in reply
        disconnect_mid_stream(url, "video.mjpg")
        disconnect_mid_stream(url, "boxes")

        later = box_records(url, lambda records: len(records) >= 5)
        assert process.poll() is None and later[-1]["frame"] > first  # still tracking
        status, _ = request(url, "POST", "stop", body={})
        assert status == 200
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    err = process.stderr.read()
    assert "stopped: stop button" in err and "Traceback" not in err
    lines = txt.read_text().splitlines()
    assert len(lines) == video_frames(video) > later[-1]["frame"] - 5


def raw_exchange(url: str, data: bytes) -> bytes:
    """Send raw bytes to the server and return what it answers before closing."""
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        return conn.recv(4096)


def disconnect_mid_stream(url: str, path: str) -> None:
    """Open a stream, read a little of it and drop the connection."""
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    query = url.split("?", 1)[1]
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET /{path}?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert conn.recv(1024).startswith(b"HTTP/1.1 200")


def test_port_in_use_is_one_error_line_at_start(tmp_path, clip, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        sys.argv = [
            "edgetrack",
            "track",
            str(clip),
            "--serve",
            str(port),
            "--save-txt",
            str(tmp_path / "o.txt"),
        ]
        with pytest.raises(SystemExit) as exit_info:
            main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    lines = [line for line in err.splitlines() if not line.startswith("note: no --model given")]
    assert lines == [
        f"error: cannot serve on 127.0.0.1:{port}: the port is in use (another program listens there)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_loopback_server_needs_no_token_but_a_loopback_host_header():
    with LiveServer(ServeAddress("127.0.0.1", 0), RunControl()) as server:
        assert server.token is None and server.url == f"http://127.0.0.1:{server.port}/"
        assert request(server.url, path="state") == (200, {"state": "starting"})
        status, reply = request(server.url, path="state", headers={"Host": "attacker.example:80"})
        assert status == 403 and "not the loopback" in reply["error"]
        status, reply = request(server.url, "POST", "box", body={"box": [1, 1, 5, 5]})
        assert status == 409 and "no frame yet" in reply["error"]
        status, page = request(server.url)
        assert status == 200 and b"EventSource" in page and b"http" not in page.split(b"<script>")[1]


def test_box_stream_clients_are_bounded_and_slow_ones_lose_old_records():
    from edgetrack.serve import feed

    control = RunControl()
    with LiveServer(ServeAddress("127.0.0.1", 0), control) as server:
        frame = np.zeros((24, 32, 3), np.uint8)
        record = {"frame": 0, "state": "tracking", "box": [1, 1, 5, 5], "score": 0.5, "size": [32, 24]}
        server.publish(frame, record)
        done = threading.Event()

        def publish_many():
            for k in range(1, 2 * feed.BOX_BACKLOG):
                server.publish(frame, {**record, "frame": k})
            done.set()

        threading.Thread(target=publish_many).start()
        done.wait(10)
        records = box_records(
            server.url, lambda records: records and records[-1]["frame"] == 2 * feed.BOX_BACKLOG - 1
        )
        assert records[-1]["frame"] == 2 * feed.BOX_BACKLOG - 1
        status, reply = request(server.url, "POST", "box", body={"box": [1, 1, 5, 5]})
        assert status == 200 and control.take_box() == (1, 1, 5, 5)
        request(server.url, "POST", "pause", body={})
        assert control.paused
        request(server.url, "POST", "resume", body={})
        assert not control.paused


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_stream_keeps_one_line_per_tracked_frame_and_a_playable_video(
    tmp_path, clip, signum, code
):
    import subprocess

    txt, video = tmp_path / "boxes.txt", tmp_path / "out.mp4"
    command = [
        sys.executable, "-m", "edgetrack", "track", str(clip), "--init", INIT, "--realtime",
        "--save-txt", str(txt), "--save-video", str(video), "--save-jsonl", "-",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        streamed = [process.stdout.readline() for _ in range(20)]  # 20 frames tracked, ~0.7 s at 30 FPS
        process.send_signal(signum)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == code, err
    assert f"stopped: {signal.Signals(signum).name}" in err and "Traceback" not in err
    records = [*streamed, *out.splitlines()]
    lines = txt.read_text().splitlines()
    assert 20 <= len(lines) < 600  # stopped mid-clip
    assert len(lines) == len(records) == video_frames(video)
    assert [float(v) for v in lines[0].split(",")] == [*CLIP_BOX, 1.0]


def test_the_picture_shows_the_box_and_the_status():
    from edgetrack.serve.view import render_jpeg, status_text

    frame = np.zeros((120, 160, 3), np.uint8)
    waiting = {"frame": 3, "state": "paused", "box": None, "score": None, "fps": None, "ms": {}}
    assert status_text(waiting) == "frame 3  drag a box to start tracking  PAUSED"
    ms = {"decode": 1.0, "preprocess": 0.5, "inference": 2.25, "postprocess": 0.1, "end-to-end": 2.85}
    tracking = {
        "frame": 4,
        "state": "tracking",
        "box": [40, 30, 20, 10],
        "score": 0.81,
        "fps": 350.9,
        "ms": ms,
    }
    assert status_text(tracking) == "frame 4  score 0.81  351 FPS  pre 0.5ms  infer 2.2ms  post 0.1ms"
    picture = cv2.imdecode(np.frombuffer(render_jpeg(frame, tracking), np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (120, 160, 3)
    assert picture[30, 50, 1] > 150 and picture[30, 50, 2] < 100  # the green box's top edge
    assert picture[100:, :, :].max() > 150  # the status line along the bottom


def test_streams_beyond_the_limit_get_503_and_closing_ends_every_stream():
    import http.client

    from edgetrack.serve.feed import MAX_CLIENTS

    with LiveServer(ServeAddress("127.0.0.1", 0), RunControl()) as server:
        server.publish(np.zeros((24, 32, 3), np.uint8), {"frame": 0, "state": "waiting", "box": None})
        streams = []
        for k in range(MAX_CLIENTS):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/video.mjpg" if k % 2 else "/boxes")
            streams.append(connection.getresponse())
        assert all(response.status == 200 for response in streams)
        status, reply = request(server.url, path="boxes")
        assert status == 503 and "too many streams" in reply["error"]
        assert request(server.url, path="state")[0] == 200  # plain requests are still answered
        assert streams[1].read(17) == b"--edgetrack-frame"  # a viewer gets the picture
    box_stream = streams[0].read().decode()  # the server closed: every stream ended
    assert box_stream.startswith("data: ") and box_stream.endswith(
        'event: end\ndata: {"state": "stopped"}\n\n'
    )
    assert streams[1].read().startswith(b"\r\nContent-Type: image/jpeg")


def test_stopped_before_any_box_writes_nothing_and_says_so(tmp_path, clip):
    out = tmp_path / "out"
    out.mkdir()
    args = [clip, "--serve", "127.0.0.1:0", "--save-txt", out / "b.txt", "--save-video", out / "v.mp4"]
    process, url = start_track(args)  # no --init: the tracker waits for the operator's box
    try:
        waiting = box_records(url, lambda records: len(records) >= 3)
        assert {r["state"] for r in waiting} == {"waiting"} and waiting[-1]["box"] is None
        assert request(url, "POST", "stop", body={})[0] == 200
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    err = process.stderr.read()
    assert "tracked 0 frames" in err and "warning: nothing was tracked (no box was given)" in err
    assert list(out.iterdir()) == []
