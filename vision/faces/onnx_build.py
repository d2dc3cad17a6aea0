"""dlib's face embedding ResNet rebuilt as an ONNX graph, run by onnxruntime (MLAS convolutions, ~4x dlib-bin's).

The graph is built at first use from the pinned `.dat` (vision.faces.dlib_reader) into the model cache, next to the
file it came from, and only kept if it reproduces dlib's own embeddings of CHECK_CHIPS synthetic chips
(tests/vision/test_embedder_onnx.py checks real face chips). Nothing generated is ever in the repository.

    python -m vision.faces             # build (or verify) the cached graph now and print its path

The network (dlib's `dlib_face_recognition_resnet_model_v1`): conv 7×7/2 → max-pool 3×3/2 → residual blocks of
two 3×3 convs (32, 64, 128, 256, 256 channels; the first block of a level has a stride-2 first conv and no
padding, its shortcut is a 2×2/2 average pool) → global average → 128-d linear map. Each conv is followed by a
per-channel affine (a frozen batch norm), folded into the conv here. dlib adds tensors of different shapes by
zero-filling the smaller one at the end of each axis (more channels, and 3×3 + 4×4 in one level): Pad does that.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import vision.faces.onnx_proto as proto
from vision.faces.dlib_reader import WRAPPER_VERSION, DlibFormatError, DlibNet, Layer, read_dlib_net
from vision.models import ModelMissing, load_manifest, model_dir, model_path, sha256_of

if TYPE_CHECKING:
    import onnxruntime

MODEL_NAME = "dlib_face_embedder"
# Bump when the graph this module builds changes, so old cached graphs are not used.
CONVERTER_VERSION = "1"
OPSET = 17
INPUT = "chips"  # float32 (N, rows, cols, 3): RGB 0-255, as dlib.get_face_chip returns them
OUTPUT = "descriptors"  # float32 (N, 128), not normalised (as dlib's)
# A converted graph is refused unless, on each check chip, every component is this close to dlib's ...
MAX_ABS_DIFFERENCE = 1e-3
# ... and the cosine similarity to dlib's vector is at least this.
MIN_COSINE = 0.9999
CHECK_CHIPS = 4


class _Graph:
    """Collects nodes and initializers while tracking each value's (channels, rows, cols)."""

    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.initializers: list[bytes] = []
        self.shapes: dict[str, tuple[int, int, int]] = {}
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, array: np.ndarray) -> str:
        name = self.name(stem)
        self.initializers.append(proto.tensor(name, array))
        return name

    def op(
        self,
        op_type: str,
        inputs: Sequence[str],
        shape: tuple[int, int, int] | None,
        **attributes: int | float | Sequence[int],
    ) -> str:
        output = self.name(op_type.lower())
        self.nodes.append(proto.node(op_type, inputs, [output], output, **attributes))
        if shape is not None:
            self.shapes[output] = shape
        return output


def _pooled_side(side: int, window: int, stride: int, padding: int) -> int:
    return (side + 2 * padding - window) // stride + 1


def _zero_fill(graph: _Graph, value: str, shape: tuple[int, int, int]) -> str:
    """`value` grown to `shape` with zeros after its last channel / row / column (dlib's add of unequal tensors)."""
    have = graph.shapes[value]
    if have == shape:
        return value
    ends = [0] + [want - got for want, got in zip(shape, have, strict=True)]
    pads = graph.constant("pads", np.array([0, 0, 0, 0, *ends], dtype=np.int64))
    return graph.op("Pad", [value, pads], shape)  # mode "constant", value 0: the defaults


def build_onnx(net: DlibNet, metadata: dict[str, str]) -> bytes:
    """The ONNX model of `net`; raises DlibFormatError if its layers are not the expected ResNet's."""
    graph = _Graph()
    rows, cols = net.input_size
    means = graph.constant("means", np.array(net.channel_means, dtype=np.float32))
    scale = graph.constant("scale", np.array(1 / 256, dtype=np.float32))
    centred = graph.op("Sub", [INPUT, means], None)
    scaled = graph.op("Mul", [centred, scale], None)
    current = graph.op("Transpose", [scaled], (3, rows, cols), perm=[0, 3, 1, 2])
    tags: dict[int, str] = {}
    last_tag = 0
    layers = list(net.layers)
    wrappers = list(net.wrappers)
    position = 0
    while position < len(wrappers):
        if wrappers[position] == WRAPPER_VERSION:
            run = 1
            while position + run < len(wrappers) and wrappers[position + run] == WRAPPER_VERSION:
                run += 1
            if run == 1:  # tag1<...>: the input of a residual block
                tags[1], last_tag = current, 1
            elif run == 2:  # skip1<tag2<block>>: keep the block's output, go back to its input for the shortcut
                tags[2], last_tag = current, 2
                current = tags[1]
            else:
                raise DlibFormatError(f"{run} tag/skip wrappers in a row: not the face ResNet")
            position += run
            continue
        layer = layers.pop(0)
        following = layers[0] if layers else None
        current = _add_layer(graph, layer, following, current, tags, last_tag)
        if layer.kind == "con" and following is not None and following.kind == "affine":
            if position + 1 >= len(wrappers) or wrappers[position + 1] == WRAPPER_VERSION:
                raise DlibFormatError("a tag or skip between a conv and its affine: not the face ResNet")
            layers.pop(0)  # folded into the conv
            position += 1
        position += 1
    if layers:
        raise DlibFormatError(f"{len(layers)} layers left after the network's wrappers")
    output_width = graph.shapes[current][0]
    graph.nodes.append(proto.node("Identity", [current], [OUTPUT], "output"))
    inputs = [proto.value_info(INPUT, proto.FLOAT, ["batch", rows, cols, 3])]
    outputs = [proto.value_info(OUTPUT, proto.FLOAT, ["batch", output_width])]
    return proto.model(
        graph.nodes,
        graph.initializers,
        inputs,
        outputs,
        graph_name="dlib_face_recognition_resnet_model_v1",
        opset=OPSET,
        metadata=metadata,
    )


def _add_layer(
    graph: _Graph, layer: Layer, following: Layer | None, current: str, tags: dict[int, str], last_tag: int
) -> str:
    channels, rows, cols = graph.shapes[current]
    if layer.kind == "con":
        nr, nc, stride_y, stride_x, pad_y, pad_x = layer.geometry
        filters, biases = layer.weights["filters"], layer.weights["biases"]
        if filters.shape[1] != channels:
            raise DlibFormatError(f"a conv expects {filters.shape[1]} channels, gets {channels}")
        if following is not None and following.kind == "affine":
            gamma, beta = following.weights["gamma"], following.weights["beta"]
            filters = filters * gamma[:, None, None, None]
            biases = biases * gamma + beta
        shape = (filters.shape[0], _pooled_side(rows, nr, stride_y, pad_y), _pooled_side(cols, nc, stride_x, pad_x))
        weights = graph.constant("filters", filters.astype(np.float32))
        bias = graph.constant("biases", biases.astype(np.float32))
        return graph.op(
            "Conv",
            [current, weights, bias],
            shape,
            kernel_shape=[nr, nc],
            strides=[stride_y, stride_x],
            pads=[pad_y, pad_x, pad_y, pad_x],
        )
    if layer.kind == "affine":
        raise DlibFormatError("an affine layer not directly after a conv is not in the face ResNet")
    if layer.kind == "relu":
        return graph.op("Relu", [current], (channels, rows, cols))
    if layer.kind in ("max_pool", "avg_pool"):
        nr, nc, stride_y, stride_x, pad_y, pad_x = layer.geometry
        if nr == 0 and nc == 0:
            if layer.kind != "avg_pool":
                raise DlibFormatError("a global max pool is not in the face ResNet")
            return graph.op("GlobalAveragePool", [current], (channels, 1, 1))
        shape = (channels, _pooled_side(rows, nr, stride_y, pad_y), _pooled_side(cols, nc, stride_x, pad_x))
        op_type = "MaxPool" if layer.kind == "max_pool" else "AveragePool"
        return graph.op(
            op_type, [current], shape, kernel_shape=[nr, nc], strides=[stride_y, stride_x], pads=[pad_y, pad_x] * 2
        )
    if layer.kind == "add_prev":
        if last_tag not in tags:
            raise DlibFormatError("add_prev without a tagged input")
        other = tags[last_tag]
        (c1, r1, w1), (c2, r2, w2) = graph.shapes[current], graph.shapes[other]
        shape = (max(c1, c2), max(r1, r2), max(w1, w2))
        return graph.op("Add", [_zero_fill(graph, current, shape), _zero_fill(graph, other, shape)], shape)
    if layer.kind == "fc":
        matrix = layer.weights["weights"]
        if matrix.shape[0] != channels * rows * cols:
            raise DlibFormatError(f"fc expects {matrix.shape[0]} inputs, gets {channels * rows * cols}")
        flat = graph.op("Flatten", [current], None, axis=1)
        return graph.op("MatMul", [flat, graph.constant("fc", matrix)], (matrix.shape[1], 1, 1))
    raise DlibFormatError(f"no ONNX form for dlib layer {layer.kind!r}")


def check_chips(count: int = CHECK_CHIPS, size: int = 150) -> list[np.ndarray]:
    """Deterministic synthetic chips (smooth gradients plus noise) on which a converted graph must match dlib."""
    rng = np.random.default_rng(20260)
    ramp = np.linspace(0, 1, size, dtype=np.float32)
    chips = []
    for index in range(count):
        colour = rng.uniform(40, 220, size=3).astype(np.float32)
        smooth = np.outer(ramp, ramp[::-1])[:, :, None] * (255 - colour) * (index % 2) + colour
        noise = rng.normal(0, 10 + 20 * index, size=(size, size, 3))
        chips.append(np.clip(smooth + noise, 0, 255).astype(np.uint8))
    return chips


def dlib_descriptors(dat_path: Path, chips: Sequence[np.ndarray]) -> np.ndarray:
    import dlib

    embedder = dlib.face_recognition_model_v1(str(dat_path))
    return np.asarray([np.asarray(v) for v in embedder.compute_face_descriptor(list(chips))], dtype=np.float32)


def compare(candidate: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(largest |component difference|, smallest cosine similarity) over the rows of two descriptor sets."""
    difference = float(np.max(np.abs(candidate - reference)))
    dots = np.sum(candidate * reference, axis=1)
    norms = np.linalg.norm(candidate, axis=1) * np.linalg.norm(reference, axis=1)
    return difference, float(np.min(dots / norms))


def cached_path() -> Path:
    spec = load_manifest()[MODEL_NAME]
    return model_dir() / f"{MODEL_NAME}-{spec.sha256[:12]}-onnx{CONVERTER_VERSION}.onnx"


def _metadata(source_sha256: str) -> dict[str, str]:
    return {"source": MODEL_NAME, "source_sha256": source_sha256, "converter_version": CONVERTER_VERSION}


def session(path: Path, threads: int | None = None) -> onnxruntime.InferenceSession:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run(sess: onnxruntime.InferenceSession, chips: Sequence[np.ndarray]) -> np.ndarray:
    batch = np.stack([np.asarray(c, dtype=np.float32) for c in chips])
    return sess.run([OUTPUT], {INPUT: batch})[0].astype(np.float32)


def _open_if_current(path: Path, source_sha256: str, threads: int | None) -> onnxruntime.InferenceSession | None:
    """A session on `path` if it holds this converter's graph of this .dat, else None (missing, stale, broken)."""
    if not path.is_file():
        return None
    try:
        sess = session(path, threads)
    except Exception:  # a truncated or foreign file: it gets rebuilt
        return None
    return sess if sess.get_modelmeta().custom_metadata_map == _metadata(source_sha256) else None


def load_session(threads: int | None = None) -> onnxruntime.InferenceSession:
    """An onnxruntime session on the cached embedder, built (and checked against dlib) first if needed."""
    source_sha256 = load_manifest()[MODEL_NAME].sha256
    sess = _open_if_current(cached_path(), source_sha256, threads)
    if sess is None:
        sess = session(ensure_onnx(), threads)
    return sess


def ensure_onnx() -> Path:
    """The cached ONNX embedder, built and checked against dlib first if it is missing or stale."""
    dat = model_path(MODEL_NAME)
    source_sha256 = load_manifest()[MODEL_NAME].sha256
    target = cached_path()
    if _open_if_current(target, source_sha256, threads=1) is not None:
        return target
    # model_path checked the .dat once per process; the graph records its sha256, so read it again now.
    if sha256_of(dat) != source_sha256:
        raise ModelMissing(f"{dat} changed since it was verified; run `make models`")
    data = build_onnx(read_dlib_net(dat), _metadata(source_sha256))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed into place only once checked: a crash or a refusal leaves no graph.
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".onnx.part", delete=False) as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
        temp = Path(out.name)
    try:
        chips = check_chips()
        difference, cosine = compare(run(session(temp, threads=1), chips), dlib_descriptors(dat, chips))
        if difference >= MAX_ABS_DIFFERENCE or cosine < MIN_COSINE:
            raise ModelMissing(
                f"the ONNX conversion of {MODEL_NAME} differs from dlib (max |diff| {difference:.2e}, "
                f"cosine {cosine:.6f}): refusing it"
            )
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def main() -> int:
    print(ensure_onnx())
    return 0
