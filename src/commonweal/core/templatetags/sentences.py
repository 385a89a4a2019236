"""Template filters for values set inside sentences."""

from django import template

register = template.Library()


@register.filter
def before_full_stop(text: object) -> str:
    """`{{ due|date:"DATETIME_FORMAT"|before_full_stop }}.`: a value that ends a sentence
    without doubling its full stop. English dates end in "p.m." or "a.m.", and "due by
    2:44 p.m.." read as a typo."""
    return str(text).removesuffix(".")
