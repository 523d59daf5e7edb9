"""`make backup` and `make restore` round-trip a seeded database: every table's rows and every
sequence come back as they were."""

import os
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def admin():
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"]
    )
    connection.autocommit = True
    return connection


def run(*command: str, database: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tuliaison.settings.test",
            "DATABASE_URL": url(database),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


def fingerprint(name: str) -> dict[str, tuple]:
    """Each table's row count and a digest of its rows, and each sequence's position."""
    db = settings.DATABASES["default"]
    c = psycopg2.connect(dbname=name, user=db["USER"], host=db["HOST"], port=db["PORT"])
    try:
        cursor = c.cursor()
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        found = {}
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
                f' FROM "{table}" t'
            )
            found[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        found.update({f"sequence {name}": (value,) for name, value in cursor.fetchall()})
    finally:
        c.close()
    return found


@pytest.fixture
def databases():
    names = ("tuliaison_backup_source", "tuliaison_backup_restored")
    connection = admin()
    try:
        for name in names:
            connection.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.cursor().execute(f'CREATE DATABASE "{name}"')
        yield names
        for name in names:
            connection.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def test_a_backup_restores_into_an_empty_database_exactly(databases, tmp_path):
    source, restored = databases
    python = str(ROOT / ".venv/bin/python")
    for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        done = run(python, "manage.py", *step, database=source)
        assert done.returncode == 0, done.stderr
    before = fingerprint(source)
    assert before["pickets_picketvisit"][0] > 0 and before["strikes_dispute"][0] > 0

    dump = tmp_path / "backups" / "seeded.dump"
    backed_up = run("make", "-s", "backup", database=source, BACKUP_FILE=str(dump))
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"Backed up to {dump}" in backed_up.stdout
    assert dump.stat().st_mode & 0o077 == 0  # personal data: the owner's eyes only

    put_back = run("make", "-s", "restore", f"FILE={dump}", database=restored, YES="1")
    assert put_back.returncode == 0, put_back.stderr
    assert fingerprint(restored) == before

    # Restoring again over the same data (the usual case: a live database) gives the same.
    again = run("make", "-s", "restore", f"FILE={dump}", database=restored, YES="1")
    assert again.returncode == 0, again.stderr
    assert fingerprint(restored) == before


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(databases, tmp_path):
    _, target = databases
    before = fingerprint(target)
    junk = tmp_path / "junk.dump"
    junk.write_text("DROP TABLE everything;")
    refused = run("make", "-s", "restore", f"FILE={junk}", database=target, YES="1")
    assert refused.returncode != 0
    assert "is not a backup made by make backup" in refused.stderr
    missing = run("make", "-s", "restore", database=target, YES="1")
    assert missing.returncode != 0
    assert "Name the backup to restore" in missing.stderr
    assert fingerprint(target) == before
