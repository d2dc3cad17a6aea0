"""A reader of dlib's DNN serialization, enough for the face embedder (`dlib_face_recognition_resnet_model_v1.dat`).

dlib writes a network top-down: the loss layer, then the version numbers of every wrapper from the top to the
input layer (each `add_layer` serializes its subnetwork first), then the input layer, then each layer's details
from the bottom up. Integers are a size byte (bit 7 = negative) and that many little-endian bytes; floats and
doubles are an integer mantissa and exponent (value = mantissa · 2**exponent); tensors (version 2) are
num_samples, k, nr, nc and raw little-endian float32; strings are a length and bytes; bools are '0' / '1'.

Tag and skip wrappers (version 1) carry no details and no tag number, so the topology itself is not in the file:
`vision.faces.onnx_build` knows it and checks that the layers read here fit it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ADD_LAYER_VERSION = 2
INPUT_ADD_LAYER_VERSION = 3  # the add_layer sitting directly on the input layer
WRAPPER_VERSION = 1  # add_tag_layer / add_skip_layer
# dlib's float_details marks these exponents as special values.
_SPECIAL_EXPONENTS = {32000: float("inf"), 32001: float("-inf"), 32002: float("nan")}


class DlibFormatError(ValueError):
    """The bytes are not the dlib network this reader understands."""


@dataclass(frozen=True)
class Layer:
    kind: str  # "con", "affine", "relu", "add_prev", "max_pool", "avg_pool", "fc"
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    # con / pool: (nr, nc, stride_y, stride_x, padding_y, padding_x); nr = nc = 0 pools everything
    geometry: tuple[int, ...] = ()


@dataclass(frozen=True)
class DlibNet:
    channel_means: tuple[float, float, float]  # subtracted from R, G, B before dividing by 256
    input_size: tuple[int, int]  # rows, cols
    # The wrapper versions from the input upwards, one per add_layer / tag / skip (see WRAPPER_VERSION).
    wrappers: tuple[int, ...]
    layers: tuple[Layer, ...]  # bottom-up, one per add_layer


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise DlibFormatError(f"file ends inside a value at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def integer(self) -> int:
        head = self.take(1)[0]
        size = head & 0x0F
        if size > 8:
            raise DlibFormatError(f"bad integer size byte {head:#x} at byte {self.pos - 1}")
        value = int.from_bytes(self.take(size), "little")
        return -value if head & 0x80 else value

    def real(self) -> float:
        mantissa, exponent = self.integer(), self.integer()
        if exponent in _SPECIAL_EXPONENTS:
            return _SPECIAL_EXPONENTS[exponent]
        return float(mantissa) * 2.0**exponent

    def string(self) -> str:
        return self.take(self.integer()).decode("ascii")

    def boolean(self) -> bool:
        byte = self.take(1)
        if byte not in (b"0", b"1"):
            raise DlibFormatError(f"bad bool {byte!r} at byte {self.pos - 1}")
        return byte == b"1"

    def tensor(self) -> np.ndarray:
        version = self.integer()
        if version != 2:
            raise DlibFormatError(f"tensor version {version} (only 2 is read) at byte {self.pos}")
        shape = tuple(self.integer() for _ in range(4))
        count = int(np.prod(shape))
        return np.frombuffer(self.take(4 * count), dtype="<f4").reshape(shape).astype(np.float32)

    def alias(self) -> tuple[int, int, int, int]:
        version = self.integer()
        if version != 1:
            raise DlibFormatError(f"alias_tensor version {version} at byte {self.pos}")
        return tuple(self.integer() for _ in range(4))  # type: ignore[return-value]

    def expect(self, name: str) -> None:
        found = self.string()
        if found != name:
            raise DlibFormatError(f"expected {name!r}, found {found!r} at byte {self.pos}")


def read_dlib_net(path: Path) -> DlibNet:
    """Parse a `loss_metric` network file into numpy weights; raises DlibFormatError on anything unexpected."""
    stream = _Stream(path.read_bytes())
    if stream.integer() != 1:
        raise DlibFormatError("not a dlib add_loss_layer (version 1)")
    stream.expect("loss_metric_2")
    stream.real(), stream.real()  # margin and distance threshold: training only
    top_down: list[int] = []
    while True:
        version = stream.integer()
        top_down.append(version)
        if version == INPUT_ADD_LAYER_VERSION:
            break
        if version not in (ADD_LAYER_VERSION, WRAPPER_VERSION):
            raise DlibFormatError(f"unexpected layer wrapper version {version}")
    stream.expect("input_rgb_image_sized")
    means = (stream.real(), stream.real(), stream.real())
    size = (stream.integer(), stream.integer())
    wrappers = tuple(reversed(top_down))
    layers = []
    for index, version in enumerate(wrappers):
        if version == WRAPPER_VERSION:
            continue
        layers.append(_read_details(stream))
        for _ in range(3):  # this_layer_setup_called, gradient_input_is_stale, output getters disabled
            stream.boolean()
        for _ in range(3):  # x_grad, cached_output, params_grad (grad_final for the bottom layer): empty
            stream.tensor()
        if index == 0:
            stream.integer()  # _sample_expansion_factor
    if stream.pos != len(stream.data):
        raise DlibFormatError(f"{len(stream.data) - stream.pos} bytes left after the last layer")
    return DlibNet(means, size, wrappers, tuple(layers))


def _read_details(stream: _Stream) -> Layer:
    name = stream.string()
    if name == "con_4":
        params = stream.tensor().ravel()
        num_filters = stream.integer()
        geometry = tuple(stream.integer() for _ in range(6))  # nr, nc, stride y/x, padding y/x
        filters = stream.alias()
        biases = stream.alias()
        for _ in range(4):  # learning-rate and weight-decay multipliers
            stream.real()
        weight_count = int(np.prod(filters))
        if filters[0] != num_filters or biases[1] != num_filters or params.size != weight_count + num_filters:
            raise DlibFormatError(f"con_ shapes disagree: {filters}, {biases}, {params.size} parameters")
        weights = {"filters": params[:weight_count].reshape(filters), "biases": params[weight_count:]}
        return Layer("con", weights, geometry)
    if name == "affine_":
        params = stream.tensor().ravel()
        gamma, beta = stream.alias(), stream.alias()
        mode = stream.integer()
        channels = gamma[1]
        if mode != 0 or beta[1] != channels or params.size != 2 * channels:  # 0 = CONV_MODE: one pair per channel
            raise DlibFormatError(f"affine_ mode {mode} with {params.size} parameters")
        return Layer("affine", {"gamma": params[:channels], "beta": params[channels:]})
    if name == "relu_":
        return Layer("relu")
    if name == "add_prev_":
        return Layer("add_prev")
    if name in ("max_pool_2", "avg_pool_2"):
        return Layer(name.removesuffix("_2"), geometry=tuple(stream.integer() for _ in range(6)))
    if name == "fc_2":
        outputs, inputs = stream.integer(), stream.integer()
        params = stream.tensor().ravel()
        weights_shape = stream.alias()
        stream.alias()  # the (empty) bias alias
        has_bias = stream.integer() == 0  # FC_HAS_BIAS = 0, FC_NO_BIAS = 1
        for _ in range(4):
            stream.real()
        if has_bias or params.size != inputs * outputs or weights_shape[:2] != (inputs, outputs):
            raise DlibFormatError(f"fc_ layer {inputs}->{outputs} with {params.size} parameters, bias {has_bias}")
        return Layer("fc", {"weights": params.reshape(inputs, outputs)})
    raise DlibFormatError(f"layer type {name!r} is not read")
