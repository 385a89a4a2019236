"""Catalogue text in the reader's language: a service's name, a question, an option.

Each translatable model keeps other languages in a `translations` JSON field,
`{"es": {"service_name": "Bache"}}`; the English text is the field itself. A missing
translation falls back to English rather than showing nothing.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils import translation


def current_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """Return `obj.<field>` in the current (or given) language, English when untranslated."""
    code = language or current_language()
    value = (getattr(obj, "translations", None) or {}).get(code, {}).get(field)
    return str(value or getattr(obj, field))


def folded(text: str) -> str:
    """Return text lower-cased without accents, so "bache" finds "Baché" and "camion" "camión"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(obj: Any, fields: tuple[str, ...]) -> str:
    """Return every language's text of `fields`, folded, for word search."""
    parts = [str(getattr(obj, field) or "") for field in fields]
    for texts in (getattr(obj, "translations", None) or {}).values():
        parts += [str(texts.get(field) or "") for field in fields]
    return folded(" ".join(parts))
