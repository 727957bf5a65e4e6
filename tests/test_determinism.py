"""A check draws the same inputs wherever it runs, whatever else the process has loaded.

hypothesis mixes the constants of loaded "local" modules into its draws; Gradescope loads the
hidden checks and the reference, a student's check does not, so without care the public
examples a student sees would differ from Gradescope's.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.support import ROOT

DRAWS = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    from hypothesis import given, strategies as st
    from autograder.engine.check_runner import check
    if {load_constants}:
        sys.path.insert(0, {folder!r})
        import many_constants  # a module of the project's kind, full of numbers
    drawn = []

    @check(max_examples=200)
    @given(st.floats(-1e6, 1e6), st.integers(-10**6, 10**6), st.text(max_size=3))
    def record(x, n, s):
        drawn.append([x, n, s])

    record()
    print(json.dumps(drawn))
""")


def _draws(folder, load_constants: bool) -> list:
    code = DRAWS.format(root=str(ROOT), folder=str(folder), load_constants=load_constants)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=folder)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_inputs_drawn_do_not_depend_on_the_modules_loaded(tmp_path):
    numbers = ", ".join(str(12345 + 7919 * k) for k in range(200))
    strings = ", ".join(repr(f"q{k}") for k in range(50))
    (tmp_path / "many_constants.py").write_text(
        f"INTEGERS = [{numbers}]\nFLOATS = [{numbers.replace(',', '.5,')}.5]\n"
        f"STRINGS = [{strings}]\n")
    plain, with_constants = _draws(tmp_path, False), _draws(tmp_path, True)
    assert len(plain) == 200
    assert plain == with_constants
