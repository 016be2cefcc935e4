"""The architecture and crop settings of a one-stream ViT tracker, read from a small JSON or YAML file."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import is_number

# Keys a fixture or release JSON may carry beside the architecture: recorded there, not needed here.
INFORMATIONAL_KEYS = frozenset({"sequence", "frames", "name", "notes"})
CE_TEMPLATE_RANGES = ("CTR_POINT", "ALL")
STEMS = ("patch", "conv")


@dataclass(frozen=True)
class TrackerConfig:
    """OSTrack-style tracker: ViT backbone with optional candidate elimination (CE) and a CENTER head.

    `ce_loc` lists the 0-based blocks that eliminate search tokens; `ce_keep_ratio` is one ratio for
    all of them or one per listed block. `ce_template_range` says which template tokens score the
    search tokens: "CTR_POINT" (the template-centre token, OSTrack's default) or "ALL". `size_rate` says
    how far each frame's predicted size moves the tracked size (1: replaces it, as OSTrack; see damp_size).
    Below a peak score of `min_score` the tracker keeps its previous box (0: never, as OSTrack).
    With `asymmetric_attention` template tokens attend only to template tokens (search tokens to
    both), so an export can encode the template once per target (edgetrack.models.template_cache).
    `stem` turns images into tokens: "patch" (one patch_size x patch_size convolution, ViT's) or "conv"
    (log2(patch_size) stride-2 3x3 convolutions with hard-swish between them, as vitTrack); with
    `separate_stems` the template has a stem of its own (vitTrack again). Without `head_batch_norm` the
    head's convolutions have no batch norm (an export that folded it, such as vitTrack's).
    """

    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    mlp_ratio: float = 4.0
    patch_size: int = 16
    template_size: int = 128
    search_size: int = 256
    template_factor: float = 2.0
    search_factor: float = 4.0
    size_rate: float = 1.0
    min_score: float = 0.0
    ce_loc: tuple[int, ...] = ()
    ce_keep_ratio: float | tuple[float, ...] = 1.0
    ce_template_range: str = "CTR_POINT"
    asymmetric_attention: bool = False
    stem: str = "patch"
    separate_stems: bool = False
    layer_norm_eps: float = 1e-6
    head: str = "CENTER"
    head_channels: int = 256
    head_batch_norm: bool = True
    drop_path_rate: float = 0.0
    pretrain_img_size: int = 224
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "ce_loc", tuple(int(i) for i in self.ce_loc))
        if isinstance(self.ce_keep_ratio, (list, tuple)):
            object.__setattr__(self, "ce_keep_ratio", tuple(float(r) for r in self.ce_keep_ratio))
        self._validate()

    def _validate(self) -> None:
        problems = []
        if self.embed_dim % self.num_heads:
            problems.append(f"embed_dim {self.embed_dim} is not a multiple of num_heads {self.num_heads}")
        for name in ("template_size", "search_size"):
            size = getattr(self, name)
            if size <= 0 or size % self.patch_size:
                problems.append(f"{name} {size} is not a positive multiple of patch_size {self.patch_size}")
        if not is_number(self.size_rate) or not 0.0 < self.size_rate <= 1.0:
            problems.append(f"size_rate {self.size_rate!r} must be a number in (0, 1]")
        if not is_number(self.min_score) or not 0.0 <= self.min_score < 1.0:
            problems.append(f"min_score {self.min_score!r} must be a number in [0, 1)")
        if self.head != "CENTER":
            problems.append(f"head {self.head!r} is not supported (only 'CENTER')")
        if not isinstance(self.head_batch_norm, bool):
            problems.append(f"head_batch_norm {self.head_batch_norm!r} must be true or false")
        if self.head_channels % 8 or self.head_channels <= 0:
            problems.append(f"head_channels {self.head_channels} must be a positive multiple of 8")
        bad_loc = [i for i in self.ce_loc if not 0 <= i < self.depth]
        if bad_loc:
            problems.append(f"ce_loc {bad_loc} outside blocks 0..{self.depth - 1}")
        if isinstance(self.ce_keep_ratio, tuple) and len(self.ce_keep_ratio) != len(self.ce_loc):
            n_ratios, n_loc = len(self.ce_keep_ratio), len(self.ce_loc)
            problems.append(f"ce_keep_ratio has {n_ratios} values for {n_loc} ce_loc blocks")
        elif any(not 0.0 < r <= 1.0 for r in self.keep_ratios):
            problems.append(f"ce_keep_ratio {self.ce_keep_ratio} must lie in (0, 1]")
        if not isinstance(self.asymmetric_attention, bool):
            problems.append(f"asymmetric_attention {self.asymmetric_attention!r} must be true or false")
        problems += self._stem_problems()
        if self.ce_template_range not in CE_TEMPLATE_RANGES:
            problems.append(f"ce_template_range {self.ce_template_range!r} not in {CE_TEMPLATE_RANGES}")
        if problems:
            raise EdgetrackError("tracker config: " + "; ".join(problems))

    def _stem_problems(self) -> list[str]:
        if self.stem not in STEMS:
            return [f"stem {self.stem!r} not in {STEMS}"]
        problems = []
        if not isinstance(self.separate_stems, bool):
            problems.append(f"separate_stems {self.separate_stems!r} must be true or false")
        if not is_number(self.layer_norm_eps) or not 0.0 < self.layer_norm_eps < 1e-2:
            problems.append(f"layer_norm_eps {self.layer_norm_eps!r} must lie in (0, 0.01)")
        if self.stem == "conv":
            stages = self.patch_size.bit_length() - 1
            if self.patch_size < 2 or 2**stages != self.patch_size:
                problems.append(f"a conv stem needs a power-of-two patch_size, got {self.patch_size}")
            elif self.embed_dim % 2 ** (stages - 1):
                problems.append(
                    f"a conv stem needs embed_dim {self.embed_dim} divisible by {2 ** (stages - 1)}"
                )
        return problems

    @property
    def keep_ratios(self) -> tuple[float, ...]:
        """One keep ratio per entry of ce_loc."""
        if isinstance(self.ce_keep_ratio, tuple):
            return self.ce_keep_ratio
        return tuple(float(self.ce_keep_ratio) for _ in self.ce_loc)

    def block_keep_ratio(self, block: int) -> float:
        """The keep ratio of search tokens applied after block `block` (1.0: no elimination)."""
        return dict(zip(self.ce_loc, self.keep_ratios, strict=True)).get(block, 1.0)

    @property
    def ce_enabled(self) -> bool:
        return any(r < 1.0 for r in self.keep_ratios)

    @property
    def feat_size(self) -> int:
        """Side of the search feature map (and of the head's output maps)."""
        return self.search_size // self.patch_size

    @property
    def template_feat_size(self) -> int:
        return self.template_size // self.patch_size

    def search_token_counts(self, keep_ratio_override: float | None = None) -> list[int]:
        """Search tokens leaving each block: ceil(ratio * tokens) after a CE block, OSTrack's rule.

        A run-time `keep_ratio_override` replaces the ratio of every CE block (>= 1: no elimination)."""
        counts, lens = [], self.feat_size**2
        for block in range(self.depth):
            ratio = self.block_keep_ratio(block)
            if ratio < 1.0 and keep_ratio_override is not None:
                ratio = keep_ratio_override
            if ratio < 1.0:
                lens = math.ceil(ratio * lens)
            counts.append(lens)
        return counts

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        out["ce_loc"] = list(self.ce_loc)
        if isinstance(self.ce_keep_ratio, tuple):
            out["ce_keep_ratio"] = list(self.ce_keep_ratio)
        return out

    @classmethod
    def from_dict(cls, data: dict, source: str = "config") -> TrackerConfig:
        """Build from a mapping; unknown keys raise an EdgetrackError naming them."""
        if not isinstance(data, dict):
            raise EdgetrackError(f"{source}: expected a mapping of settings, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known - INFORMATIONAL_KEYS)
        if unknown:
            raise EdgetrackError(f"{source}: unknown tracker config keys: {', '.join(unknown)}")
        kwargs = {k: v for k, v in data.items() if k in known}
        extra = {k: v for k, v in data.items() if k in INFORMATIONAL_KEYS}
        if kwargs.get("ce_loc") is None:
            kwargs["ce_loc"] = ()
        try:
            return cls(**kwargs, extra=extra)
        except (TypeError, ValueError) as exc:
            raise EdgetrackError(f"{source}: bad tracker config: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> TrackerConfig:
        """Read a JSON (.json) or YAML (.yaml/.yml) architecture file."""
        path = Path(path)
        if not path.is_file():
            raise EdgetrackError(f"tracker config {path} does not exist")
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise EdgetrackError(f"tracker config {path}: cannot parse: {exc}") from exc
        return cls.from_dict(data, source=str(path))
