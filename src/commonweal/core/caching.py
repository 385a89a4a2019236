"""What a function worked out, kept in one of Django's caches and keyed by its arguments."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.utils.translation import get_language

P = ParamSpec("P")
R = TypeVar("R")


def remembered(
    alias: str = "default",
    seconds: Any = DEFAULT_TIMEOUT,
    *,
    by_language: bool = False,
    key: Callable[..., Any] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep what the decorated function returns in cache `alias` for `seconds` (the alias's
    own timeout unless given), keyed by the function and its arguments — or what `key` makes
    of them, for arguments that stand for something else (an engine for what it has loaded)
    — and by the active language when the answer is written in it (`by_language`): the same
    question is worked out once. The function must depend on nothing else that changes while
    an answer is kept."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def cached(*args: P.args, **kwargs: P.kwargs) -> R:
            language = get_language() if by_language else None
            asked = [args, kwargs] if key is None else key(*args, **kwargs)
            inputs = json.dumps([name, language, asked], sort_keys=True, default=str)
            hashed = "remembered:" + hashlib.sha256(inputs.encode()).hexdigest()
            return cast(
                R, caches[alias].get_or_set(hashed, lambda: function(*args, **kwargs), seconds)
            )

        return cached

    return decorate
