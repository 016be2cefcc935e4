"""Deployment: export to ONNX / OpenVINO IR, post-training int8 quantisation, parity verification."""
