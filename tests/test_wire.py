"""The data-only format across the sandbox boundary: round trips, and refusals."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from autograder.engine.worker_client import _tensor_to_array
from autograder.sandbox import wire


def test_round_trip_keeps_values_dtypes_and_tags():
    message = {"ok": True, "value": [1, 2.5, None, "s", True,
                                     np.arange(6, dtype=np.int64).reshape(2, 3),
                                     torch.tensor([1.0, -2.0], dtype=torch.float32)]}
    decoded = wire.decode(wire.encode(message, to_array=_tensor_to_array),
                          from_array=lambda array, tag: (tag, array))
    value = decoded["value"]
    assert value[:5] == [1, 2.5, None, "s", True]
    assert value[5][0] is None and value[5][1].dtype == np.int64
    assert value[5][1].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert value[6][0] == "tensor" and value[6][1].dtype == np.float32
    assert value[6][1].tolist() == [1.0, -2.0]


def test_non_finite_floats_survive():
    decoded = wire.decode(wire.encode({"v": [float("inf"), float("nan")]}))
    assert decoded["v"][0] == float("inf") and decoded["v"][1] != decoded["v"][1]


@pytest.mark.parametrize("value", [np.array([object()], dtype=object), object(),
                                   np.array([1 + 2j])])
def test_objects_cannot_be_sent(value):
    with pytest.raises(wire.WireError):
        wire.encode({"value": value})


def _frame(text: bytes, blob: bytes = b"") -> bytes:
    return wire._HEADER.pack(len(text), len(blob)) + text + blob


@pytest.mark.parametrize("frame", [
    b"\x00\x01",  # shorter than its header
    _frame(b'{"a": 1}')[:-1],  # cut short
    _frame(b"{not json"),
    _frame(b'{"__array__": [0, 8, "object", [1], null]}', b"\x00" * 8),  # forbidden dtype
    _frame(b'{"__array__": [0, 64, "float64", [8], null]}', b"\x00" * 8),  # beyond the data
    _frame(b'{"__array__": [0, 8, "float64", [2], null]}', b"\x00" * 8),  # shape vs size
    _frame(b'{"__array__": "x"}'),
    _frame(b"[" * 100000 + b"]" * 100000),  # nested too deeply
])
def test_malformed_frames_are_refused(frame):
    with pytest.raises(wire.WireError):
        wire.decode(frame)


def test_oversized_frames_are_refused_before_reading_them():
    read, write = os.pipe()
    try:
        os.write(write, wire._HEADER.pack(wire.MAX_FRAME_BYTES, 1))
        with pytest.raises(wire.WireError, match="exceeds"):
            wire.read_frame(read)
    finally:
        os.close(read)
        os.close(write)
