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
#: `bytes.translate` tables: each random byte as its letter; the bytes to skip
_LETTER_OF_BYTE = bytes(ord(ALPHABET[byte % len(ALPHABET)]) for byte in range(256))
_SKIPPED_BYTES = bytes(range(_UNBIASED_LIMIT, 256))


def new_public_id(rng: random.Random | None = None) -> str:
    """Return a fresh id; with `rng`, a reproducible one (the demo city uses a seed)."""
    if rng is not None:
        return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
    return new_public_ids(1)[0]


def new_public_ids(count: int) -> list[str]:
    """Return `count` fresh ids, drawn at once (each as likely as any other, so two may be
    the same, as two single draws may): an importer needs thousands a batch."""
    wanted = count * LENGTH
    letters = ""
    while len(letters) < wanted:
        missing = wanted - len(letters)
        random_bytes = secrets.token_bytes(missing + missing // 16 + 8)  # ~3 % are skipped
        letters += random_bytes.translate(_LETTER_OF_BYTE, _SKIPPED_BYTES).decode("ascii")
    return [letters[start : start + LENGTH] for start in range(0, wanted, LENGTH)]
