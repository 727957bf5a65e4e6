"""The data-only format that crosses the sandbox boundary, in both directions.

A message is a tree of JSON values in which numeric arrays stand for themselves: each array
travels as a small descriptor in the JSON part plus its raw bytes after it. Decoding runs
``json.loads`` and ``numpy.frombuffer`` with a whitelist of dtypes, nothing else, so a hostile
worker can send wrong numbers but never an object that runs code on the trusted side.

Frame layout: 4-byte JSON length, 8-byte blob length (both big-endian), JSON, blobs.

This module is imported by the worker too, so it depends on the standard library and NumPy
only; torch tensors are handled by the callers through ``to_array`` / ``from_array`` hooks.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64"]
)
MAX_FRAME_BYTES = 256 * 2**20
# The JSON part holds structure and scalars only (arrays travel as blobs), so it stays small
# for honest answers; a cap keeps a hostile reply from costing the grader gigabytes to parse.
MAX_JSON_BYTES = 2**20
_HEADER = struct.Struct(">IQ")
_ARRAY_KEY = "__array__"


class WireError(Exception):
    """A frame that is malformed, too large, or cut short (the peer died)."""


def encode(message, to_array=None) -> bytes:
    """Serialise ``message``; ``to_array`` maps foreign array types (tensors) to (ndarray, tag)."""
    blobs: list[bytes] = []
    offset = 0

    def walk(node):
        nonlocal offset
        if to_array is not None:
            converted = to_array(node)
            if converted is not None:
                node, tag = converted
            else:
                tag = None
        else:
            tag = None
        if isinstance(node, np.ndarray):
            dtype = node.dtype.name
            if dtype not in ALLOWED_DTYPES:
                raise WireError(f"arrays of dtype {dtype} cannot be sent")
            data = np.ascontiguousarray(node).tobytes()
            descriptor = {_ARRAY_KEY: [offset, len(data), dtype, list(node.shape), tag]}
            blobs.append(data)
            offset += len(data)
            return descriptor
        if isinstance(node, dict):
            return {str(key): walk(value) for key, value in node.items()}
        if isinstance(node, (list, tuple)):
            return [walk(item) for item in node]
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise WireError(f"values of type {type(node).__name__} cannot be sent")

    text = json.dumps(walk(message), allow_nan=True).encode()
    return _HEADER.pack(len(text), offset) + text + b"".join(blobs)


def decode(frame: bytes, from_array=None):
    """Inverse of ``encode``; ``from_array(ndarray, tag)`` rebuilds tagged arrays."""
    if len(frame) < _HEADER.size:
        raise WireError("frame shorter than its header")
    text_length, blob_length = _HEADER.unpack_from(frame)
    if _HEADER.size + text_length + blob_length != len(frame):
        raise WireError("frame length does not match its header")
    blob = memoryview(frame)[_HEADER.size + text_length:]
    try:
        tree = json.loads(bytes(frame[_HEADER.size:_HEADER.size + text_length]))
    except (ValueError, RecursionError) as error:
        raise WireError(f"unreadable frame: {error}") from None

    def walk(node):
        if isinstance(node, dict):
            if _ARRAY_KEY in node:
                return _array(node[_ARRAY_KEY])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    def _array(descriptor):
        try:
            start, length, dtype, shape, tag = descriptor
            shape = tuple(int(size) for size in shape)
        except (TypeError, ValueError):
            raise WireError("malformed array descriptor") from None
        if dtype not in ALLOWED_DTYPES or not 0 <= start <= start + length <= len(blob):
            raise WireError("array descriptor out of bounds or of a forbidden dtype")
        if any(size < 0 for size in shape) or int(np.prod(shape)) * np.dtype(dtype).itemsize != length:
            raise WireError("array shape does not match its data")
        array = np.frombuffer(blob[start:start + length], dtype=dtype).reshape(shape).copy()
        return from_array(array, tag) if from_array is not None else array

    try:
        return walk(tree)
    except RecursionError:
        raise WireError("frame nested too deeply") from None


def write_frame(fd: int, frame: bytes, wait=None) -> None:
    """Write all of ``frame``. On a non-blocking ``fd``, ``wait()`` is called before each
    write, and returns when ``fd`` can take more (or raises: the trusted side's deadline)."""
    view = memoryview(frame)
    while view:
        if wait is not None:
            wait()
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue


def read_exactly(fd: int, size: int, wait=None) -> bytes:
    """Read ``size`` bytes (``wait`` as for ``write_frame``)."""
    chunks = []
    while size:
        if wait is not None:
            wait()
        try:
            chunk = os.read(fd, min(size, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise WireError("the peer closed the channel")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, wait=None) -> bytes:
    header = read_exactly(fd, _HEADER.size, wait)
    text_length, blob_length = _HEADER.unpack(header)
    if text_length + blob_length > MAX_FRAME_BYTES or text_length > MAX_JSON_BYTES:
        raise WireError(f"frame of {text_length} + {blob_length} bytes exceeds the limits")
    return header + read_exactly(fd, text_length + blob_length, wait)
