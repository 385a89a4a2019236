"""Errors a domain function raises, each with a message a person can act on."""


class CaseError(Exception):
    """A change to a request was refused; `str(error)` says why, in plain words."""


class AuthorityError(CaseError):
    """The actor's delegated authority does not cover this act."""


class TransitionError(CaseError):
    """The request's current state does not allow this act."""


class ConflictError(CaseError):
    """Someone else changed the request since the actor last saw it."""
