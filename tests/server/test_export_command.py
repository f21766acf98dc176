"""`diary export` with any formats and a checked --out; the CSV downloads' content type."""

from __future__ import annotations

import itertools
import tempfile

import pytest

from diary import exports
from server import cli
from tests.conftest import signed_in
from tests.server.test_exports import NOW, clinic_a, diary_weeks, last_week, with_sessions  # noqa: F401 (a fixture)

FILES = {"pdf": ["{stem}.pdf"], "csv": ["{stem}-summary.csv", "{stem}-entries.csv"], "fhir": ["{stem}-fhir.ndjson"]}


@pytest.fixture
def cli_on_test_db(monkeypatch, db_url, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DIARY_DEV", "true")
    monkeypatch.setenv("DIARY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DIARY_DATABASE_URL", db_url)
    return tmp_path


def test_any_combination_of_formats_is_written(cli_on_test_db, diary_weeks, capsys):  # type: ignore[no-untyped-def]
    week = last_week().label
    for size in (1, 2, 3):
        for formats in itertools.combinations(("pdf", "csv", "fhir"), size):
            out = cli_on_test_db / ("out-" + "-".join(formats))
            out.mkdir()
            args = ["export", "--week", week, "--clinic", "Clinic A", "--out", str(out)]
            assert cli.main([*args, *(a for f in formats for a in ("--format", f))]) == 0, capsys.readouterr().err
            expected = sorted(name.format(stem=f"walking-diary-{week}") for f in formats for name in FILES[f])
            assert sorted(p.name for p in out.iterdir()) == expected, formats


def test_every_clinic_gets_a_folder_of_its_own_even_for_a_pdf_alone(cli_on_test_db, diary_weeks):  # type: ignore[no-untyped-def]
    """The crash of the first use: the clinic's folder was made only by the CSV and FHIR writers."""
    out = cli_on_test_db / "all"
    out.mkdir()
    assert cli.main(["export", "--week", last_week().label, "--format", "pdf", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["Clinic A", "Clinic B"]
    assert [p.suffix for p in (out / "Clinic A").iterdir()] == [".pdf"]


@pytest.mark.parametrize("make, said", [
    (lambda root: root / "missing", "no such directory"),
    (lambda root: (root / "a-file").write_text("x") and root / "a-file", "not a directory"),
])
def test_a_missing_or_wrong_out_is_refused_with_exit_2(cli_on_test_db, capsys, make, said):  # type: ignore[no-untyped-def]
    out = make(cli_on_test_db)
    assert cli.main(["export", "--week", "2026-W47", "--format", "pdf", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"diary export: --out {out}: {said}") and "Traceback" not in err


def test_an_unwritable_out_is_refused_with_exit_2(cli_on_test_db, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    # The tests may run as root, who can write anywhere: the folder's refusal is simulated.
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    assert cli.main(["export", "--week", "2026-W47", "--out", str(cli_on_test_db)]) == 2
    assert "cannot write there (Permission denied)" in capsys.readouterr().err


def test_csv_downloads_name_their_charset_once(db_url, world, diary_weeks, settings, make_browser):  # type: ignore[no-untyped-def]
    clinic, week = clinic_a(db_url, world), last_week()
    with_sessions(db_url, lambda s: exports.run_export(s, settings.data_dir, clinic, week, NOW, "w"))
    admin = signed_in(make_browser, world, "admin")
    for path in (f"/clinic/exports/{week.label}/csv", f"/clinic/exports/{week.label}/entries_csv", "/clinic/audit.csv"):
        response = admin.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "text/csv; charset=utf-8", path
