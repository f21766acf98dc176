"""Templates and static files ship inside the installed package, not only in a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_templates_static_files_and_migrations(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("walking_diary-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("web/templates/base.html", "web/templates/diary/walk_form.html", "web/static/app.css",
                     "web/static/htmx-2.0.11.min.js", "diary/migrations/env.py",
                     "diary/migrations/versions/0001_initial_schema.py", "diary/data/common-passwords.txt",
                     "server/app.py"):
        assert required in names, required
    assert not any(n.startswith("tests/") for n in names)
