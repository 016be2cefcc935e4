"""OSTrack's training processing of a (template, search) frame pair, with numpy randomness.

The search box is jittered (scale x exp(N(0,1) * scale_jitter), centre moved by up to
center_jitter/2 of the jittered box's geometric-mean side), the template box is not (jitter 0); each
crop is `edgetrack.preprocess.sample_target` around the (jittered) box, and the ground-truth box is
moved into crop coordinates as OSTrack's `transform_image_to_crop` does, normalised by the crop size.
Augmentation: grayscale (both crops, 5 %), a joint horizontal flip and an independent one per crop
(50 % each, as OSTrack's joint and per-image flips), brightness x U(1-b, 1+b) per crop, then ImageNet
normalisation.

With teacher crop sizes set (black-box distillation), the same two regions are also cropped at the
teacher's sizes and given the same augmentation, as float32 HxWx3 pixels (`teacher_template`,
`teacher_search`) for the teacher to normalise its own way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from edgetrack.preprocess import Normalizer, sample_target


def jitter_box(box, center_jitter: float, scale_jitter: float, rng: np.random.Generator) -> np.ndarray:
    """OSTrack's `_get_jittered_box` on an x,y,w,h box."""
    box = np.asarray(box, dtype=np.float64)
    size = box[2:] * np.exp(rng.standard_normal(2) * scale_jitter)
    max_offset = math.sqrt(size[0] * size[1]) * center_jitter
    centre = box[:2] + 0.5 * box[2:] + max_offset * (rng.random(2) - 0.5)
    return np.concatenate([centre - 0.5 * size, size])


def box_in_crop(box, extract_box, resize_factor: float, crop_size: int) -> np.ndarray:
    """OSTrack's `transform_image_to_crop` (normalised): the x,y,w,h box in a crop taken around
    `extract_box` and resized by `resize_factor`, divided by the crop size."""
    box = np.asarray(box, dtype=np.float64)
    extract_box = np.asarray(extract_box, dtype=np.float64)
    centre = (crop_size - 1) / 2 + (
        box[:2] + 0.5 * box[2:] - extract_box[:2] - 0.5 * extract_box[2:]
    ) * resize_factor
    size = box[2:] * resize_factor
    return np.concatenate([centre - 0.5 * size, size]) / crop_size


def flip_box(box_norm: np.ndarray) -> np.ndarray:
    """Horizontal flip of a normalised x,y,w,h box."""
    return np.array([1.0 - box_norm[0] - box_norm[2], box_norm[1], box_norm[2], box_norm[3]])


@dataclass(frozen=True)
class PairProcessing:
    """Crop sizes and factors, jitter and augmentation probabilities; OSTrack-256 defaults."""

    template_size: int = 128
    search_size: int = 256
    template_factor: float = 2.0
    search_factor: float = 4.0
    center_jitter: float = 3.0
    scale_jitter: float = 0.25
    grayscale_probability: float = 0.05
    flip_probability: float = 0.5
    brightness_jitter: float = 0.2
    teacher_template_size: int = 0  # > 0: also crop the regions at the teacher's sizes
    teacher_search_size: int = 0

    def __call__(self, template_frame, template_box, search_frame, search_box, rng: np.random.Generator):
        """-> dict with 'template' (3,Ht,Wt) and 'search' (3,Hs,Ws) float32, 'template_box' and
        'search_box' (4,) float32 normalised x,y,w,h (plus 'teacher_template' and 'teacher_search'
        pixels with teacher sizes); None when the pair is unusable (tiny box, or the target's centre
        falls outside the search crop): the caller draws another pair."""
        search_extract = jitter_box(search_box, self.center_jitter, self.scale_jitter, rng)
        if math.ceil(math.sqrt(max(search_extract[2] * search_extract[3], 0.0)) * self.search_factor) < 1:
            return None
        with_teacher = self.teacher_template_size > 0 and self.teacher_search_size > 0
        crops, teacher_crops, boxes = [], [], []
        for frame, box, extract, factor, size, teacher_size in (
            (template_frame, template_box, template_box, self.template_factor, self.template_size,
             self.teacher_template_size),
            (search_frame, search_box, search_extract, self.search_factor, self.search_size,
             self.teacher_search_size),
        ):  # fmt: skip
            try:
                crop, resize = sample_target(frame, extract, factor, size)
                if with_teacher:
                    teacher_crops.append(sample_target(frame, extract, factor, teacher_size)[0])
            except ValueError:  # a box too small to crop
                return None
            crops.append(crop)
            boxes.append(box_in_crop(box, extract, resize, size))
        centre = boxes[1][:2] + 0.5 * boxes[1][2:]
        if np.any(centre < 0) or np.any(centre >= 1) or np.any(boxes[1][2:] <= 0):
            return None
        if rng.random() < self.grayscale_probability:
            crops, teacher_crops = ([_gray(c) for c in group] for group in (crops, teacher_crops))
        joint_flip = rng.random() < self.flip_probability
        normalise = Normalizer()
        out = {}
        for i, (name, crop, box) in enumerate(zip(("template", "search"), crops, boxes, strict=True)):
            flip = joint_flip != (rng.random() < self.flip_probability)  # two flips cancel
            if flip:
                crop, box = crop[:, ::-1], flip_box(box)
            brightness = rng.uniform(max(0.0, 1 - self.brightness_jitter), 1 + self.brightness_jitter)
            out[name] = normalise(_brighten(crop, brightness))[0]
            out[f"{name}_box"] = box.astype(np.float32)
            if with_teacher:
                teacher_crop = teacher_crops[i][:, ::-1] if flip else teacher_crops[i]
                out[f"teacher_{name}"] = _brighten(teacher_crop, brightness)
        return out


def _gray(crop: np.ndarray) -> np.ndarray:
    return np.repeat(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


def _brighten(crop: np.ndarray, brightness: float) -> np.ndarray:
    """uint8 pixels times `brightness`, saturated at 255, as float32."""
    return np.minimum(crop.astype(np.float32) * np.float32(brightness), 255.0)
