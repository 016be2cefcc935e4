"""Export-friendliness: candidate elimination exports with static shapes and onnxruntime agrees."""

from __future__ import annotations

import warnings

import numpy as np
import onnxruntime as ort
import pytest
import torch

from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import TrackerMaps, build_tracker

pytestmark = pytest.mark.usefixtures("single_torch_thread")


@pytest.mark.parametrize("ce_range", ["CTR_POINT", "ALL"])
def test_onnx_export_with_ce_matches_torch(tmp_path, ce_range):
    cfg = TrackerConfig(
        embed_dim=32, depth=3, num_heads=2, template_size=64, search_size=128, head_channels=16,
        ce_loc=(0, 2), ce_keep_ratio=(0.6, 0.5), ce_template_range=ce_range,
    )  # fmt: skip
    torch.manual_seed(0)
    model = build_tracker(cfg).eval()
    wrapper = TrackerMaps(model).eval()
    template, search = torch.randn(1, 3, 64, 64), torch.randn(1, 3, 128, 128)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapper, (template, search), str(tmp_path / "m.onnx"), input_names=["template", "search"],
            output_names=["score", "size", "offset"], opset_version=17, dynamo=False,
        )  # fmt: skip
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    # Other inputs than the traced ones: the kept tokens differ, shapes must not.
    for seed in (1, 2):
        torch.manual_seed(seed)
        template, search = torch.randn(1, 3, 64, 64), torch.randn(1, 3, 128, 128)
        with torch.no_grad():
            expected = wrapper(template, search)
        got = session.run(None, {"template": template.numpy(), "search": search.numpy()})
        for want, have in zip(expected, got, strict=True):
            np.testing.assert_allclose(have, want.numpy(), atol=1e-4, rtol=0)
