"""The CPU's achievable multiply-accumulate rate, measured: the roofline that bench rows are read against.

A square GEMM (a 1 x N x N activation times an N x N weight) runs on OpenVINO's CPU plugin (oneDNN's
JIT kernels: AVX2 / AVX-512 / AMX as the CPU has them) at the given threads and precision; the best
of a few runs is the peak. int8 quantises both operands with FakeQuantize (u8 activations, i8
weights) so that the plugin runs an integer GEMM, as it does for an NNCF-quantised tracker.
"""

from __future__ import annotations

import time

import numpy as np

from edgetrack.precision import PRECISIONS, file_runtime_hint

GEMM_SIDE = 512
RUNS = 8
WARMUP = 2


def _gemm_model(side: int, int8: bool):
    import openvino as ov
    import openvino.opset13 as ops

    rng = np.random.default_rng(0)
    activation = ops.parameter([1, side, side], np.float32, name="a")
    weight = ops.constant(rng.standard_normal((side, side)).astype(np.float32))
    if int8:

        def bound(value: float):
            return ops.constant(np.float32(value))

        activation_q = ops.fake_quantize(activation, bound(0), bound(4), bound(0), bound(4), 256)
        weight_q = ops.fake_quantize(weight, bound(-4), bound(4), bound(-4), bound(4), 255)
        product = ops.matmul(activation_q, weight_q, False, True)
    else:
        product = ops.matmul(activation, weight, False, True)
    return ov.Model([product], [activation], "gemm")


def peak_gmacs(threads: int, precision: str, side: int = GEMM_SIDE) -> float:
    """Best GMAC/s of a side^3 GEMM on `threads` threads at `precision` (fp32, fp16, bf16, int8)."""
    import openvino as ov

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    config = {
        "INFERENCE_PRECISION_HINT": file_runtime_hint(precision),
        "INFERENCE_NUM_THREADS": threads,
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": 1,
    }
    compiled = ov.Core().compile_model(_gemm_model(side, precision == "int8"), "CPU", config)
    request = compiled.create_infer_request()
    activation = np.abs(np.random.default_rng(1).standard_normal((1, side, side))).astype(np.float32)
    best = float("inf")
    for i in range(WARMUP + RUNS):
        start = time.perf_counter()
        request.infer({0: activation}, share_inputs=True)
        if i >= WARMUP:
            best = min(best, time.perf_counter() - start)
    return side**3 / best / 1e9
