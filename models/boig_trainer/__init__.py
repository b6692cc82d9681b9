"""BOIG Studio trainer: trains small PyTorch models, checkpoints them, exports ONNX artifacts,
and reports progress as JSON lines on stdout (see models/README.md for the protocol)."""
