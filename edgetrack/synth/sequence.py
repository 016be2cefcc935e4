"""`SyntheticSequence`: a UAV-like sequence generated on the fly and deterministic for a seed.

A textured target and look-alike distractors move over a large textured ground seen by a camera that
follows the target loosely (so the target wanders over the frame), pans, zooms and rotates slightly. The
target changes scale, its appearance drifts with time (its texture blends towards another one and its
colours shift, so an old template matches worse than a recent one), the light changes, fast motion blurs
the frame, an occluder sweeps over the target (partial then full occlusion), and the camera loses the
target for a while (out of view). Boxes are the visible part of the target clipped to the frame, NaN when
the target is absent (fully occluded or out of view)."""

from __future__ import annotations

import cv2
import numpy as np

from edgetrack.synth.textures import texture


def _smooth_walk(rng, n: int, dims: int, step: float, smooth: int = 15) -> np.ndarray:
    """A smooth random walk (n, dims) starting at 0."""
    kernel = np.ones(smooth) / smooth
    steps = rng.normal(0, step, (n + smooth, dims))
    steps = np.stack([np.convolve(steps[:, d], kernel, "same") for d in range(dims)], axis=1)[:n]
    return np.cumsum(steps, axis=0)


def cover_level(visible_fraction: float) -> int:
    """GOT-10k cover.label level: 0 (invisible), 1..7 in 15% steps of visible ratio, 8 (fully visible)."""
    if visible_fraction <= 0:
        return 0
    if visible_fraction >= 1 - 1e-6:
        return 8
    return int(min(7, 1 + np.floor(visible_fraction / 0.15 - 1e-9)))


class SyntheticSequence:
    """`frames` frames of `size` (width, height); `frame(i)` renders frame i (RGB uint8). Attributes:
    `boxes` (N, 4) visible target box or NaN, `absent`, `out_of_view`, `full_occlusion` (N,) bool and
    `cover` (N,) GOT-10k levels. The first frame always shows the whole target."""

    def __init__(
        self, seed: int, frames: int = 100, size: tuple[int, int] = (320, 240), distractors: int = 3
    ):
        self.seed, self.n, self.size = seed, frames, size
        rng = np.random.default_rng(seed)
        width, height = size
        self.world = texture(rng, 3 * height, 3 * width, octaves=5)
        self.world_centre = np.array([1.5 * width, 1.5 * height])
        tw, th = rng.uniform(0.1, 0.2) * width, rng.uniform(0.1, 0.2) * height
        self.target_size = np.array([tw, th])
        self.tex_start = texture(rng, 64, 64)
        self.tex_end = texture(rng, 64, 64)
        self.distractor_tex = [
            np.clip(self.tex_start * rng.uniform(0.8, 1.2, 3), 0, 255) for _ in range(distractors)
        ]
        t = np.arange(frames)
        self.target_pos = self.world_centre + _smooth_walk(rng, frames, 2, 2.5)
        self.scale = np.exp(np.clip(_smooth_walk(rng, frames, 1, 0.01)[:, 0], -0.5, 0.5))
        self.zoom = np.exp(np.clip(_smooth_walk(rng, frames, 1, 0.006)[:, 0], -0.4, 0.4))
        self.angle = np.clip(_smooth_walk(rng, frames, 1, 0.15)[:, 0], -8, 8)
        self.light = 1.0 + 0.3 * np.sin(
            2 * np.pi * t / max(frames, 2) * rng.uniform(0.5, 2) + rng.uniform(0, 6)
        )
        self.distractor_pos = [
            self.target_pos[0] + rng.uniform(-width, width, 2) * 0.4 + _smooth_walk(rng, frames, 2, 2.5)
            for _ in range(distractors)
        ]
        # the camera follows the target loosely, so the target wanders over the frame
        offset = _smooth_walk(rng, frames, 2, 2.5)
        # scheduled events (fractions of the sequence): an occluder sweep and an out-of-view excursion
        self.occlusion = (
            sorted(rng.integers(int(0.2 * frames), int(0.5 * frames) + 1, 2)) if frames >= 10 else None
        )
        if self.occlusion is not None:
            self.occlusion[1] = max(self.occlusion[1], self.occlusion[0] + max(frames // 8, 4))
        if frames >= 10:
            start, length = int(0.6 * frames), max(frames // 8, 3)
            ramp = np.clip(np.minimum(t - start, start + length - t) / 2.0, 0, 1)
            offset += np.outer(ramp, [1.2 * width, 0])
        offset[0] = 0
        self.camera = self.target_pos + offset
        self._geometry()

    def _matrix(self, i: int) -> np.ndarray:
        """2x3 affine world -> frame for frame i."""
        width, height = self.size
        m = cv2.getRotationMatrix2D(
            tuple(map(float, self.camera[i])), float(self.angle[i]), float(self.zoom[i])
        )
        m[:, 2] += np.array([width / 2, height / 2]) - self.camera[i]
        return m

    def _rect(self, i: int, world_pos, size_scale: float = 1.0) -> np.ndarray:
        """Frame-space x, y, w, h of an object centred at `world_pos`."""
        centre = self._matrix(i) @ np.append(world_pos, 1.0)
        wh = self.target_size * self.zoom[i] * size_scale
        return np.concatenate([centre - wh / 2, wh])

    def _occluder_rect(self, i: int, target: np.ndarray) -> np.ndarray | None:
        if self.occlusion is None or not self.occlusion[0] <= i <= self.occlusion[1]:
            return None
        a, b = self.occlusion
        progress = (i - a) / max(b - a, 1)
        w, h = target[2] * 2.5, target[3] * 1.6
        cx = target[0] + target[2] / 2 + (progress - 0.5) * 5 * target[2]
        return np.array([cx - w / 2, target[1] + target[3] / 2 - h / 2, w, h])

    def _geometry(self) -> None:
        width, height = self.size
        self.amodal = np.array([self._rect(i, self.target_pos[i], self.scale[i]) for i in range(self.n)])
        self.boxes = np.full((self.n, 4), np.nan)
        self.cover = np.zeros(self.n, np.int64)
        self.out_of_view = np.zeros(self.n, bool)
        self.full_occlusion = np.zeros(self.n, bool)
        for i, (x, y, w, h) in enumerate(self.amodal):
            x1, y1 = max(x, 0), max(y, 0)
            x2, y2 = min(x + w, width), min(y + h, height)
            if x2 <= x1 or y2 <= y1:
                self.out_of_view[i] = True
                continue
            visible = (x2 - x1) * (y2 - y1)
            occluder = self._occluder_rect(i, self.amodal[i])
            if occluder is not None:
                ox1, oy1 = max(occluder[0], x1), max(occluder[1], y1)
                ox2, oy2 = min(occluder[0] + occluder[2], x2), min(occluder[1] + occluder[3], y2)
                visible -= max(ox2 - ox1, 0) * max(oy2 - oy1, 0)
            fraction = visible / (w * h)
            self.cover[i] = cover_level(fraction)
            if self.cover[i] == 0:
                self.full_occlusion[i] = True
                continue
            self.boxes[i] = (x1, y1, x2 - x1, y2 - y1)
        self.absent = self.out_of_view | self.full_occlusion

    def __len__(self) -> int:
        return self.n

    def _paste(self, canvas: np.ndarray, patch: np.ndarray, rect: np.ndarray) -> None:
        x, y, w, h = (int(round(v)) for v in rect)
        if w < 2 or h < 2:
            return
        resized = cv2.resize(patch, (w, h), interpolation=cv2.INTER_LINEAR)
        H, W = canvas.shape[:2]
        x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
        if x2 > x1 and y2 > y1:
            canvas[y1:y2, x1:x2] = resized[y1 - y : y2 - y, x1 - x : x2 - x]

    def frame(self, i: int) -> np.ndarray:
        """Render frame i as RGB uint8."""
        width, height = self.size
        canvas = cv2.warpAffine(self.world, self._matrix(i), (width, height), borderMode=cv2.BORDER_REFLECT)
        for tex, path in zip(self.distractor_tex, self.distractor_pos, strict=True):
            self._paste(canvas, tex, self._rect(i, path[i], self.scale[i]))
        drift = i / max(self.n - 1, 1)
        appearance = (1 - drift) * self.tex_start + drift * self.tex_end
        appearance = np.clip(appearance * (1 + 0.3 * drift * np.array([1.0, -0.5, 0.2], np.float32)), 0, 255)
        self._paste(canvas, appearance, self.amodal[i])
        occluder = self._occluder_rect(i, self.amodal[i])
        if occluder is not None:
            self._paste(canvas, self.world[:64, :64], occluder)
        canvas *= self.light[i]
        speed = np.linalg.norm(self.camera[i] - self.camera[i - 1]) if i else 0.0
        if speed > 6:
            length = int(min(speed, 15))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            canvas = cv2.filter2D(canvas, -1, kernel)
        noise = np.random.default_rng((self.seed, i)).normal(0, 3, canvas.shape).astype(np.float32)
        return np.clip(canvas + noise, 0, 255).astype(np.uint8)

    def __iter__(self):
        """(frame RGB, box or NaN row) for every frame."""
        return ((self.frame(i), self.boxes[i]) for i in range(self.n))
