"""Read the weights of an exported OSTrack-layout tracker (an ONNX file such as OpenCV zoo's vitTrack)
back into edgetrack's torch model, so that it can be fine-tuned or compressed.

An export keeps the architecture but not the parameter names of every tensor: linear weights become
anonymous (transposed) MatMul operands and batch norm is folded into the convolutions. The importer
recovers each tensor from where it sits in the graph:

- named initialisers (`blocks.0.norm1.weight`, `pos_embed_x`, `box_head.conv5_ctr.bias`, ...) by name;
- a MatMul weight by the named bias added to its output (`blocks.0.attn.qkv.bias` names `...qkv.weight`);
- stem convolutions by following the chain of Conv (and hard-swish) nodes from each image input;
- head convolutions by following each branch back from its named 1x1 output convolution;
- layer-norm epsilon and the number of attention heads from the constants the graph uses.

`verify_import` then runs the file and the rebuilt model on the same inputs: the import is only trusted
when their outputs agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.head import CenterHead
from edgetrack.models.ostrack import OSTrack, TrackerMaps, build_tracker

BRANCH_DEPTH = 4  # 3x3 convolutions per head branch before its 1x1 output
PARITY_ATOL = 1e-4


@dataclass(frozen=True)
class ImportedTracker:
    """The architecture and full state dict (edgetrack / OSTrack names) read from an exported tracker."""

    config: TrackerConfig
    state_dict: dict[str, torch.Tensor]
    source: str


class _Graph:
    """Producer / consumer lookups and constant values of one ONNX graph."""

    def __init__(self, model, path: str):
        from onnx import numpy_helper

        self.path = path
        graph = model.graph
        self.nodes = list(graph.node)
        self.initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        self.constants = dict(self.initializers)
        for node in self.nodes:
            if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
                self.constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        self.consumers: dict[str, list] = defaultdict(list)
        self.producer = {}
        for node in self.nodes:
            for name in node.input:
                self.consumers[name].append(node)
            for name in node.output:
                self.producer[name] = node
        self.inputs = {
            i.name: [d.dim_value for d in i.type.tensor_type.shape.dim]
            for i in graph.input
            if i.name not in self.initializers
        }

    def fail(self, what: str) -> EdgetrackError:
        return EdgetrackError(f"{self.path}: cannot import: {what}")

    def only_consumer(self, tensor: str, op_types: tuple[str, ...] | None = None):
        nodes = [n for n in self.consumers.get(tensor, []) if op_types is None or n.op_type in op_types]
        return nodes[0] if len(nodes) == 1 else None

    def constant_operand(self, node) -> np.ndarray | None:
        values = [self.constants[i] for i in node.input if i in self.constants]
        return values[0] if len(values) == 1 else None


def canonical_name(name: str) -> str:
    """An initialiser's name as edgetrack's state dict has it below `backbone.`/`box_head.`: an export of
    edgetrack's TrackerMaps prefixes `model.backbone.`, vitTrack's export no prefix at all."""
    name = name.removeprefix("model.")
    return name if name.startswith("box_head.") else name.removeprefix("backbone.")


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32).copy())


def _attr(node, name: str, default=None):
    from onnx import helper

    for attribute in node.attribute:
        if attribute.name == name:
            return helper.get_attribute_value(attribute)
    return default


def _image_inputs(g: _Graph) -> tuple[str, str]:
    """(template, search) input names: the smaller square image is the template."""
    images = {n: s for n, s in g.inputs.items() if len(s) == 4 and s[1] == 3 and s[2] == s[3] and s[2] > 0}
    if len(images) != 2:
        raise g.fail(f"expected two square 3-channel image inputs, found {sorted(g.inputs)}")
    template, search = sorted(images, key=lambda n: images[n][2])
    if images[template][2] == images[search][2]:
        raise g.fail("the template and search inputs have the same size")
    return template, search


def _stem(g: _Graph, image: str) -> tuple[str, int, list[tuple[np.ndarray, np.ndarray]]]:
    """Follow the convolutions from an image input: (stem kind, patch size, [(weight, bias)])."""
    convs, tensor, activations = [], image, []
    while True:
        node = g.only_consumer(tensor)
        if node is None or node.op_type not in ("Conv", "HardSwish"):
            break
        if node.op_type == "HardSwish":
            activations.append(len(convs))
        else:
            weight, bias = (g.initializers.get(n) for n in (list(node.input) + [""])[1:3])
            if weight is None:
                raise g.fail(f"the stem convolution {node.name or node.output[0]} has no constant weight")
            if bias is None:
                bias = np.zeros(weight.shape[0], dtype=np.float32)
            convs.append((node, weight, bias))
        tensor = node.output[0]
    if not convs:
        raise g.fail(f"no convolution reads the input {image!r}")
    strides = [tuple(_attr(n, "strides", [1, 1])) for n, _, _ in convs]
    kernels = [tuple(w.shape[-2:]) for _, w, _ in convs]
    if len(convs) == 1 and kernels[0] == strides[0] and kernels[0][0] == kernels[0][1]:
        return "patch", kernels[0][0], [(w, b) for _, w, b in convs]
    expected_activations = list(range(1, len(convs)))
    if all(s == (2, 2) for s in strides) and all(k == (3, 3) for k in kernels):
        if activations == expected_activations:
            return "conv", 2 ** len(convs), [(w, b) for _, w, b in convs]
    raise g.fail(
        f"the stem of {image!r} is neither one patch convolution nor stride-2 3x3 convolutions with "
        f"hard-swish between them (kernels {kernels}, strides {strides})"
    )


def _linear_weights(g: _Graph) -> dict[str, np.ndarray]:
    """`blocks.i.<layer>.weight` (out, in) for every MatMul whose output gets a named `.bias` added."""
    weights = {}
    for node in g.nodes:
        if node.op_type != "MatMul" or node.input[1] not in g.initializers:
            continue
        add = g.only_consumer(node.output[0], ("Add",))
        bias = next((n for n in add.input if n.endswith(".bias")), None) if add is not None else None
        if bias is None:
            raise g.fail(f"the MatMul {node.name or node.output[0]} is not followed by a named bias")
        weights[canonical_name(bias)[: -len(".bias")] + ".weight"] = g.initializers[node.input[1]].T
    return weights


def _head_convs(g: _Graph) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """`convK_<branch>.0` 3x3 convolutions, found by walking back from each named `conv5_<branch>`."""
    found = {}
    for branch, _ in CenterHead.BRANCHES:
        name = f"box_head.conv5_{branch}.weight"
        node = next(
            (n for n in g.nodes if n.op_type == "Conv" and name in map(canonical_name, n.input)), None
        )
        if node is None:
            raise g.fail(f"no convolution uses the initialiser {name!r}")
        for k in range(BRANCH_DEPTH, 0, -1):
            node = g.producer.get(node.input[0])
            while node is not None and node.op_type in ("Relu", "BatchNormalization"):
                node = g.producer.get(node.input[0])
            if node is None or node.op_type != "Conv" or node.input[1] not in g.initializers:
                raise g.fail(f"head branch {branch!r} has fewer than {BRANCH_DEPTH} 3x3 convolutions")
            bias = g.initializers.get(node.input[2]) if len(node.input) > 2 else None
            weight = g.initializers[node.input[1]]
            found[f"conv{k}_{branch}"] = (weight, bias if bias is not None else np.zeros(weight.shape[0]))
    return found


def _layer_norm_eps(g: _Graph) -> float:
    """The epsilon of the first layer norm, as written (1e-5, not its float32 9.9999997e-06)."""
    for node in g.nodes:
        if node.op_type == "LayerNormalization":
            return float(f"{_attr(node, 'epsilon', 1e-5):.6g}")
        if node.op_type == "Sqrt":
            add = g.producer.get(node.input[0])
            value = g.constant_operand(add) if add is not None and add.op_type == "Add" else None
            if value is not None and value.size == 1:
                return float(f"{float(value):.6g}")
    raise g.fail("no layer norm epsilon found")


def _num_heads(g: _Graph, dim: int) -> int:
    """From the reshape of the first qkv projection to (B, N, 3, heads, head_dim)."""
    for node in g.nodes:
        if node.op_type == "Add" and any(i.endswith("blocks.0.attn.qkv.bias") for i in node.input):
            reshape = g.only_consumer(node.output[0], ("Reshape",))
            shape = g.constants.get(reshape.input[1]) if reshape is not None else None
            if shape is not None and shape.size == 5 and shape[2] == 3 and shape[3] * shape[4] == dim:
                return int(shape[3])
    raise g.fail("cannot find the number of attention heads (no (B, N, 3, heads, dim) reshape of qkv)")


def import_onnx_tracker(path: str | Path) -> ImportedTracker:
    """The architecture and state dict of an exported OSTrack-layout tracker (for example vitTrack).

    Raises EdgetrackError naming what could not be found; check the result with `verify_import`."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise EdgetrackError(f"{path} does not exist")
    from google.protobuf.message import DecodeError

    try:
        g = _Graph(onnx.load(str(path)), str(path))
    except (DecodeError, OSError, ValueError) as exc:
        raise EdgetrackError(f"{path}: not a readable ONNX file: {exc}") from exc
    named = {canonical_name(k): v for k, v in g.initializers.items()}
    template, search = _image_inputs(g)
    kind, patch, search_stem = _stem(g, search)
    kind_z, patch_z, template_stem = _stem(g, template)
    if (kind_z, patch_z) != (kind, patch):
        raise g.fail(f"template stem ({kind_z}, patch {patch_z}) differs from search stem ({kind}, {patch})")
    separate = any(not np.array_equal(a[0], b[0]) for a, b in zip(template_stem, search_stem, strict=True))
    linear = _linear_weights(g)
    depth = len({k.split(".")[1] for k in linear if k.startswith("blocks.")})
    missing = [k for k in ("pos_embed_z", "pos_embed_x", "norm.weight", "norm.bias") if k not in named]
    if missing or not depth:
        raise g.fail(f"missing named tensors {missing or ['blocks.*']}")
    dim = int(named["pos_embed_x"].shape[-1])
    head = _head_convs(g)
    config = TrackerConfig(
        embed_dim=dim,
        depth=depth,
        num_heads=_num_heads(g, dim),
        mlp_ratio=linear["blocks.0.mlp.fc1.weight"].shape[0] / dim,
        patch_size=patch,
        template_size=g.inputs[template][2],
        search_size=g.inputs[search][2],
        stem=kind,
        separate_stems=separate,
        layer_norm_eps=_layer_norm_eps(g),
        head_channels=int(head["conv1_ctr"][0].shape[0]),
        head_batch_norm=False,
        pretrain_img_size=g.inputs[search][2],
        extra={"name": path.stem},
    )
    model = build_tracker(config)
    sd = {k: v.clone() for k, v in model.state_dict().items()}

    def put(key: str, value: np.ndarray) -> None:
        if tuple(sd[key].shape) != tuple(value.shape):
            raise g.fail(
                f"{key} has shape {tuple(value.shape)}, the architecture needs {tuple(sd[key].shape)}"
            )
        sd[key] = _tensor(value)

    for stem_name, convs in (
        ("patch_embed", search_stem),
        ("patch_embed_z", template_stem if separate else []),
    ):
        for i, (weight, bias) in enumerate(convs):
            prefix = f"backbone.{stem_name}." + ("proj" if kind == "patch" else f"stem.{2 * i}")
            put(prefix + ".weight", weight)
            put(prefix + ".bias", bias)
    for key, value in {**named, **linear}.items():
        target = key if key.startswith("box_head.") else f"backbone.{key}"
        if target in sd:
            put(target, value)
    for name, (weight, bias) in head.items():
        put(f"box_head.{name}.0.weight", weight)
        put(f"box_head.{name}.0.bias", bias)
    pos_x = sd["backbone.pos_embed_x"]
    sd["backbone.pos_embed"] = torch.cat([sd["backbone.pos_embed"][:, :1], pos_x], dim=1)
    return ImportedTracker(config, sd, str(path))


def verify_import(imported: ImportedTracker, seed: int = 0) -> float:
    """Largest absolute difference between the file's score, size and offset maps (run by edgetrack's
    runtime) and the rebuilt model's, on a random input pair; raises EdgetrackError above PARITY_ATOL."""
    from edgetrack.runtime.backends import open_backend

    config = imported.config
    model = build_tracker(config)
    model.load_state_dict(imported.state_dict, strict=True)
    rng = np.random.default_rng(seed)
    template = rng.standard_normal((1, 3, config.template_size, config.template_size), dtype=np.float32)
    search = rng.standard_normal((1, 3, config.search_size, config.search_size), dtype=np.float32)
    reference = open_backend(imported.source, "onnxruntime", threads=1).run(template, search)
    with torch.no_grad():
        ours = TrackerMaps(model.eval())(torch.from_numpy(template), torch.from_numpy(search))
    worst = max(float(np.abs(a.numpy() - b).max()) for a, b in zip(ours, reference, strict=True))
    if worst > PARITY_ATOL:
        raise EdgetrackError(
            f"{imported.source}: the imported model differs from the file by {worst:.3g} (> {PARITY_ATOL:g})"
        )
    return worst


def load_onnx_weights(model: OSTrack, path: str | Path) -> ImportedTracker:
    """Initialise `model` from an exported tracker: every tensor must fit except the position
    embeddings, which are resized (bicubic) to the model's template and search grids."""
    from edgetrack.models.checkpoint import load_tracker_state
    from edgetrack.models.vit import resize_pos_embed_grid

    imported = import_onnx_tracker(path)
    verify_import(imported)
    sd = dict(imported.state_dict)
    source_cfg, backbone = imported.config, model.backbone
    for key, grid, target in (
        ("pos_embed_z", source_cfg.template_feat_size, model.config.template_feat_size),
        ("pos_embed_x", source_cfg.feat_size, model.config.feat_size),
        ("pos_embed", source_cfg.feat_size, backbone.pretrain_grid),
    ):
        value = sd[f"backbone.{key}"]
        if key == "pos_embed":
            value = torch.cat([value[:, :1], resize_pos_embed_grid(value[:, 1:], grid, target)], dim=1)
        elif grid != target:
            value = resize_pos_embed_grid(value, grid, target)
        sd[f"backbone.{key}"] = value
    load_tracker_state(model, sd, what=str(path))
    return imported
