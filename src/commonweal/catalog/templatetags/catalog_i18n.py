from typing import Any

from django import template

from commonweal.catalog.i18n import localized as localized_text

register = template.Library()


@register.filter
def localized(obj: Any, field: str) -> str:
    """`{{ service|localized:"service_name" }}`: the text in the reader's language."""
    return localized_text(obj, field)
