#!/usr/bin/env python3
"""
TF.js graph model (model.json + weight shards) -> ONNX, for the CenterNet-MobileNetV3 COCO detector
shipped in @vladmandic/human (SPEC §3.4 backend (b)). Written for that graph, but op-generic: every
op the graph uses is translated on its own, and an op this file does not know stops the conversion
with its name (nothing is silently skipped).

Layout: TF is NHWC, ONNX Conv/Pool/Resize are NCHW. Each TF tensor may exist in either layout; a
Transpose is inserted only where a consumer needs the other one (the image input, and the raw heads
before the in-graph decoding, which stays NHWC as in TF). The ONNX model keeps TF's signature:
  images     float32 [1, 512, 512, 3]  RGB, 0..255, NHWC (what human feeds after its bilinear resize)
  keypoints  float32 [1, 128, 128, 80] class heatmap after sigmoid
  wh         float32 [1, 128, 128, 4]  distances (input pixels) from the cell center to left/top/right/bottom
  detections float32 [1, 100, 6]       top-100 heatmap peaks: x1, y1, x2, y2 (input pixels), score, class id

Weights: the shards are float16-quantized (weightsManifest quantization.dtype = float16). Large
tensors stay float16 in the ONNX file behind a Cast (exact, folded by onnxruntime at load; halves
the file); small ones are stored as float32. Both equal what tfjs dequantizes to, bit for bit.

Usage: python3 convert.py MODEL_JSON OUT_ONNX
Only needs numpy and onnx (Debian's python3-onnx 1.12).
"""
from __future__ import annotations

import base64
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tfjs_artifact import load_model_json, read_weights

OPSET = 13
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]
AXIS_NHWC_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}
FP16_MIN_ELEMENTS = 64  # tensors at least this big are stored as float16 + Cast

TF_DTYPES = {
    "DT_FLOAT": TensorProto.FLOAT,
    "DT_INT32": TensorProto.INT32,
    "DT_INT64": TensorProto.INT64,
    "DT_BOOL": TensorProto.BOOL,
}

# Graph inputs/outputs get short names; the TF names stay in the node names for tracing.
SIGNATURE_NAMES = {
    "tower_0/images": "images",
    "tower_0/keypoints": "keypoints",
    "tower_0/wh": "wh",
    "tower_0/detections": "detections",
}


# ---------------------------------------------------------------------------------------------
# Reading the TF.js artifact: tfjs_artifact.py (shared with scripts/convert-mobilenet/convert.py)
# ---------------------------------------------------------------------------------------------

def attr_ints(node: dict, key: str) -> list[int]:
    return [int(v) for v in node.get("attr", {}).get(key, {}).get("list", {}).get("i", [])]


def attr_str(node: dict, key: str, default: str = "") -> str:
    value = node.get("attr", {}).get(key, {}).get("s")
    return base64.b64decode(value).decode() if value is not None else default


def attr_strs(node: dict, key: str) -> list[str]:
    return [base64.b64decode(v).decode() for v in node.get("attr", {}).get(key, {}).get("list", {}).get("s", [])]


def attr_int(node: dict, key: str, default: int = 0) -> int:
    return int(node.get("attr", {}).get(key, {}).get("i", default))


def attr_bool(node: dict, key: str, default: bool = False) -> bool:
    return bool(node.get("attr", {}).get(key, {}).get("b", default))


def attr_type(node: dict, key: str) -> str:
    return node.get("attr", {}).get(key, {}).get("type", "DT_FLOAT")


# ---------------------------------------------------------------------------------------------
# The converter
# ---------------------------------------------------------------------------------------------

class Converter:
    def __init__(self, model: dict, weights: dict[str, tuple[np.ndarray, bool]]):
        self.model = model
        self.weights = weights
        self.nodes_by_name = {n["name"]: n for n in model["modelTopology"]["node"]}
        self.onnx_nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        # TF tensor name -> {"nhwc"|"nchw": onnx tensor name}. Non-4D tensors are stored as "nhwc"
        # (meaning: TF's own layout).
        self.values: dict[str, dict[str, str]] = {}
        self.counter = 0
        self.ops_used: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}__{self.counter}"

    def emit(self, op: str, inputs: list[str], hint: str, n_out: int = 1, **attrs) -> list[str]:
        outs = [self.fresh(hint) for _ in range(n_out)]
        self.onnx_nodes.append(helper.make_node(op, inputs, outs, name=self.fresh(hint + "/" + op), **attrs))
        return outs

    def initializer(self, array: np.ndarray, hint: str, keep_fp16: bool = False) -> str:
        """Adds a constant; float16 arrays become float16 initializer + Cast to float32 when large."""
        name = self.fresh(hint)
        if array.dtype == np.float16:
            if keep_fp16 and array.size >= FP16_MIN_ELEMENTS:
                self.initializers.append(numpy_helper.from_array(array, name + "_fp16"))
                self.onnx_nodes.append(
                    helper.make_node("Cast", [name + "_fp16"], [name], name=name + "/Cast", to=TensorProto.FLOAT)
                )
                return name
            array = array.astype(np.float32)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def const_value(self, tf_name: str) -> np.ndarray | None:
        node = self.nodes_by_name.get(tf_name.split(":")[0])
        if node is None or node["op"] != "Const":
            return None
        if tf_name not in self.weights:
            raise KeyError(f"Const {tf_name} has no weight in the manifest")
        return self.weights[tf_name][0]

    def const_f32(self, tf_name: str) -> np.ndarray:
        value = self.const_value(tf_name)
        if value is None:
            raise ValueError(f"{tf_name} must be a constant")
        return value

    def is_4d_nchw(self, tf_name: str) -> bool:
        return "nchw" in self.values.get(tf_name, {})

    def get(self, tf_name: str, layout: str) -> str:
        """The ONNX name of a TF tensor in `layout` ("nchw" for 4-D tensors, "nhwc" = TF's own)."""
        if tf_name.startswith("^"):
            raise ValueError(f"control input {tf_name} not supported")
        key = tf_name if ":" in tf_name else tf_name + ":0"
        key = key[:-2] if key.endswith(":0") else key
        if key not in self.values:
            value = self.const_value(key)
            if value is None:
                raise KeyError(f"tensor {key} is used before it is produced")
            # A constant used as a tensor operand, in TF layout (a 4-D one is transposed on demand).
            self.values[key] = {"nhwc": self.initializer(value, key.replace("/", "_"), keep_fp16=True)}
        forms = self.values[key]
        if layout in forms:
            return forms[layout]
        source_layout, source = next(iter(forms.items()))
        perm = NHWC_TO_NCHW if layout == "nchw" else NCHW_TO_NHWC
        (converted,) = self.emit("Transpose", [source], key.replace("/", "_") + "_" + layout, perm=perm)
        forms[layout] = converted
        return converted

    def set(self, tf_name: str, onnx_name: str, layout: str) -> None:
        self.values[tf_name] = {layout: onnx_name}

    def i64(self, values, hint: str) -> str:
        return self.initializer(np.asarray(values, dtype=np.int64), hint)

    # -- ops -----------------------------------------------------------------------------------
    def convert(self) -> None:
        for node in self.model["modelTopology"]["node"]:
            op = node["op"]
            if op == "Const":
                continue  # materialized lazily where used
            self.ops_used.add(op)
            handler = getattr(self, "op_" + op.lstrip("_"), None)
            if handler is None:
                raise NotImplementedError(f"TF op {op} (node {node['name']}) is not supported by this converter")
            handler(node)

    def op_Placeholder(self, node: dict) -> None:
        dims = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
        dims = [d if d >= 0 else "batch" for d in dims]
        name = SIGNATURE_NAMES.get(node["name"], node["name"])
        elem = TF_DTYPES[attr_type(node, "dtype")]
        self.inputs.append(helper.make_tensor_value_info(name, elem, dims))
        self.set(node["name"], name, "nhwc")

    def _conv(self, node: dict, depthwise: bool) -> None:
        if attr_str(node, "data_format", "NHWC") != "NHWC":
            raise NotImplementedError(f"{node['name']}: data_format {attr_str(node, 'data_format')}")
        inputs = node["input"]
        x = self.get(inputs[0], "nchw")
        weight = self.const_f32(inputs[1])
        kh, kw, cin, cout_or_mult = weight.shape
        if depthwise:
            onnx_w = weight.reshape(kh, kw, cin * cout_or_mult).transpose(2, 0, 1)[:, None, :, :]
            group = cin
        else:
            onnx_w = weight.transpose(3, 2, 0, 1)
            group = 1
        conv_inputs = [x, self.initializer(np.ascontiguousarray(onnx_w), node["name"].replace("/", "_") + "_W", keep_fp16=True)]
        fused = attr_strs(node, "fused_ops")
        if fused and fused[0] == "BiasAdd":
            if attr_int(node, "num_args", 1) != 1:
                raise NotImplementedError(f"{node['name']}: num_args {attr_int(node, 'num_args')}")
            conv_inputs.append(self.initializer(self.const_f32(inputs[2]), node["name"].replace("/", "_") + "_B", keep_fp16=True))
            fused = fused[1:]
        elif fused:
            raise NotImplementedError(f"{node['name']}: fused_ops {fused}")
        strides = attr_ints(node, "strides") or [1, 1, 1, 1]
        dilations = attr_ints(node, "dilations") or [1, 1, 1, 1]
        padding = attr_str(node, "padding", "VALID")
        attrs = dict(kernel_shape=[kh, kw], strides=strides[1:3], dilations=dilations[1:3], group=group)
        if padding == "SAME" and (kh > 1 or kw > 1 or strides[1] > 1 or strides[2] > 1):
            attrs["auto_pad"] = "SAME_UPPER"  # TF SAME: the odd extra pixel goes after (bottom/right)
        elif padding in ("SAME", "VALID"):
            attrs["pads"] = [0, 0, 0, 0]
        else:
            raise NotImplementedError(f"{node['name']}: padding {padding}")
        (y,) = self.emit("Conv", conv_inputs, node["name"], **attrs)
        for fused_op in fused:
            y = self._activation(fused_op, y, node["name"])
        self.set(node["name"], y, "nchw")

    def _activation(self, op: str, x: str, hint: str) -> str:
        if op == "Relu":
            return self.emit("Relu", [x], hint)[0]
        if op == "Relu6":
            return self.emit("Clip", [x, self.initializer(np.float32(0), "zero"), self.initializer(np.float32(6), "six")], hint)[0]
        if op == "Sigmoid":
            return self.emit("Sigmoid", [x], hint)[0]
        raise NotImplementedError(f"{hint}: fused activation {op}")

    def op_FusedConv2D(self, node: dict) -> None:
        self._conv(node, depthwise=False)

    def op_Conv2D(self, node: dict) -> None:
        self._conv(node, depthwise=False)

    def op_DepthwiseConv2dNative(self, node: dict) -> None:
        self._conv(node, depthwise=True)

    def op_FusedDepthwiseConv2dNative(self, node: dict) -> None:
        self._conv(node, depthwise=True)

    def _unary(self, node: dict, op: str) -> None:
        src = node["input"][0]
        layout = "nchw" if self.is_4d_nchw(src) else "nhwc"
        y = self._activation(op, self.get(src, layout), node["name"])
        self.set(node["name"], y, layout)

    def op_Relu(self, node: dict) -> None:
        self._unary(node, "Relu")

    def op_Relu6(self, node: dict) -> None:
        self._unary(node, "Relu6")

    def op_Sigmoid(self, node: dict) -> None:
        self._unary(node, "Sigmoid")

    def op_Identity(self, node: dict) -> None:
        src = node["input"][0]
        key = src[:-2] if src.endswith(":0") else src
        if key not in self.values:
            self.get(key, "nhwc")
        self.values[node["name"]] = dict(self.values[key])

    def _binary(self, node: dict, op: str) -> None:
        a_name, b_name = node["input"][:2]
        consts = [self.const_value(a_name), self.const_value(b_name)]
        dynamic = [n for n, c in zip((a_name, b_name), consts) if c is None]
        # NCHW only when every dynamic operand is NCHW and every constant broadcasts the same in both
        # layouts (a scalar); otherwise work in TF's layout.
        use_nchw = bool(dynamic) and all(self.is_4d_nchw(n) for n in dynamic) and all(
            c is None or c.size == 1 for c in consts
        )
        layout = "nchw" if use_nchw else "nhwc"
        operands = []
        for name, const in zip((a_name, b_name), consts):
            if const is not None and const.size == 1 and use_nchw:
                operands.append(self.initializer(const.reshape(()), name.replace("/", "_")))
            else:
                operands.append(self.get(name, layout))
        (y,) = self.emit(op, operands, node["name"])
        self.set(node["name"], y, layout)

    def op_Add(self, node: dict) -> None:
        self._binary(node, "Add")

    def op_AddV2(self, node: dict) -> None:
        self._binary(node, "Add")

    def op_Mul(self, node: dict) -> None:
        self._binary(node, "Mul")

    def op_Sub(self, node: dict) -> None:
        self._binary(node, "Sub")

    def op_RealDiv(self, node: dict) -> None:
        self._binary(node, "Div")

    def op_Equal(self, node: dict) -> None:
        self._binary(node, "Equal")

    def op_FloorMod(self, node: dict) -> None:
        # ONNX Mod(fmod=0) takes the divisor's sign, as TF FloorMod does -- for integers only.
        if attr_type(node, "T") not in ("DT_INT32", "DT_INT64"):
            raise NotImplementedError(f"{node['name']}: FloorMod on {attr_type(node, 'T')}")
        a, b = (self.get(n, "nhwc") for n in node["input"][:2])
        (y,) = self.emit("Mod", [a, b], node["name"], fmod=0)
        self.set(node["name"], y, "nhwc")

    def op_FloorDiv(self, node: dict) -> None:
        a, b = (self.get(n, "nhwc") for n in node["input"][:2])
        hint = node["name"]
        if attr_type(node, "T") == "DT_FLOAT":
            (q,) = self.emit("Div", [a, b], hint)
            (y,) = self.emit("Floor", [q], hint)
        else:
            # ONNX integer Div truncates toward zero; TF FloorDiv rounds down. Subtract 1 where the
            # division was inexact and the operands have opposite signs.
            elem = TF_DTYPES[attr_type(node, "T")]
            np_dtype = np.int32 if elem == TensorProto.INT32 else np.int64
            zero = self.initializer(np.asarray(0, dtype=np_dtype), "zero_int")
            (q,) = self.emit("Div", [a, b], hint)
            (back,) = self.emit("Mul", [q, b], hint)
            (exact,) = self.emit("Equal", [back, a], hint)
            (inexact,) = self.emit("Not", [exact], hint)
            (a_neg,) = self.emit("Less", [a, zero], hint)
            (b_neg,) = self.emit("Less", [b, zero], hint)
            (signs_differ,) = self.emit("Xor", [a_neg, b_neg], hint)
            (adjust,) = self.emit("And", [inexact, signs_differ], hint)
            (adjust_int,) = self.emit("Cast", [adjust], hint, to=elem)
            (y,) = self.emit("Sub", [q, adjust_int], hint)
        self.set(node["name"], y, "nhwc")

    def op_Cast(self, node: dict) -> None:
        src = node["input"][0]
        layout = "nchw" if self.is_4d_nchw(src) else "nhwc"
        (y,) = self.emit("Cast", [self.get(src, layout)], node["name"], to=TF_DTYPES[attr_type(node, "DstT")])
        self.set(node["name"], y, layout)

    def op_Mean(self, node: dict) -> None:
        src, axes_name = node["input"][:2]
        axes = [int(a) for a in np.atleast_1d(self.const_f32(axes_name))]
        keep = attr_bool(node, "keep_dims")
        if keep and self.is_4d_nchw(src):
            onnx_axes = sorted(AXIS_NHWC_TO_NCHW[a % 4] for a in axes)
            (y,) = self.emit("ReduceMean", [self.get(src, "nchw")], node["name"], axes=onnx_axes, keepdims=1)
            self.set(node["name"], y, "nchw")
        else:
            (y,) = self.emit("ReduceMean", [self.get(src, "nhwc")], node["name"], axes=axes, keepdims=int(keep))
            self.set(node["name"], y, "nhwc")

    def op_ConcatV2(self, node: dict) -> None:
        n = attr_int(node, "N", len(node["input"]) - 1)
        parts, axis_name = node["input"][:n], node["input"][n]
        axis = int(self.const_f32(axis_name))
        if all(self.is_4d_nchw(p) for p in parts):
            (y,) = self.emit("Concat", [self.get(p, "nchw") for p in parts], node["name"], axis=AXIS_NHWC_TO_NCHW[axis % 4])
            self.set(node["name"], y, "nchw")
        else:
            (y,) = self.emit("Concat", [self.get(p, "nhwc") for p in parts], node["name"], axis=axis)
            self.set(node["name"], y, "nhwc")

    def _resize(self, node: dict, mode: str) -> None:
        src, size_name = node["input"][:2]
        size = [int(s) for s in self.const_f32(size_name)]
        align = attr_bool(node, "align_corners")
        half = attr_bool(node, "half_pixel_centers")
        attrs: dict = {"mode": mode}
        if mode == "linear":
            attrs["coordinate_transformation_mode"] = "align_corners" if align else ("half_pixel" if half else "asymmetric")
        else:
            if align or half:
                raise NotImplementedError(f"{node['name']}: nearest resize with align_corners/half_pixel_centers")
            attrs.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        x = self.get(src, "nchw")
        hint = node["name"]
        # Opset 13 Resize wants the full output shape: N and C from the input, H and W from TF.
        (shape,) = self.emit("Shape", [x], hint)
        (nc,) = self.emit("Slice", [shape, self.i64([0], "s0"), self.i64([2], "s2")], hint)
        (sizes,) = self.emit("Concat", [nc, self.i64(size, "hw")], hint, axis=0)
        empty = self.initializer(np.zeros((0,), dtype=np.float32), "empty")
        (y,) = self.emit("Resize", [x, empty, empty, sizes], hint, **attrs)
        self.set(node["name"], y, "nchw")

    def op_ResizeBilinear(self, node: dict) -> None:
        self._resize(node, "linear")

    def op_ResizeNearestNeighbor(self, node: dict) -> None:
        self._resize(node, "nearest")

    def op_MaxPool(self, node: dict) -> None:
        ksize = attr_ints(node, "ksize")
        strides = attr_ints(node, "strides")
        padding = attr_str(node, "padding")
        attrs = dict(kernel_shape=ksize[1:3], strides=strides[1:3])
        attrs["auto_pad"] = "SAME_UPPER" if padding == "SAME" else "VALID"
        (y,) = self.emit("MaxPool", [self.get(node["input"][0], "nchw")], node["name"], **attrs)
        self.set(node["name"], y, "nchw")

    def op_Reshape(self, node: dict) -> None:
        shape = self.const_f32(node["input"][1]).astype(np.int64)
        (y,) = self.emit("Reshape", [self.get(node["input"][0], "nhwc"), self.i64(shape, "shape")], node["name"])
        self.set(node["name"], y, "nhwc")

    def op_ExpandDims(self, node: dict) -> None:
        axis = int(self.const_f32(node["input"][1]))
        (y,) = self.emit("Unsqueeze", [self.get(node["input"][0], "nhwc"), self.i64([axis], "axes")], node["name"])
        self.set(node["name"], y, "nhwc")

    def op_TopKV2(self, node: dict) -> None:
        k = int(self.const_f32(node["input"][1]))
        if not attr_bool(node, "sorted", True):
            raise NotImplementedError(f"{node['name']}: unsorted TopK")
        values, indices = self.emit(
            "TopK", [self.get(node["input"][0], "nhwc"), self.i64([k], "k")], node["name"], n_out=2, axis=-1, largest=1, sorted=1
        )
        (indices32,) = self.emit("Cast", [indices], node["name"], to=TensorProto.INT32)  # TF returns int32
        self.set(node["name"], values, "nhwc")
        self.set(node["name"] + ":1", indices32, "nhwc")

    def op_GatherV2(self, node: dict) -> None:
        if attr_int(node, "batch_dims") != 0:
            raise NotImplementedError(f"{node['name']}: batch_dims")
        params, indices, axis_name = node["input"][:3]
        axis = int(self.const_f32(axis_name))
        (y,) = self.emit("Gather", [self.get(params, "nhwc"), self.get(indices, "nhwc")], node["name"], axis=axis)
        self.set(node["name"], y, "nhwc")

    def op_StridedSlice(self, node: dict) -> None:
        for mask in ("ellipsis_mask", "new_axis_mask"):
            if attr_int(node, mask):
                raise NotImplementedError(f"{node['name']}: {mask}")
        begin = self.const_f32(node["input"][1]).astype(np.int64)
        end = self.const_f32(node["input"][2]).astype(np.int64)
        steps = self.const_f32(node["input"][3]).astype(np.int64)
        begin_mask, end_mask, shrink = attr_int(node, "begin_mask"), attr_int(node, "end_mask"), attr_int(node, "shrink_axis_mask")
        big = np.iinfo(np.int64).max
        starts, ends = [], []
        for i in range(len(begin)):
            forward = steps[i] > 0
            starts.append((0 if forward else big) if begin_mask >> i & 1 else int(begin[i]))
            if shrink >> i & 1:
                ends.append(int(begin[i]) + 1 if begin[i] != -1 else big)
            else:
                ends.append((big if forward else -big) if end_mask >> i & 1 else int(end[i]))
        axes = list(range(len(begin)))
        (y,) = self.emit(
            "Slice",
            [self.get(node["input"][0], "nhwc"), self.i64(starts, "starts"), self.i64(ends, "ends"), self.i64(axes, "axes"), self.i64(steps, "steps")],
            node["name"],
        )
        if shrink:
            squeeze = [i for i in range(len(begin)) if shrink >> i & 1]
            (y,) = self.emit("Squeeze", [y, self.i64(squeeze, "axes")], node["name"])
        self.set(node["name"], y, "nhwc")

    # -- model ---------------------------------------------------------------------------------
    def build(self) -> onnx.ModelProto:
        self.convert()
        outputs = []
        signature = self.model.get("signature", {}).get("outputs", {})
        for tf_name, spec in signature.items():
            name = SIGNATURE_NAMES.get(tf_name, tf_name)
            self.onnx_nodes.append(helper.make_node("Identity", [self.get(tf_name, "nhwc")], [name], name=name + "/Identity"))
            dims = [int(d["size"]) for d in spec["tensorShape"]["dim"]]
            outputs.append(helper.make_tensor_value_info(name, TF_DTYPES[spec["dtype"]], dims))
        order = {"keypoints": 0, "wh": 1, "detections": 2}
        outputs.sort(key=lambda o: order.get(o.name, 99))
        graph = helper.make_graph(self.onnx_nodes, "centernet_mobilenetv3_coco", self.inputs, outputs, self.initializers)
        model = helper.make_model(
            graph,
            producer_name="boig-convert-centernet",
            opset_imports=[helper.make_opsetid("", OPSET)],
        )
        model.ir_version = 7  # onnxruntime reads any IR >= 3; 7 matches opset 13
        return model


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: convert.py MODEL_JSON OUT_ONNX")
    model_json, out_path = sys.argv[1], sys.argv[2]
    try:
        model = load_model_json(model_json, "graph-model")
    except ValueError as error:
        sys.exit(str(error))
    weights = read_weights(model, os.path.dirname(os.path.abspath(model_json)))
    converter = Converter(model, weights)
    onnx_model = converter.build()
    onnx.checker.check_model(onnx_model, full_check=True)
    onnx.save(onnx_model, out_path)
    ops = sorted(converter.ops_used)
    onnx_ops = sorted({n.op_type for n in onnx_model.graph.node})
    print(json.dumps({
        "out": out_path,
        "bytes": os.path.getsize(out_path),
        "tf_ops": ops,
        "onnx_ops": onnx_ops,
        "onnx_nodes": len(onnx_model.graph.node),
        "parameters": int(sum(w.size for w, _ in weights.values())),
    }))


if __name__ == "__main__":
    main()
