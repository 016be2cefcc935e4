"""Frame sources and atomic output writers."""

from __future__ import annotations

import json
import logging
import time

import cv2
import numpy as np
import pytest

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.sources import ImageFiles, LiveStream, VideoFile, open_source
from edgetrack.runtime.writers import AnnotatedVideoWriter, BoxTextWriter, JsonLinesWriter


def write_frames(folder, count=4, size=(48, 64)):
    """PNG frames whose top-left pixel's red value is 10 * index (PNG is lossless)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        bgr = np.zeros(size + (3,), np.uint8)
        bgr[0, 0, 2] = 10 * i
        cv2.imwrite(str(folder / f"{i + 1:04d}.png"), bgr)
    return folder


def write_video(path, count=6, size=(48, 64)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, size[::-1])
    for i in range(count):
        writer.write(np.full(size + (3,), 20 * i, np.uint8))
    writer.release()
    return path


def test_image_folder_and_glob_in_order_rgb(tmp_path):
    write_frames(tmp_path / "f", 11)
    frames = list(open_source(str(tmp_path / "f")))
    assert [f.index for f in frames] == list(range(11))
    assert [int(f.rgb[0, 0, 0]) for f in frames] == [10 * i for i in range(11)]  # red is channel 0
    globbed = open_source(str(tmp_path / "f" / "*.png"))
    assert isinstance(globbed, ImageFiles) and len(globbed.paths) == 11
    assert [p.name for p in globbed.paths] == [f"{i + 1:04d}.png" for i in range(11)]


def test_corrupt_frame_is_skipped_with_a_warning(tmp_path, caplog):
    folder = write_frames(tmp_path / "f", 4)
    (folder / "0002.png").write_bytes(b"broken")
    with caplog.at_level(logging.WARNING):
        frames = list(open_source(str(folder)))
    assert [f.index for f in frames] == [0, 2, 3]
    assert "0002.png" in caplog.text


def test_sequence_folder_gives_ground_truth_and_init_box(tmp_path):
    folder = tmp_path / "Seq"
    write_frames(folder / "img", 3)
    (folder / "groundtruth_rect.txt").write_text("1\t2\t10\t12\n2\t3\t10\t12\n3\t4\t10\t12\n")
    source = open_source(str(folder))
    assert source.init_box == (1.0, 2.0, 10.0, 12.0) and source.gt.shape == (3, 4)
    assert len(list(source)) == 3


def test_video_file_frames_and_bad_video(tmp_path):
    source = open_source(str(write_video(tmp_path / "v.mp4")))
    assert isinstance(source, VideoFile) and not source.live
    with source:
        frames = list(source)
    assert [f.index for f in frames] == list(range(6))
    assert frames[3].rgb.shape == (48, 64, 3) and abs(int(frames[3].rgb.mean()) - 60) <= 3
    (tmp_path / "bad.mp4").write_bytes(b"\x00" * 1000)
    with pytest.raises(EdgetrackError, match="cannot open video"):
        open_source(str(tmp_path / "bad.mp4"))


@pytest.mark.parametrize(
    "text, message", [("nothing/here.mp4", "does not exist"), ("none/*.jpg", "no images")]
)
def test_missing_sources_are_clear_errors(text, message):
    with pytest.raises(EdgetrackError, match=message):
        open_source(text)


def test_camera_that_does_not_open_is_a_clear_error():
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    with pytest.raises(EdgetrackError, match="camera 97 does not open"):
        open_source("97")


def test_live_stream_keeps_the_newest_frame_and_gives_up_after_retries(tmp_path, caplog):
    # A video file stands in for a stream: deleted once open, it "drops" at its end and cannot reopen.
    video = write_video(tmp_path / "v.mp4", count=12)
    seen = []
    with caplog.at_level(logging.WARNING), LiveStream(str(video), retries=2, retry_delay=0.01) as stream:
        video.unlink()
        assert stream.live
        with pytest.raises(EdgetrackError, match="2 reconnects failed"):
            for frame in stream:
                seen.append(frame.index)
                time.sleep(0.05)  # a slow consumer: the reader runs ahead
    assert "reconnecting (2/2)" in caplog.text
    assert seen == sorted(seen) and len(seen) < 12  # frames were dropped, never reordered
    assert stream.dropped > 0


def test_text_writer_commits_on_success_and_leaves_nothing_on_failure(tmp_path):
    with BoxTextWriter(tmp_path / "boxes.txt") as out:
        out.write((1, 2, 3, 4), 0.5)
    assert (tmp_path / "boxes.txt").read_text() == "1.00,2.00,3.00,4.00,0.5000\n"
    with pytest.raises(KeyboardInterrupt), BoxTextWriter(tmp_path / "other.txt") as out:
        out.write((1, 2, 3, 4), 0.5)
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boxes.txt"]


def test_box_lines_stream_to_stdout_and_as_json_lines(tmp_path, capsys):
    with BoxTextWriter("-") as out, JsonLinesWriter(tmp_path / "boxes.jsonl") as records:
        for frame in (3, 4):
            out.write((1, 2, 3, 4), 0.5, frame)
            records.write((1, 2.345, 3, 4), 0.5, frame)
        assert capsys.readouterr().out == "1.00,2.00,3.00,4.00,0.5000\n" * 2  # flushed line by line
    lines = (tmp_path / "boxes.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"frame": frame, "box": [1.0, 2.35, 3.0, 4.0], "score": 0.5} for frame in (3, 4)
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boxes.jsonl"]


def test_failed_run_keeps_the_previous_file_intact(tmp_path):
    target = tmp_path / "boxes.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), BoxTextWriter(target) as out:
        out.write((1, 2, 3, 4), 0.5)
        raise RuntimeError("crash")
    assert target.read_text() == "old\n" and len(list(tmp_path.iterdir())) == 1


def test_video_writer_is_atomic(tmp_path):
    frame = np.zeros((48, 64, 3), np.uint8)
    with AnnotatedVideoWriter(tmp_path / "out.mp4", fps=5) as video:
        for _ in range(3):
            video.write(frame, (10, 10, 20, 20), 0.9)
        assert not (tmp_path / "out.mp4").exists()
    capture = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    capture.release()
    with pytest.raises(RuntimeError), AnnotatedVideoWriter(tmp_path / "b.mp4") as video:
        video.write(frame, (10, 10, 20, 20), 0.9)
        raise RuntimeError("crash")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
    with pytest.raises(EdgetrackError, match="does not exist"):
        BoxTextWriter(tmp_path / "no" / "dir.txt")
