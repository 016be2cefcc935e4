#!/usr/bin/env bash
# The built-in tracker in every precision edgetrack writes, checked against its own fp32 file: int8
# (onnxruntime QDQ and NNCF IR, calibrated on the training corpus, never on the evaluation sequences)
# and fp16 IR. `--verify` tracks the three shared evaluation sequences closed-loop with the fp32 ONNX
# and with the export (mean box IoU of the two trackers per sequence: OUT/verify_*.txt), then
# `edgetrack bench` times all of them in one run (OUT/bench.json).
#   benchmarks/builtin_precisions.sh [MODEL] [OUT]
set -euo pipefail
EDGETRACK=${EDGETRACK:-edgetrack}
SHARED=${SHARED:-../shared}
MODEL=${1:-models/builtin/edgetrack_builtin.onnx}
OUT=${2:-runs/builtin/precisions}
EVAL=$SHARED/fixtures/sequences
CALIB=$SHARED/datasets/public-real/train
mkdir -p "$OUT"

export_one() {  # NAME FORMAT PRECISION
    $EDGETRACK export "$MODEL" --format "$2" --precision "$3" --calib "$CALIB" --verify-source "$EVAL" \
        --threads 1 -o "$OUT/$1" | tee "$OUT/verify_${1%.*}_$2.txt"
}
export_one int8.onnx onnx int8
export_one int8.xml openvino int8
export_one fp16.xml openvino fp16
$EDGETRACK bench "$MODEL" "$OUT/int8.onnx" "$OUT/int8.xml" "$OUT/fp16.xml" --precisions fp32,fp16,int8 \
    --threads 1 --source "$EVAL" --runs 50 --json "$OUT/bench.json"
