"""Weight averaging ("model soup", Wortsman et al. 2022): the uniform mean of the weights of several
training checkpoints of one architecture that were fine-tuned from the same start (different seeds, data
mixes or epochs), which stay in one basin of the loss, so their average is a model of that basin, at no
cost at run time. With weights, the same gives a weighted mean, e.g. WiSE-FT's interpolation between a
model and its fine-tuned self, (1 - a) * start + a * fine-tuned. Whether either beats its members is
measured, not assumed: for the built-in tracker neither did (docs/distill.md)."""

from __future__ import annotations

from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.train.evaluate import read_trained_state
from edgetrack.train.trainer import atomic_save


def _normalised(weights: list[float] | None, count: int) -> list[float]:
    """The members' weights scaled to sum to 1 (uniform without weights); one-line errors for bad ones."""
    if weights is None:
        return [1.0 / count] * count
    if len(weights) != count:
        raise EdgetrackError(f"{len(weights)} weights for {count} checkpoints: give one per checkpoint")
    if any(not w >= 0 for w in weights) or sum(weights) <= 0:
        raise EdgetrackError(f"weights must be non-negative and not all zero, got {weights}")
    return [w / sum(weights) for w in weights]


def average_checkpoints(paths: list[Path | str], weights: list[float] | None = None) -> dict:
    """A checkpoint whose 'net' is the mean of the members' 'net' weights, uniform or weighted by
    `weights` (scaled to sum to 1) (float tensors; integer buffers are taken from the first member). The
    members must share 'model_config' and tensor shapes."""
    if not paths:
        raise EdgetrackError("nothing to average: no checkpoint given")
    paths = [Path(p) for p in paths]
    shares = _normalised(weights, len(paths))
    first = read_trained_state(paths[0])
    first_net = first["net"]
    total = {n: t.double() * shares[0] if t.is_floating_point() else t.clone() for n, t in first_net.items()}
    for path, share in zip(paths[1:], shares[1:], strict=True):
        state = read_trained_state(path)
        if state["model_config"] != first["model_config"]:
            raise EdgetrackError(f"{path} has another architecture than {paths[0]}: cannot average them")
        if state["net"].keys() != total.keys():
            raise EdgetrackError(f"{path} has other weights than {paths[0]}: cannot average them")
        for name, tensor in state["net"].items():
            if tensor.shape != total[name].shape:
                raise EdgetrackError(f"{path}: {name} is {tuple(tensor.shape)}, {paths[0]} has "
                                     f"{tuple(total[name].shape)}: cannot average them")  # fmt: skip
            if tensor.is_floating_point():
                total[name] += tensor.double() * share
    return {
        "net": {n: t.to(first_net[n].dtype) if t.is_floating_point() else t for n, t in total.items()},
        "model_config": first["model_config"],
        "config": first.get("config", {}),
        "net_type": first.get("net_type", "OSTrack"),
        "averaged_from": [str(p) for p in paths],
        "average_weights": shares,
    }


def write_average(paths: list[Path | str], out: Path | str, weights: list[float] | None = None) -> Path:
    """Average `paths` (average_checkpoints) and save the result to `out` atomically."""
    atomic_save(average_checkpoints(paths, weights), Path(out))
    return Path(out)
