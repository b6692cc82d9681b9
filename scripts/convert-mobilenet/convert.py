#!/usr/bin/env python3
"""
TF.js Keras layers model (model.json + weight shards) -> ONNX feature extractor, for the
MobileNetV2 of nsfwjs@4.4.0 (SPEC §6: image features for the FID-like metric). Written for that
model but layer-generic: only the layers the chosen output depends on are converted, each on its
own, and a layer class this file does not know stops the conversion with its name (nothing is
silently skipped).

The ONNX graph (opset 13):
  images   float32 [batch, H, W, 3]  RGB 0..255, NHWC (H, W from the Keras input layer: 224)
  features float32 [batch, C]        the output of --output-layer (default flatten_1: MobileNetV2's
                                     7x7 average-pooled last feature map, C = 1280)
Inside: images / --input-scale (nsfwjs divides by 255 before its model; the Keras graph expects
0..1), one Transpose to NCHW, then Conv/Clip/Add/AveragePool in NCHW. BatchNormalization
(inference: moving mean/variance) is folded into the preceding convolution's weights and bias in
float64; ZeroPadding2D is folded into the following convolution's pads.

Weights: nsfwjs ships them uint8-quantized (value = q * scale + min per tensor); they are
dequantized exactly as tfjs does (tfjs_artifact.read_weights) and stored as float32.

Usage: python3 convert.py MODEL_JSON OUT_ONNX [--output-layer flatten_1] [--input-scale 255]
Only needs numpy and onnx (Debian's python3-onnx 1.12).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# The TF.js artifact reader is shared with the CenterNet converter.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "convert-centernet"))
from tfjs_artifact import load_model_json, read_weights  # noqa: E402

OPSET = 13
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
INPUT_NAME = "images"
OUTPUT_NAME = "features"
BATCH = "batch"


class Converter:
    def __init__(self, model: dict, weights: dict[str, tuple[np.ndarray, bool]], output_layer: str, input_scale: float):
        config = model["modelTopology"]["model_config"]
        if config["class_name"] not in ("Model", "Functional"):
            raise NotImplementedError(f"model class {config['class_name']} (only functional Keras models)")
        self.layers = config["config"]["layers"]
        self.by_name = {layer["name"]: layer for layer in self.layers}
        if output_layer not in self.by_name:
            raise KeyError(f"no layer named {output_layer}")
        self.weights = {name: value for name, (value, _) in weights.items()}
        self.output_layer = output_layer
        self.input_scale = input_scale
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        # Keras layer name -> its ONNX output tensor; 4-D tensors are NCHW.
        self.values: dict[str, str] = {}
        # ZeroPadding2D not yet materialized: layer -> (source layer, [top, left, bottom, right]).
        self.pending_pad: dict[str, tuple[str, list[int]]] = {}
        self.counter = 0
        self.layer_classes: set[str] = set()
        self.used_weights: set[str] = set()
        self.needed = self._ancestors(output_layer)
        self.consumers = self._consumers()
        self.folded_bn: set[str] = set()

    # -- graph structure -----------------------------------------------------------------------
    @staticmethod
    def inbound(layer: dict) -> list[str]:
        nodes = layer.get("inbound_nodes", [])
        if len(nodes) > 1:
            raise NotImplementedError(f"{layer['name']}: layer called {len(nodes)} times (shared layers)")
        if not nodes:
            return []
        names = []
        for entry in nodes[0]:
            if entry[1] != 0 or entry[2] != 0:
                raise NotImplementedError(f"{layer['name']}: input {entry[:3]} (only node 0, tensor 0)")
            names.append(entry[0])
        return names

    def _ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.inbound(self.by_name[current]))
        return seen

    def _consumers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {name: [] for name in self.needed}
        for layer in self.layers:
            if layer["name"] in self.needed:
                for src in self.inbound(layer):
                    out[src].append(layer["name"])
        return out

    # -- emitting ------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}__{self.counter}"

    def emit(self, op: str, inputs: list[str], hint: str, **attrs) -> str:
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.fresh(f"{hint}/{op}"), **attrs))
        return out

    def const(self, array: np.ndarray, hint: str) -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, layer: str, key: str) -> np.ndarray:
        name = f"{layer}/{key}"
        if name not in self.weights:
            raise KeyError(f"weight {name} is not in the weights manifest")
        self.used_weights.add(name)
        return self.weights[name]

    def get(self, layer: str) -> str:
        """The ONNX tensor of a layer's output (materializes a pending zero padding)."""
        if layer in self.pending_pad:
            src, (top, left, bottom, right) = self.pending_pad.pop(layer)
            pads = self.const(np.array([0, 0, top, left, 0, 0, bottom, right], dtype=np.int64), "pads")
            self.values[layer] = self.emit("Pad", [self.get(src), pads], layer, mode="constant")
        return self.values[layer]

    # -- layers --------------------------------------------------------------------------------
    def convert(self) -> None:
        for layer in self.layers:
            name = layer["name"]
            if name not in self.needed or name in self.folded_bn:
                continue
            cls = layer["class_name"]
            handler = getattr(self, f"layer_{cls}", None)
            if handler is None:
                raise NotImplementedError(f"layer {name}: Keras class {cls} is not supported by this converter")
            self.layer_classes.add(cls)
            handler(layer, layer["config"], self.inbound(layer))

    def layer_InputLayer(self, layer: dict, config: dict, _inputs: list[str]) -> None:
        shape = config["batch_input_shape"]
        if len(shape) != 4 or shape[3] != 3 or not all(isinstance(d, int) for d in shape[1:]):
            raise NotImplementedError(f"input {layer['name']}: shape {shape} (needs [None, H, W, 3])")
        if config.get("dtype", "float32") != "float32":
            raise NotImplementedError(f"input {layer['name']}: dtype {config['dtype']}")
        self.input_hw = (shape[1], shape[2])
        self.inputs.append(helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [BATCH, shape[1], shape[2], 3]))
        scaled = self.emit("Div", [INPUT_NAME, self.const(np.array(self.input_scale, dtype=np.float32), "input_scale")], "scale")
        self.values[layer["name"]] = self.emit("Transpose", [scaled], "to_nchw", perm=NHWC_TO_NCHW)

    def layer_ZeroPadding2D(self, layer: dict, config: dict, inputs: list[str]) -> None:
        if config.get("data_format", "channels_last") != "channels_last":
            raise NotImplementedError(f"{layer['name']}: data_format {config['data_format']}")
        pad = config["padding"]
        if isinstance(pad, int):
            pad = [[pad, pad], [pad, pad]]
        (top, bottom), (left, right) = pad
        self.pending_pad[layer["name"]] = (inputs[0], [top, left, bottom, right])

    def _conv(self, layer: dict, config: dict, inputs: list[str], depthwise: bool) -> None:
        name = layer["name"]
        if config.get("data_format", "channels_last") != "channels_last":
            raise NotImplementedError(f"{name}: data_format {config['data_format']}")
        if depthwise:
            kernel = self.weight(name, "depthwise_kernel").astype(np.float64)  # [kh, kw, in, mult]
            kh, kw, cin, mult = kernel.shape
            w = kernel.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)  # out channel = c * mult + m
            group = cin
        else:
            kernel = self.weight(name, "kernel").astype(np.float64)  # [kh, kw, in, out]
            kh, kw = kernel.shape[:2]
            w = kernel.transpose(3, 2, 0, 1)
            group = 1
        bias = self.weight(name, "bias").astype(np.float64) if config.get("use_bias") else np.zeros(w.shape[0])

        # Fold a BatchNormalization that is this conv's only consumer.
        consumers = self.consumers[name]
        if len(consumers) == 1 and self.by_name[consumers[0]]["class_name"] == "BatchNormalization" and config["activation"] == "linear":
            bn = self.by_name[consumers[0]]
            scale, shift = self._bn_affine(bn)
            w = w * scale[:, None, None, None]
            bias = bias * scale + shift
            self.folded_bn.add(bn["name"])
            out_name = bn["name"]
        else:
            out_name = name

        src = inputs[0]
        pads = [0, 0, 0, 0]
        if src in self.pending_pad and config["padding"] == "valid" and len(self.consumers[src]) == 1:
            src, pads = self.pending_pad.pop(src)  # fold ZeroPadding2D into this conv's pads
        strides = config["strides"]
        dilations = config.get("dilation_rate", [1, 1])
        attrs = dict(kernel_shape=[kh, kw], strides=strides, dilations=dilations, group=group)
        if config["padding"] == "same":
            attrs["auto_pad"] = "SAME_UPPER"  # TF SAME: the odd extra pixel goes after (bottom/right)
        elif config["padding"] == "valid":
            attrs["pads"] = [pads[0], pads[1], pads[2], pads[3]]
        else:
            raise NotImplementedError(f"{name}: padding {config['padding']}")
        y = self.emit(
            "Conv",
            [self.get(src), self.const(w.astype(np.float32), f"{name}_W"), self.const(bias.astype(np.float32), f"{name}_B")],
            out_name,
            **attrs,
        )
        self.values[out_name] = self._activation(config["activation"], y, out_name)

    def layer_Conv2D(self, layer: dict, config: dict, inputs: list[str]) -> None:
        self._conv(layer, config, inputs, depthwise=False)

    def layer_DepthwiseConv2D(self, layer: dict, config: dict, inputs: list[str]) -> None:
        if config.get("depth_multiplier", 1) < 1:
            raise NotImplementedError(f"{layer['name']}: depth_multiplier {config['depth_multiplier']}")
        self._conv(layer, config, inputs, depthwise=True)

    def _bn_affine(self, bn: dict) -> tuple[np.ndarray, np.ndarray]:
        """Inference BatchNormalization as y = x * scale + shift, per channel, in float64."""
        config = bn["config"]
        axis = config.get("axis", -1)
        if axis not in (-1, 3, [3], [-1]):
            raise NotImplementedError(f"{bn['name']}: axis {axis}")
        name = bn["name"]
        mean = self.weight(name, "moving_mean").astype(np.float64)
        var = self.weight(name, "moving_variance").astype(np.float64)
        gamma = self.weight(name, "gamma").astype(np.float64) if config.get("scale", True) else np.ones_like(mean)
        beta = self.weight(name, "beta").astype(np.float64) if config.get("center", True) else np.zeros_like(mean)
        scale = gamma / np.sqrt(var + float(config["epsilon"]))
        return scale, beta - mean * scale

    def layer_BatchNormalization(self, layer: dict, _config: dict, inputs: list[str]) -> None:
        """A batch norm not folded into a conv (not in MobileNetV2): per-channel Mul + Add on NCHW."""
        if self.by_name[inputs[0]]["class_name"] in ("Flatten", "GlobalAveragePooling2D", "Dense"):
            raise NotImplementedError(f"{layer['name']}: BatchNormalization on a 2-D tensor")
        scale, shift = self._bn_affine(layer)
        x = self.get(inputs[0])
        y = self.emit("Mul", [x, self.const(scale.astype(np.float32).reshape(1, -1, 1, 1), "bn_scale")], layer["name"])
        self.values[layer["name"]] = self.emit("Add", [y, self.const(shift.astype(np.float32).reshape(1, -1, 1, 1), "bn_shift")], layer["name"])

    def _activation(self, activation: str, x: str, hint: str) -> str:
        if activation == "linear":
            return x
        if activation == "relu":
            return self.emit("Relu", [x], hint)
        raise NotImplementedError(f"{hint}: activation {activation}")

    def layer_ReLU(self, layer: dict, config: dict, inputs: list[str]) -> None:
        if float(config.get("negative_slope", 0) or 0) != 0 or float(config.get("threshold", 0) or 0) != 0:
            raise NotImplementedError(f"{layer['name']}: ReLU with negative_slope/threshold")
        x = self.get(inputs[0])
        max_value = config.get("max_value")
        if max_value is None:
            y = self.emit("Relu", [x], layer["name"])
        else:
            lo = self.const(np.array(0, dtype=np.float32), "relu_min")
            hi = self.const(np.array(max_value, dtype=np.float32), "relu_max")
            y = self.emit("Clip", [x, lo, hi], layer["name"])
        self.values[layer["name"]] = y

    def layer_Add(self, layer: dict, _config: dict, inputs: list[str]) -> None:
        y = self.get(inputs[0])
        for other in inputs[1:]:
            y = self.emit("Add", [y, self.get(other)], layer["name"])
        self.values[layer["name"]] = y

    def layer_AveragePooling2D(self, layer: dict, config: dict, inputs: list[str]) -> None:
        if config.get("padding") != "valid" or config.get("data_format", "channels_last") != "channels_last":
            raise NotImplementedError(f"{layer['name']}: padding {config.get('padding')} / {config.get('data_format')}")
        strides = config.get("strides") or config["pool_size"]
        self.values[layer["name"]] = self.emit(
            "AveragePool", [self.get(inputs[0])], layer["name"], kernel_shape=config["pool_size"], strides=strides
        )

    def layer_GlobalAveragePooling2D(self, layer: dict, _config: dict, inputs: list[str]) -> None:
        pooled = self.emit("GlobalAveragePool", [self.get(inputs[0])], layer["name"])
        self.values[layer["name"]] = self.emit("Flatten", [pooled], layer["name"], axis=1)

    def layer_Flatten(self, layer: dict, _config: dict, inputs: list[str]) -> None:
        # Keras flattens NHWC: go back to TF's layout first (a no-op reorder for 1x1 maps).
        nhwc = self.emit("Transpose", [self.get(inputs[0])], layer["name"], perm=NCHW_TO_NHWC)
        self.values[layer["name"]] = self.emit("Flatten", [nhwc], layer["name"], axis=1)

    def layer_Dropout(self, layer: dict, _config: dict, inputs: list[str]) -> None:
        self.values[layer["name"]] = self.get(inputs[0])  # inference: identity

    # -- model ---------------------------------------------------------------------------------
    def build(self, channels: int) -> onnx.ModelProto:
        self.convert()
        if self.pending_pad:
            raise NotImplementedError(f"zero padding never consumed: {sorted(self.pending_pad)}")
        out = self.values[self.output_layer]
        self.nodes.append(helper.make_node("Identity", [out], [OUTPUT_NAME], name=f"{OUTPUT_NAME}/Identity"))
        outputs = [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [BATCH, channels])]
        graph = helper.make_graph(self.nodes, "nsfwjs_mobilenet_v2_features", self.inputs, outputs, self.initializers)
        model = helper.make_model(graph, producer_name="boig-convert-mobilenet", opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 7  # onnxruntime reads any IR >= 3; 7 matches opset 13
        return model


def feature_channels(converter: Converter) -> int:
    """Channels of the output layer: walk back to the last layer with a kernel."""
    name = converter.output_layer
    while True:
        layer = converter.by_name[name]
        for key in ("kernel", "depthwise_kernel"):
            full = f"{name}/{key}"
            if full in converter.weights:
                shape = converter.weights[full].shape
                return int(shape[-1] if key == "kernel" else shape[2] * shape[3])
        inputs = converter.inbound(layer)
        if len(inputs) != 1:
            raise ValueError(f"cannot infer the channel count of {converter.output_layer}")
        name = inputs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model_json")
    parser.add_argument("out_onnx")
    parser.add_argument("--output-layer", default="flatten_1")
    parser.add_argument("--input-scale", type=float, default=255.0)
    args = parser.parse_args()
    try:
        model = load_model_json(args.model_json)
    except ValueError as error:
        sys.exit(str(error))
    weights = read_weights(model, os.path.dirname(os.path.abspath(args.model_json)))
    converter = Converter(model, weights, args.output_layer, args.input_scale)
    channels = feature_channels(converter)
    onnx_model = converter.build(channels)
    onnx.checker.check_model(onnx_model, full_check=True)
    onnx.save(onnx_model, args.out_onnx)
    print(json.dumps({
        "out": args.out_onnx,
        "bytes": os.path.getsize(args.out_onnx),
        "output_layer": args.output_layer,
        "features": channels,
        "input_hw": list(converter.input_hw),
        "keras_layers": sorted(converter.layer_classes),
        "bn_folded": len(converter.folded_bn),
        "onnx_ops": sorted({n.op_type for n in onnx_model.graph.node}),
        "onnx_nodes": len(onnx_model.graph.node),
        "parameters_used": int(sum(converter.weights[n].size for n in converter.used_weights)),
        "parameters_total": int(sum(w.size for w, _ in weights.values())),
    }))


if __name__ == "__main__":
    main()
