"""Read tracker weights from the checkpoints users have: OSTrack's `{'net': state_dict}`, a bare state
dict, MAE / timm ViT checkpoints (backbone only), and checkpoints that pickled other objects, which are
read without executing anything they name."""

from __future__ import annotations

import pickle
import types
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import OSTrack
from edgetrack.models.vit import resize_pos_embed_grid

STATE_DICT_KEYS = ("net", "model", "state_dict", "model_state_dict")
ARCH_SUFFIXES = (".json", ".yaml", ".yml")  # architecture files beside a checkpoint
_TORCH_REBUILDERS = frozenset(
    {
        "_rebuild_tensor",
        "_rebuild_tensor_v2",
        "_rebuild_tensor_v3",
        "_rebuild_parameter",
        "_rebuild_parameter_with_state",
        "_rebuild_qtensor",
        "_rebuild_sparse_tensor",
        "_rebuild_meta_tensor_no_storage",
        "_rebuild_device_tensor_from_cpu_tensor",
    }
)
_SAFE_GLOBALS = {
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
    ("torch", "Size"): torch.Size,
    ("torch", "device"): torch.device,
}
# Backbone tensors a ViT checkpoint must provide; anything else it carries (MAE decoder, mask token,
# classifier head, fc_norm) is reported as ignored.
VIT_REQUIRED_PREFIXES = ("patch_embed.", "blocks.", "norm.")


@dataclass
class LoadReport:
    """What a checkpoint gave: its kind, and the keys it carried that were not used."""

    kind: str
    ignored: list[str] = field(default_factory=list)
    foreign_objects: list[str] = field(default_factory=list)


class InertObject:
    """Stands in for an object of a class outside the allow-list: keeps its arguments and state,
    runs nothing. `origin` names the global it replaced."""

    origin = "?"

    state = None

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state):
        self.state = state

    @property
    def items(self) -> dict:
        """Entries a dict or list subclass would have held (pickle's SETITEMS / APPENDS)."""
        return self.__dict__.setdefault("_items", {})

    def __setitem__(self, key, value):
        self.items[key] = value

    def append(self, value):
        self.items[len(self.items)] = value

    def extend(self, values):
        for value in values:
            self.append(value)

    def __repr__(self) -> str:
        return f"<inert {self.origin}>"


def _safe_global(module: str, name: str):
    """The real object for allow-listed globals (tensor rebuilding, plain containers), else None."""
    if (module, name) in _SAFE_GLOBALS:
        return _SAFE_GLOBALS[(module, name)]
    if module == "torch._utils" and name in _TORCH_REBUILDERS:
        return getattr(torch._utils, name)
    if (module, name) == ("torch._tensor", "_rebuild_from_type_v2"):
        return torch._tensor._rebuild_from_type_v2
    if (module, name) == ("torch.nn.parameter", "Parameter"):
        return torch.nn.Parameter
    if module == "torch":
        value = getattr(torch, name, None)
        if isinstance(value, (torch.dtype, torch.layout, torch.memory_format)):
            return value
    return None


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that maps every global outside a small allow-list to an inert placeholder class and
    records the global's name in `foreign` (a per-load list set by `_restricted_pickle_module`)."""

    foreign: list[str] = []

    def find_class(self, module, name):
        value = _safe_global(module, name)
        if value is not None:
            return value
        origin = f"{module}.{name}"
        self.foreign.append(origin)
        return type(f"Inert_{name}", (InertObject,), {"origin": origin})


def _restricted_pickle_module(foreign: list[str]) -> types.ModuleType:
    """A pickle-like module for torch.load whose Unpickler records foreign globals into `foreign`."""
    unpickler = type("Unpickler", (RestrictedUnpickler,), {"foreign": foreign})
    module = types.ModuleType("edgetrack_restricted_pickle")
    module.Unpickler = unpickler
    module.load = lambda file, **kwargs: unpickler(file, **kwargs).load()
    module.UnpicklingError = pickle.UnpicklingError
    return module


def read_checkpoint(path: str | Path) -> tuple[object, list[str]]:
    """torch.load with weights_only=True; if the file pickled other objects, load it again with the
    restricted unpickler (nothing executed). Returns the object and the foreign globals it named."""
    path = Path(path)
    if not path.is_file():
        raise EdgetrackError(f"checkpoint {path} does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True), []
    except pickle.UnpicklingError as safe_exc:
        foreign: list[str] = []
        try:
            obj = torch.load(
                path, map_location="cpu", weights_only=False, pickle_module=_restricted_pickle_module(foreign)
            )
        except Exception as exc:  # noqa: BLE001 - whatever fails here, the file cannot be read
            first_line = str(safe_exc).strip().splitlines()[0]
            raise EdgetrackError(
                f"cannot read checkpoint {path}: {first_line}; restricted load: {exc}"
            ) from exc
        return obj, sorted(set(foreign))
    except Exception as exc:  # noqa: BLE001 - torch.load fails on malformed files with many error types
        reason = f"{type(exc).__name__}: {exc}"
        raise EdgetrackError(f"cannot read checkpoint {path}: not a torch checkpoint ({reason})") from exc


def _module_state(state: dict, prefix: str = "") -> dict[str, torch.Tensor]:
    """Parameters and buffers of a pickled nn.Module (an InertObject's __dict__ state), by name."""
    out = {}
    for group in ("_parameters", "_buffers"):
        for name, value in (state.get(group) or {}).items():
            if isinstance(value, torch.Tensor):
                out[prefix + name] = value
    for name, child in (state.get("_modules") or {}).items():
        if isinstance(child, InertObject) and isinstance(child.state, dict):
            out.update(_module_state(child.state, f"{prefix}{name}."))
    return out


def find_state_dict(obj) -> dict[str, torch.Tensor]:
    """The tensor mapping inside a loaded checkpoint: under 'net' / 'model' / 'state_dict', bare, or
    the parameters of a pickled module. A leading 'module.' (DataParallel) is removed."""
    candidates = [obj]
    if isinstance(obj, Mapping):
        candidates = [obj[k] for k in STATE_DICT_KEYS if k in obj] + candidates
    for cand in candidates:
        if isinstance(cand, InertObject) and isinstance(cand.state, dict):
            cand = _module_state(cand.state)
        if isinstance(cand, Mapping):
            tensors = {k: v for k, v in cand.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
            if tensors and len(tensors) >= len(cand) / 2:
                return {k.removeprefix("module."): v for k, v in tensors.items()}
    raise EdgetrackError(
        "no state dict found in the checkpoint (looked for a tensor mapping under "
        f"{', '.join(STATE_DICT_KEYS)}, at the top level, or in a pickled module)"
    )


def _few(keys, limit: int = 5) -> str:
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return f"{len(keys)} ({shown}{', ...' if len(keys) > limit else ''})"


def _check_fit(model_sd: Mapping, ckpt_sd: Mapping, what: str) -> None:
    """Raise listing missing / unexpected keys and shape mismatches between two state dicts."""
    missing = set(model_sd) - set(ckpt_sd)
    unexpected = set(ckpt_sd) - set(model_sd)
    mismatched = [
        f"{k} {tuple(ckpt_sd[k].shape)} vs {tuple(model_sd[k].shape)}"
        for k in sorted(set(model_sd) & set(ckpt_sd))
        if tuple(model_sd[k].shape) != tuple(ckpt_sd[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"missing keys {_few(missing)}")
    if unexpected:
        problems.append(f"unexpected keys {_few(unexpected)}")
    if mismatched:
        problems.append(f"shape mismatches {_few(mismatched, 3)}")
    if problems:
        raise EdgetrackError(f"{what} does not fit the model: " + "; ".join(problems))


def is_vit_backbone(sd: Mapping) -> bool:
    """A ViT classifier / MAE state dict (no OSTrack 'backbone.' prefix)."""
    return any(k.startswith("blocks.") for k in sd) and not any(k.startswith("backbone.") for k in sd)


def load_tracker_state(model: OSTrack, sd: Mapping, what: str = "checkpoint") -> None:
    """Strictly load a full tracker state dict (OSTrack names)."""
    _check_fit(model.state_dict(), sd, what)
    model.load_state_dict(sd, strict=True)


def load_vit_backbone(model: OSTrack, sd: Mapping, what: str = "checkpoint") -> list[str]:
    """Load MAE / timm ViT weights into the backbone: blocks, patch embedding and norm by name, the
    pre-trained `pos_embed` (cls entry dropped) interpolated to the template and search grids as OSTrack
    does. The head keeps its initialisation. Returns the checkpoint keys that were not used."""
    backbone = model.backbone
    if "pos_embed" not in sd:
        raise EdgetrackError(f"{what}: a ViT checkpoint needs 'pos_embed'")
    targets = {k: v for k, v in backbone.state_dict().items() if k.startswith(VIT_REQUIRED_PREFIXES)}
    given = {k: v for k, v in sd.items() if k in targets or k.startswith(VIT_REQUIRED_PREFIXES)}
    _check_fit(targets, given, what)
    pos = sd["pos_embed"].float()
    dim = backbone.pos_embed.shape[-1]
    tokens = pos.shape[1]
    grid = round(tokens**0.5)
    has_cls = grid * grid != tokens
    if has_cls:
        grid = round((tokens - 1) ** 0.5)
    if pos.ndim != 3 or pos.shape[-1] != dim or grid * grid + int(has_cls) != tokens:
        raise EdgetrackError(
            f"{what}: pos_embed {tuple(pos.shape)} is not a square grid of {dim}-dim embeddings"
        )
    patch_pos = pos[:, 1:] if has_cls else pos
    with torch.no_grad():
        backbone.load_state_dict(given, strict=False)
        if "cls_token" in sd and sd["cls_token"].shape == backbone.cls_token.shape:
            backbone.cls_token.copy_(sd["cls_token"])
        backbone.pos_embed[:, 1:].copy_(resize_pos_embed_grid(patch_pos, grid, backbone.pretrain_grid))
        if has_cls:
            backbone.pos_embed[:, :1].copy_(pos[:, :1])
        backbone.derive_pos_embeds(patch_pos, grid)
    used = set(given) | {"pos_embed", "cls_token"}
    return sorted(set(sd) - used)


def load_checkpoint(model: OSTrack, path: str | Path) -> LoadReport:
    """Load any supported checkpoint into `model`; an EdgetrackError names what does not fit. An exported
    tracker (.onnx, such as vitTrack) is imported from its graph (edgetrack.models.onnx_import)."""
    if Path(path).suffix.lower() == ".onnx":
        from edgetrack.models.onnx_import import load_onnx_weights

        load_onnx_weights(model, path)
        return LoadReport("onnx")
    obj, foreign = read_checkpoint(path)
    sd = find_state_dict(obj)
    if is_vit_backbone(sd):
        ignored = load_vit_backbone(model, sd, what=str(path))
        return LoadReport("vit-backbone", ignored=ignored, foreign_objects=foreign)
    load_tracker_state(model, sd, what=str(path))
    kind = "ostrack" if isinstance(obj, Mapping) and "net" in obj else "state-dict"
    return LoadReport(kind, foreign_objects=foreign)


def _stem_of(sd: Mapping) -> dict:
    """Stem kind, embed_dim, patch size and separate_stems of a state dict's patch embedding."""
    separate = any(k.startswith("backbone.patch_embed_z.") for k in sd)
    if "backbone.patch_embed.proj.weight" in sd:
        proj = sd["backbone.patch_embed.proj.weight"]
        return dict(
            stem="patch",
            embed_dim=int(proj.shape[0]),
            patch_size=int(proj.shape[-1]),
            separate_stems=separate,
        )
    convs = sorted(
        int(k.split(".")[3])
        for k in sd
        if k.startswith("backbone.patch_embed.stem.") and k.endswith(".weight")
    )
    if not convs:
        raise KeyError("backbone.patch_embed.proj.weight")
    last = sd[f"backbone.patch_embed.stem.{convs[-1]}.weight"]
    return dict(
        stem="conv", embed_dim=int(last.shape[0]), patch_size=2 ** len(convs), separate_stems=separate
    )


def infer_config(sd: Mapping) -> TrackerConfig:
    """The architecture a full tracker state dict implies (tensor shapes only). Head count, CE settings
    and the layer-norm epsilon leave no trace in the weights: num_heads is set to embed_dim // 64 (it
    changes neither parameters nor MACs), CE is off and the epsilon is the default."""
    try:
        stem = _stem_of(sd)
        dim, patch = stem["embed_dim"], stem["patch_size"]
        depth = len({k.split(".")[2] for k in sd if k.startswith("backbone.blocks.")})
        side = {k: round(sd[f"backbone.{k}"].shape[1] ** 0.5) for k in ("pos_embed_z", "pos_embed_x")}
        return TrackerConfig(
            **stem,
            depth=depth,
            num_heads=max(1, dim // 64),
            mlp_ratio=sd["backbone.blocks.0.mlp.fc1.weight"].shape[0] / dim,
            template_size=side["pos_embed_z"] * patch,
            search_size=side["pos_embed_x"] * patch,
            head_channels=int(sd["box_head.conv1_ctr.0.weight"].shape[0]),
            head_batch_norm="box_head.conv1_ctr.1.running_mean" in sd,
            pretrain_img_size=round((sd["backbone.pos_embed"].shape[1] - 1) ** 0.5) * patch,
        )
    except KeyError as exc:
        raise EdgetrackError(f"cannot infer the architecture: the state dict has no {exc}") from exc


@dataclass(frozen=True)
class FoundArchitecture:
    """A checkpoint's architecture and where it was read from (a file, or the checkpoint itself)."""

    config: TrackerConfig
    origin: str


def checkpoint_architecture(
    checkpoint: str | Path, arch: str | Path | None = None
) -> FoundArchitecture | None:
    """The architecture of a checkpoint: `arch` if given, else the `model_config` of an edgetrack
    training or distillation checkpoint, else NAME.json / NAME.yaml beside NAME.pth(.tar); else None."""
    if arch is not None:
        if not Path(arch).is_file():
            raise EdgetrackError(f"architecture file {arch} does not exist")
        return FoundArchitecture(TrackerConfig.load(arch), str(arch))
    checkpoint = Path(checkpoint)
    obj, _ = read_checkpoint(checkpoint)
    if isinstance(obj, Mapping) and isinstance(obj.get("model_config"), Mapping):
        origin = f"{checkpoint} model_config"
        return FoundArchitecture(TrackerConfig.from_dict(dict(obj["model_config"]), source=origin), origin)
    stem = checkpoint.name.split(".")[0]
    for suffix in ARCH_SUFFIXES:
        if (sibling := checkpoint.with_name(stem + suffix)).is_file():
            return FoundArchitecture(TrackerConfig.load(sibling), str(sibling))
    return None
