"""Just enough of the ONNX protobuf wire format to write a model onnxruntime runs (no `onnx` package needed).

Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
ValueInfoProto). Repeated scalars are written unpacked, which proto2 parsers (onnx is proto2) read.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

FLOAT = 1  # TensorProto.DataType
INT64 = 7
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7  # AttributeProto.AttributeType


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int64 fields: two's complement in ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def _text(field: int, value: str) -> bytes:
    return _bytes(field, value.encode())


def tensor(name: str, array: np.ndarray) -> bytes:
    """TensorProto with raw little-endian data (float32 or int64)."""
    kinds = {np.dtype(np.float32): FLOAT, np.dtype(np.int64): INT64}
    array = np.ascontiguousarray(array)
    if array.dtype not in kinds:
        raise TypeError(f"unsupported tensor dtype {array.dtype}")
    dims = b"".join(_int(1, d) for d in array.shape)
    raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    return dims + _int(2, kinds[array.dtype]) + _text(8, name) + _bytes(9, raw)


def attribute(name: str, value: int | float | Sequence[int]) -> bytes:
    if isinstance(value, bool | str) or not isinstance(value, int | float | Sequence):
        raise TypeError(f"unsupported attribute {name}={value!r}")
    if isinstance(value, int):
        return _text(1, name) + _int(3, value) + _int(20, _ATTR_INT)
    if isinstance(value, float):
        return _text(1, name) + _key(2, 5) + struct.pack("<f", value) + _int(20, _ATTR_FLOAT)
    return _text(1, name) + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)


def node(
    op_type: str, inputs: Sequence[str], outputs: Sequence[str], name: str, **attributes: int | float | Sequence[int]
) -> bytes:
    body = b"".join(_text(1, i) for i in inputs) + b"".join(_text(2, o) for o in outputs)
    body += _text(3, name) + _text(4, op_type)
    return body + b"".join(_bytes(5, attribute(key, value)) for key, value in attributes.items())


def value_info(name: str, elem_type: int, shape: Sequence[int | str]) -> bytes:
    dims = b"".join(_bytes(1, _text(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _bytes(2, dims)
    return _text(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(
    nodes: Sequence[bytes],
    initializers: Sequence[bytes],
    inputs: Sequence[bytes],
    outputs: Sequence[bytes],
    *,
    graph_name: str,
    opset: int,
    metadata: dict[str, str],
    ir_version: int = 8,
) -> bytes:
    graph = b"".join(_bytes(1, n) for n in nodes) + _text(2, graph_name)
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    body = _int(1, ir_version) + _text(2, "choosecheese") + _bytes(7, graph)
    body += _bytes(8, _text(1, "") + _int(2, opset))
    body += b"".join(_bytes(14, _text(1, key) + _text(2, value)) for key, value in metadata.items())
    return body
