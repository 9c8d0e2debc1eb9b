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
