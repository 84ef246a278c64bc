"""Habits checked inside the suite: layers (import-linter), lint (ruff), migrations, generated docs."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*args):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_layers_of_the_architecture_are_kept():
    result = run(str(BIN / "lint-imports"), "--no-cache")

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing():
    result = run(str(BIN / "ruff"), "check", ".")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_state_graphs_in_docs_are_up_to_date():
    call_command("draw_lifecycles", "--check")
