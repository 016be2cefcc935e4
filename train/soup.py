"""Weight averaging ("model soup", Wortsman et al. 2022): the uniform mean of the weights of several
training checkpoints of one architecture that were fine-tuned from the same start (different seeds, data
mixes or epochs), which stay in one basin of the loss, so their average is a model of that basin, at no
cost at run time. Whether it beats its members is measured, not assumed: for the built-in tracker it did
not (docs/distill.md)."""

from __future__ import annotations

from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.train.evaluate import read_trained_state
from edgetrack.train.trainer import atomic_save


def average_checkpoints(paths: list[Path | str]) -> dict:
    """A checkpoint whose 'net' is the uniform mean of the members' 'net' weights (float tensors; integer
    buffers are taken from the first member). The members must share 'model_config' and tensor shapes."""
    if not paths:
        raise EdgetrackError("nothing to average: no checkpoint given")
    paths = [Path(p) for p in paths]
    first = read_trained_state(paths[0])
    total = {name: t.double() if t.is_floating_point() else t.clone() for name, t in first["net"].items()}
    for path in paths[1:]:
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
                total[name] += tensor.double()
    net = {
        name: (t / len(paths)).to(first["net"][name].dtype) if t.is_floating_point() else t
        for name, t in total.items()
    }
    return {
        "net": net,
        "model_config": first["model_config"],
        "config": first.get("config", {}),
        "net_type": first.get("net_type", "OSTrack"),
        "averaged_from": [str(p) for p in paths],
    }


def write_average(paths: list[Path | str], out: Path | str) -> Path:
    """Average `paths` (average_checkpoints) and save the result to `out` atomically."""
    atomic_save(average_checkpoints(paths), Path(out))
    return Path(out)
