"""The model contract: what a tracker model takes and gives, and the settings stored beside it.

A model takes `template` 1x3xTxT and `search` 1x3xSxS and gives `score` 1x1xNxN, `size` 1x2xNxN and
`offset` 1x2xNxN (OSTrack's CENTER head). edgetrack's exports store a `ModelSpec` as JSON under the
metadata key `edgetrack` (an ONNX metadata_props entry, an OpenVINO rt_info entry). A model without it
(a third-party export) gets the OSTrack defaults and sizes read from its input and output shapes.

A template-cached model (two files) has an init part, `template` -> the cache (`template_kv`, and
`template_q` for candidate elimination), and a track part, `search` + the cache -> the three maps;
the track part's spec names the init file in `template_cache` {"init": FILE NAME beside it}.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields

from edgetrack.errors import EdgetrackError
from edgetrack.preprocess import IMAGENET_MEAN, IMAGENET_STD

METADATA_KEY = "edgetrack"
INPUT_NAMES = ("template", "search")
OUTPUT_NAMES = ("score", "size", "offset")
CACHE_NAMES = ("template_kv", "template_q")
COLORS = ("RGB", "BGR")
# (low, high] of the crop factors and the pixel scale: wider crops than 16x the box, or a scale outside
# these, are broken metadata (a huge search_factor would allocate terabytes for one crop)
BOUNDS = {"template_factor": (0.0, 16.0), "search_factor": (0.0, 16.0), "scale": (1e-3, 1e5)}
MIN_STD = 1e-6


def is_number(value) -> bool:
    """A real int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ModelSpec:
    """Crop sizes and factors, normalisation and colour order of one tracker model."""

    template_size: int
    search_size: int
    feat_size: int
    template_factor: float = 2.0
    search_factor: float = 4.0
    size_rate: float = 1.0
    min_score: float = 0.0
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    scale: float = 255.0
    color: str = "RGB"
    arch: dict | None = None
    source_sha256: str | None = None
    precision: str | None = None
    template_cache: dict | None = None

    def __post_init__(self) -> None:
        for name in ("template_size", "search_size", "feat_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise EdgetrackError(f"model metadata: {name} must be a positive integer, got {value!r}")
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if not is_number(value) or not math.isfinite(value) or not low < value <= high:
                raise EdgetrackError(f"model metadata: {name} must lie in ({low:g}, {high:g}], got {value!r}")
        for name in ("mean", "std"):
            value = getattr(self, name)
            if (
                not isinstance(value, (tuple, list))
                or len(value) != 3
                or not all(is_number(v) and math.isfinite(v) for v in value)
            ):
                raise EdgetrackError(f"model metadata: {name} must be three finite numbers, got {value!r}")
        if any(v < MIN_STD for v in self.std):
            raise EdgetrackError(f"model metadata: std must be at least {MIN_STD:g}, got {self.std!r}")
        if not is_number(self.size_rate) or not 0.0 < self.size_rate <= 1.0:
            raise EdgetrackError(f"model metadata: size_rate must lie in (0, 1], got {self.size_rate!r}")
        if not is_number(self.min_score) or not 0.0 <= self.min_score < 1.0:
            raise EdgetrackError(f"model metadata: min_score must lie in [0, 1), got {self.min_score!r}")
        if self.color not in COLORS:
            raise EdgetrackError(f"model metadata: color must be RGB or BGR, got {self.color!r}")
        if self.template_cache is not None:
            init = self.template_cache.get("init") if isinstance(self.template_cache, dict) else None
            if not isinstance(init, str) or not init or "/" in init or "\\" in init or init.startswith("."):
                raise EdgetrackError(
                    "model metadata: template_cache must name its init file beside it, "
                    f"got {self.template_cache!r}"
                )

    def to_json(self) -> str:
        """The JSON object stored under the `edgetrack` metadata key (unset optional fields left out)."""
        data = asdict(self)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return json.dumps({k: v for k, v in data.items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        """Parse the metadata JSON; unknown keys are ignored, bad values raise EdgetrackError."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise EdgetrackError(f"model metadata '{METADATA_KEY}' is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise EdgetrackError(f"model metadata '{METADATA_KEY}' must be a JSON object")
        known = {f.name for f in fields(cls)}
        missing = {"template_size", "search_size", "feat_size"} - data.keys()
        if missing:
            raise EdgetrackError(f"model metadata '{METADATA_KEY}' lacks {', '.join(sorted(missing))}")
        kwargs = {k: v for k, v in data.items() if k in known}
        for name in ("mean", "std"):
            if name in kwargs:
                kwargs[name] = tuple(kwargs[name]) if isinstance(kwargs[name], list) else kwargs[name]
        return cls(**kwargs)


@dataclass(frozen=True)
class ModelIO:
    """Which graph inputs and outputs play which role: names of template, search, score, size, offset."""

    template: str
    search: str
    score: str
    size: str
    offset: str


def _square_side(shape, channels: int, what: str, name: str) -> int:
    """N of a 1 x channels x N x N shape, or an EdgetrackError saying how the shape differs."""
    dims = list(shape)
    ok = (
        len(dims) == 4
        and all(isinstance(d, int) and d > 0 for d in dims)
        and dims[0] == 1
        and dims[1] == channels
        and dims[2] == dims[3]
    )
    if not ok:
        raise EdgetrackError(
            f"model {what} '{name}' has shape {dims}; the contract wants 1x{channels}xNxN with fixed sizes"
        )
    return dims[2]


def resolve_contract(inputs: dict, outputs: list, metadata: str | None) -> tuple[ModelSpec, ModelIO]:
    """Check a model's I/O against the contract and return its spec and name bindings.

    inputs: {name: shape}; outputs: [(name, shape)] in graph order; metadata: the `edgetrack` JSON or None.
    Outputs are taken by name (score, size, offset) when all three are present, else by order.
    """
    missing = [n for n in INPUT_NAMES if n not in inputs]
    if missing or len(inputs) != 2:
        raise EdgetrackError(
            f"model inputs are {sorted(inputs)}; the contract wants exactly 'template' and 'search'"
        )
    template_size = _square_side(inputs["template"], 3, "input", "template")
    search_size = _square_side(inputs["search"], 3, "input", "search")
    if len(outputs) != 3:
        raise EdgetrackError(
            f"model has {len(outputs)} outputs {[n for n, _ in outputs]}; "
            "the contract wants 3: score, size, offset"
        )
    by_name = dict(outputs)
    if all(n in by_name for n in OUTPUT_NAMES):
        ordered = [(n, by_name[n]) for n in OUTPUT_NAMES]
    else:
        ordered = list(outputs)
    sides = [
        _square_side(shape, channels, "output", f"{role} ({name})")
        for (name, shape), role, channels in zip(ordered, OUTPUT_NAMES, (1, 2, 2), strict=True)
    ]
    if len(set(sides)) != 1:
        raise EdgetrackError(f"model outputs have different map sizes {sides}; they must share one NxN grid")
    feat_size = sides[0]
    if metadata is None:
        spec = ModelSpec(template_size=template_size, search_size=search_size, feat_size=feat_size)
    else:
        spec = ModelSpec.from_json(metadata)
        found = (template_size, search_size, feat_size)
        stored = (spec.template_size, spec.search_size, spec.feat_size)
        if found != stored:
            raise EdgetrackError(
                f"model metadata says template/search/feature sizes {stored} but the graph has {found}"
            )
    io = ModelIO("template", "search", *(name for name, _ in ordered))
    return spec, io


def template_cache_of(metadata: str | None) -> dict | None:
    """The `template_cache` entry of a model's metadata JSON (a two-part model's track part names its
    init part there), or None: also for absent or unreadable JSON, which the contract check reports."""
    try:
        data = json.loads(metadata or "{}")
    except ValueError:
        return None
    entry = data.get("template_cache") if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else None


def resolve_cached_contract(
    init_inputs: dict, init_outputs: list, track_inputs: dict, track_outputs: list, metadata: str | None
) -> tuple[ModelSpec, ModelIO, list[str]]:
    """Check a template-cached model's two parts against each other and the contract.

    Returns the track part's spec, the I/O names and the cache tensors' names (init outputs = track
    inputs besides `search`, same shapes)."""
    if set(init_inputs) != {"template"}:
        raise EdgetrackError(f"init part inputs are {sorted(init_inputs)}; it must take 'template' only")
    cache = dict(init_outputs)
    names = [n for n in CACHE_NAMES if n in cache]
    if "template_kv" not in cache or len(names) != len(cache):
        raise EdgetrackError(f"init part outputs are {sorted(cache)}; want template_kv (and template_q)")
    wanted = {"search", *names}
    if set(track_inputs) != wanted:
        raise EdgetrackError(f"track part inputs are {sorted(track_inputs)}; want {sorted(wanted)}")
    for name in names:
        if list(cache[name]) != list(track_inputs[name]):
            raise EdgetrackError(
                f"{name}: the init part gives {list(cache[name])}, "
                f"the track part takes {list(track_inputs[name])}"
            )
    joint_inputs = {"template": init_inputs["template"], "search": track_inputs["search"]}
    spec, io = resolve_contract(joint_inputs, track_outputs, metadata)
    return spec, io, names
