"""A check draws the same inputs wherever it runs, whatever else the process has loaded, and
however its code is written.

hypothesis mixes the constants of loaded "local" modules into its draws; Gradescope loads the
hidden checks and the reference, a student's check does not, so without care the public
examples a student sees would differ from Gradescope's. And hypothesis seeds a derandomised
test with a digest of its source: without care, reformatting a check would show every student
other inputs on the next regrade.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

from autograder.engine.check_runner import load_check, seed_of

from tests.support import ROOT

DRAWS = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    from hypothesis import strategies as st
    from autograder.engine.check_runner import check
    if {load_constants}:
        sys.path.insert(0, {folder!r})
        import many_constants  # a module of the project's kind, full of numbers
    drawn = []

    @check(examples=200, x=st.floats(-1e6, 1e6), n=st.integers(-10**6, 10**6),
           s=st.text(max_size=3))
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


def _drawn_by(folder, source: str, path: str | None) -> list:
    """The inputs drawn by a check written as ``source`` in a file of its own (hypothesis
    reads the source of a check from its file), seeded as ``load_check`` seeds the check at
    ``path`` (None: as hypothesis alone would)."""
    file = folder / f"check_{len(list(folder.iterdir()))}.py"
    file.write_text("from hypothesis import strategies as st\n"
                    "from autograder.engine.check_runner import check\n"
                    "drawn = []\n" + textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if path is not None:
        module.record._hypothesis_internal_use_seed = seed_of(path)
    module.record(None)
    return module.drawn


TERSE = """
    @check(examples=30, x=st.floats(-1e3, 1e3))
    def record(student, x):
        drawn.append(x)
"""
REFORMATTED = """
    @check(
        examples=30,
        x=st.floats(-1e3, 1e3),  # the same strategy, written otherwise
    )
    def record(student, x):
        value = x
        drawn.append(value)
"""


def test_the_inputs_drawn_depend_on_the_checks_path_not_on_its_source(tmp_path):
    path = "public.energy_models.gibbs_is_a_distribution"
    terse = _drawn_by(tmp_path, TERSE, path)
    assert len(terse) == 30
    assert terse == _drawn_by(tmp_path, REFORMATTED, path)
    assert terse != _drawn_by(tmp_path, TERSE, "public.energy_models.another_check")
    # what the seed prevents: hypothesis alone draws otherwise for the reformatted source
    assert _drawn_by(tmp_path, TERSE, None) != _drawn_by(tmp_path, REFORMATTED, None)


def test_loading_a_check_seeds_it_by_its_path():
    path = "public.energy_models.gibbs_is_a_distribution"
    assert load_check(path)._hypothesis_internal_use_seed == seed_of(path)
