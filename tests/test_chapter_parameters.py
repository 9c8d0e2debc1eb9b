"""Bad chapter parameters stop the chapter early, with a message that says what to do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name, value, message", [
    ("MODELS", '["FC10(1e-4)", "FC300-10"]', "unknown model name(s) ['FC300-10']: choose from"),
    ("EPOCHS", "-5", "EPOCHS must be 0 (zoo default) or a positive number of epochs, got -5"),
])
def test_bad_parameter_stops_chapter_zero(name, value, message, tmp_path):
    out = tmp_path / "00_zoo.ipynb"
    env = dict(os.environ, INTRIGUING_CACHE=str(tmp_path / "cache"))  # nothing may be trained
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "execute_chapters.py"), "chapters/00_zoo.py", "-p", name, value,
         "-o", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not out.exists(), "a failed chapter must not be written"
    assert not (tmp_path / "cache").exists(), "the chapter stopped before training anything"


@pytest.mark.parametrize("value, message", [
    (0, "N_IMAGES must be a number of training images from 2 to 60,000, got 0"),
    (60_001, "N_IMAGES must be a number of training images from 2 to 60,000, got 60001"),
    (2.5, "got 2.5"),
    (True, "got True"),
    ("100", "got '100'"),
])
def test_check_count_names_the_parameter_its_range_and_the_value(value, message):
    from intriguing import params

    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        params.check_count("N_IMAGES", value, 2, 60_000, "a number of training images")


def test_check_count_accepts_the_range_and_checks_multiples():
    from intriguing import params

    assert params.check_count("N", 2, 2, 60_000) == 2 and params.check_count("N", 60_000, 2, 60_000) == 60_000
    assert params.check_count("N", 10**9, 1) == 10**9  # no upper bound
    assert params.check_count("N_SHOWN", 12, 3, 100, multiple_of=3) == 12
    with pytest.raises(ValueError, match="N_SHOWN must be a whole number from 3 to 100 and a multiple of 3, got 13"):
        params.check_count("N_SHOWN", 13, 3, 100, multiple_of=3)
