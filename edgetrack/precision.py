"""One set of precision names for every verb: fp32, fp16, bf16, int8 (f32 and f16 are accepted too)."""

from __future__ import annotations

from edgetrack.errors import EdgetrackError

PRECISIONS = ("fp32", "fp16", "bf16", "int8")
ALIASES = {"f32": "fp32", "f16": "fp16", "float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}
# what a runtime precision asks of the inference library (OpenVINO's INFERENCE_PRECISION_HINT values)
RUNTIME_HINTS = {"fp32": "f32", "fp16": "f16", "bf16": "bf16"}


def canonical_precision(name: str) -> str:
    """`name` as one of PRECISIONS (aliases mapped); anything else is an EdgetrackError."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PRECISIONS:
        raise EdgetrackError(f"unknown precision {name!r}: use one of {', '.join(PRECISIONS)}")
    return key


def runtime_hint(name: str) -> str:
    """The inference precision to run a model file at: f32, f16 or bf16. int8 is a property of the model
    file (`edgetrack export --precision int8`), not a runtime setting."""
    key = canonical_precision(name)
    if key == "int8":
        raise EdgetrackError("int8 is a model file, not a runtime precision: export it with "
                             "`edgetrack export --precision int8` and run that file (at fp32)")  # fmt: skip
    return RUNTIME_HINTS[key]
