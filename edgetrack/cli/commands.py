"""Registers each verb on the app. One line per verb module; keep this list sorted."""

from edgetrack import __version__
from edgetrack.cli import app
from edgetrack.cli.average import average
from edgetrack.cli.bench import bench
from edgetrack.cli.command import EdgetrackCommand
from edgetrack.cli.demo import demo
from edgetrack.cli.distill import distill_command
from edgetrack.cli.eval import eval_command
from edgetrack.cli.export import export
from edgetrack.cli.info import info
from edgetrack.cli.pseudolabel import pseudo_label
from edgetrack.cli.synth import synth
from edgetrack.cli.track import track
from edgetrack.cli.train import train_command

app.command(cls=EdgetrackCommand)(average)
app.command(cls=EdgetrackCommand)(bench)
app.command(cls=EdgetrackCommand)(demo)
app.command(name="distill", cls=EdgetrackCommand)(distill_command)
app.command(name="eval", cls=EdgetrackCommand)(eval_command)
app.command(cls=EdgetrackCommand)(export)
app.command(cls=EdgetrackCommand)(info)
app.command(name="pseudo-label", cls=EdgetrackCommand)(pseudo_label)
app.command(cls=EdgetrackCommand)(synth)
app.command(cls=EdgetrackCommand)(track)
app.command(name="train", cls=EdgetrackCommand)(train_command)


@app.command(cls=EdgetrackCommand)
def version() -> None:
    """Print edgetrack's version and its runtime libraries'."""
    import cv2
    import numpy
    import onnxruntime
    import openvino

    print(
        f"edgetrack {__version__}  numpy {numpy.__version__}  opencv {cv2.__version__}  "
        f"onnxruntime {onnxruntime.__version__}  openvino {openvino.__version__}"
    )
