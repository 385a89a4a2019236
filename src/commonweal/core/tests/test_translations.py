"""Every text the site can show has its Spanish translation: Django's own `makemessages` is run
over a copy of the source, against the catalogue in the repository, and nothing may come out
untranslated or fuzzy (a text added or reworded without its translation shows in English)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

import commonweal

SOURCE = Path(commonweal.__file__).parent


def _gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgattrib") if not shutil.which(tool)]
    if missing:
        message = f"GNU gettext is not installed ({', '.join(missing)}; Debian package 'gettext')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_every_message_has_its_spanish_translation(tmp_path, monkeypatch):
    _gettext_tools()
    copy = tmp_path / "commonweal"
    shutil.copytree(
        SOURCE, copy, ignore=shutil.ignore_patterns("static", "tests", "__pycache__", "*.mo")
    )
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["es"], verbosity=0, ignore_patterns=["conftest.py"])
    catalogue = copy / "locale" / "es" / "LC_MESSAGES" / "django.po"
    msgattrib = shutil.which("msgattrib") or "msgattrib"
    missing = []
    for selection in ("--untranslated", "--only-fuzzy"):
        listed = subprocess.run(  # noqa: S603 (our own catalogue, gettext's own tool)
            [msgattrib, selection, "--no-obsolete", "--no-wrap", str(catalogue)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        missing += [line for line in listed.splitlines() if line.startswith("msgid ")]
    missing = [line for line in missing if line != 'msgid ""']  # the catalogue's header
    assert missing == [], "texts without a Spanish translation (add them to django.po)"
