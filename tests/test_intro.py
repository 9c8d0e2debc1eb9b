"""The landing page's findings are the committed results, not typed text."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_intro_findings_are_generated_from_the_results():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "intro_findings.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
