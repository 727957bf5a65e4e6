"""Short, exact renderings of inputs and values for feedback messages."""
from __future__ import annotations

import numpy as np

MAX_ITEMS = 12


def describe_value(value) -> str:
    """A value as a student would write it: numbers with full precision, long arrays cut."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return describe_value(value.item())
        flat = value.reshape(-1)
        shown = np.array2string(
            flat[:MAX_ITEMS], separator=", ", precision=6, floatmode="maxprec",
            max_line_width=10**6, threshold=10**6,
        )
        if value.ndim > 1 or flat.size > MAX_ITEMS:
            cut = shown[:-1] + (", ...]" if flat.size > MAX_ITEMS else "]")
            return f"{cut} (shape {tuple(value.shape)})" if value.ndim > 1 else f"{cut} ({flat.size} values)"
        return shown
    if isinstance(value, float):
        return repr(round(value, 10)) if abs(value) < 1e15 else repr(value)
    if isinstance(value, dict) and "__build__" in value:
        params = ", ".join(f"{key}={describe_value(item)}" for key, item in value.items()
                           if key != "__build__")
        return f"{value['__build__']}({params})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(describe_value(item) for item in value[:MAX_ITEMS]) + (
            ", ...]" if len(value) > MAX_ITEMS else "]")
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def format_inputs(inputs: dict) -> str:
    return ", ".join(f"{name}={describe_value(value)}" for name, value in inputs.items())
