"""arm-check's Python parts: the per-frame IoU comparison and the emulated CPU's /proc/cpuinfo."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from edgetrack.cpuinfo import describe_cpu
from edgetrack.errors import EdgetrackError

_ARM_DIR = Path(__file__).resolve().parents[1] / "deploy" / "arm"


def _load_script(name: str):
    """Import deploy/arm/<name>.py (scripts, not a package) the importlib way."""
    spec = importlib.util.spec_from_file_location(name, _ARM_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


compare_tracks_module = _load_script("compare_tracks")
compare_tracks = compare_tracks_module.compare_tracks
guest_cpuinfo = _load_script("guest_cpuinfo")


def _track(n: int = 10) -> np.ndarray:
    return np.array([[10.0 + i, 20.0, 40.0, 30.0] for i in range(n)])


def test_identical_and_tiny_drift_pass():
    ref = _track()
    assert compare_tracks(ref, ref.copy(), 0.99).passed
    drift = ref + np.array([0.05, -0.05, 0.02, 0.0])
    parity = compare_tracks(ref, drift, 0.99)
    assert parity.passed
    assert parity.ious.min() > 0.99


def test_one_drifted_frame_fails_and_is_named():
    ref = _track()
    cand = ref.copy()
    cand[7, 0] += 4.0  # 4 px of 40 px width: IoU about 0.82
    parity = compare_tracks(ref, cand, 0.99)
    assert not parity.passed
    assert parity.failing_frames == [7]
    assert parity.worst_frame == 7
    assert "frame 7" in parity.summary()
    assert "1 below 0.99" in parity.summary()


def test_frame_count_mismatch_is_an_error():
    with pytest.raises(EdgetrackError, match="10 frames, candidate 9"):
        compare_tracks(_track(10), _track(9), 0.99)


def test_main_exit_codes(tmp_path, capsys):
    ref, good, bad = tmp_path / "ref.txt", tmp_path / "good.txt", tmp_path / "bad.txt"
    rows = _track(5)
    ref.write_text("".join(f"{x},{y},{w},{h},0.9\n" for x, y, w, h in rows))
    good.write_text("".join(f"{x + 0.01},{y},{w},{h},0.8\n" for x, y, w, h in rows))
    bad.write_text("".join(f"{x + 20},{y},{w},{h},0.8\n" for x, y, w, h in rows))
    assert compare_tracks_module.main([str(ref), str(good)]) == 0
    assert compare_tracks_module.main([str(ref), str(bad), "--min-iou", "0.5"]) == 1
    assert compare_tracks_module.main([str(ref), str(tmp_path / "missing.txt")]) == 2
    assert "5 frames" in capsys.readouterr().out


def test_guest_cpuinfo_reads_back_as_the_emulated_core():
    # MIDR 0x410fd083 is what qemu's cortex-a72 answers to `mrs x0, midr_el1`.
    text = guest_cpuinfo.cpuinfo_text(0x410FD083, ["fp", "asimd", "cpuid"], processors=2)
    assert text.count("processor\t:") == 2
    assert "CPU part\t: 0xd08" in text and "CPU revision\t: 3" in text
    d = describe_cpu(text, machine="aarch64", hwcaps={})
    assert d["model"] == "2x Cortex-A72"
    assert d["features"] == ["neon"]


def test_guest_cpuinfo_for_qemu_max_keeps_its_fp16_and_dotprod():
    features = ["fp", "asimd", "fphp", "asimdhp", "cpuid", "asimddp", "sve", "i8mm", "bf16"]
    d = describe_cpu(guest_cpuinfo.cpuinfo_text(0x000F0510, features, 1), machine="aarch64", hwcaps={})
    assert d["model"] == "1x software-defined part 0x051"
    assert d["features"] == ["neon", "fp16", "dotprod", "i8mm", "bf16", "sve"]
    assert d["precision_advice"]["openvino"]["default"] == "f16"


def test_crop_downscale_is_the_bit_exact_bilinear_that_x86_and_arm_share():
    # cv2's INTER_LINEAR runs through IPP on x86 and KleidiCV/Carotene on ARM, which round differently
    # on downscales; the crop must use INTER_LINEAR_EXACT, identical on both (arm-check found this).
    import cv2

    from edgetrack.preprocess import sample_target

    frame = np.random.default_rng(0).integers(0, 256, (60, 60, 3), dtype=np.uint8)
    crop, factor = sample_target(frame, (12.0, 12.0, 25.0, 25.0), 2.0, 40)  # side 50 -> 40: downscale
    assert factor == 40 / 50
    expected = cv2.resize(frame[0:50, 0:50], (40, 40), interpolation=cv2.INTER_LINEAR_EXACT)
    np.testing.assert_array_equal(crop, expected)
