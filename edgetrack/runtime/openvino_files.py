"""Model files read with OpenVINO through the frontend of their own format only.

`openvino.Core.read_model` offers a file that its format's frontend refuses (a truncated .onnx, say)
to every other frontend; the TensorFlow one then prints its parser's complaints on stderr, ahead of
edgetrack's one-line error. Reading .onnx with the ONNX frontend and .xml with the IR one keeps them
quiet and leaves the format's own reason in the exception.
"""

from __future__ import annotations

from pathlib import Path

FRONTENDS = {".onnx": "onnx", ".xml": "ir"}
_WHERE = ("Exception from src/", "Check '", "FrontEnd API failed")


def read_openvino_model(path: Path | str):
    """The openvino.Model in an .onnx or .xml file (the IR's .bin beside it); a RuntimeError that says
    what is wrong when the file does not read."""
    from openvino.frontend import FrontEndManager

    path = Path(path)
    framework = FRONTENDS.get(path.suffix.lower())
    if framework is None:
        raise RuntimeError(f"{path.name} is neither an ONNX (.onnx) nor an OpenVINO IR (.xml) file")
    frontend = FrontEndManager().load_by_framework(framework)
    try:
        return frontend.convert(frontend.load(str(path)))
    except Exception as exc:  # frontends raise GeneralFailure, OpConversionFailure and RuntimeError
        raise RuntimeError(openvino_reason(exc)) from exc


def openvino_reason(exc: Exception) -> str:
    """The line of an OpenVINO exception that says what is wrong, not where in OpenVINO's sources."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    said = [line for line in lines if not line.startswith(_WHERE)]
    return (said or lines or [type(exc).__name__])[0]
