#!/usr/bin/env bash
# Exports a trained checkpoint (or an fp32 ONNX tracker) in every precision edgetrack writes and measures
# each one on the three real sequences of ../shared: `--verify` tracks them with the reference (the torch
# model, or the fp32 ONNX file) and with the export (mean IoU of the two trackers' boxes per sequence,
# printed and saved as OUT/verify_*.txt), then `edgetrack bench` times the reference and every export on
# the same frames, one run (OUT/bench.json).
#   benchmarks/export_precisions.sh CHECKPOINT_OR_ONNX OUT [CALIB]
# The built-in tracker, calibrated on its training corpus (docs/bench.md):
#   benchmarks/export_precisions.sh models/builtin/edgetrack_builtin.onnx runs/builtin/precisions \
#       ../shared/datasets/public-real/train
# CALIB (sequences with ground truth for the int8 calibration) defaults to the same real sequences; give
# other data to keep the check blind. Tens of minutes for a ViT-Tiny on a 2-core CPU.
set -euo pipefail
EDGETRACK=${EDGETRACK:-edgetrack}
SHARED=${SHARED:-../shared}
CHECKPOINT=$1
OUT=$2
SEQS=$SHARED/fixtures/sequences
CALIB=${3:-$SEQS}
mkdir -p "$OUT"

export_one() {  # NAME FORMAT PRECISION
    $EDGETRACK export "$CHECKPOINT" --format "$2" --precision "$3" --calib "$CALIB" --verify-source "$SEQS" \
        --threads 1 -o "$OUT/$1" | tee "$OUT/verify_${1%.*}_$2.txt"
}
export_one fp32.onnx onnx fp32
export_one int8.onnx onnx int8
export_one fp32.xml openvino fp32
export_one fp16.xml openvino fp16
export_one int8.xml openvino int8
$EDGETRACK bench "$CHECKPOINT" "$OUT/fp32.onnx" "$OUT/int8.onnx" "$OUT/fp32.xml" "$OUT/fp16.xml" "$OUT/int8.xml" \
    --precisions fp32,bf16,int8 --threads 1 --source "$SEQS" --runs 30 --json "$OUT/bench.json"
