"""Public request ids: short enough to read over the phone, hard enough to guess.

Eight characters from 31 unambiguous letters and digits (no 0/O, 1/I/L) give 8.5e11 ids, so
walking the id space to find other people's requests is impractical.
"""

import random
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_public_id(rng: random.Random | None = None) -> str:
    """Return a fresh id; with `rng`, a reproducible one (the demo city uses a seed)."""
    if rng is None:
        return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
