"""Public request ids: short enough to read over the phone, hard enough to guess.

Eight characters from 31 unambiguous letters and digits (no 0/O, 1/I/L) give 8.5e11 ids, so
walking the id space to find other people's requests is impractical.
"""

import random
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


#: random bytes at or above this are skipped, so that every letter is equally likely
_UNBIASED_LIMIT = 256 - 256 % len(ALPHABET)


def new_public_id(rng: random.Random | None = None) -> str:
    """Return a fresh id; with `rng`, a reproducible one (the demo city uses a seed)."""
    if rng is not None:
        return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
    letters: list[str] = []
    while len(letters) < LENGTH:
        letters.extend(
            ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(LENGTH * 2)
            if byte < _UNBIASED_LIMIT
        )  # fmt: skip
    return "".join(letters[:LENGTH])
