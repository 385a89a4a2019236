"""Survey answers for the demo city, so that the dashboard's A-11 section has something to
show: about a third of the residents who left an email are invited a day after their request
closed, and about a third of those answer. Requests closed in the last 30 days are all invited,
within minutes, as the worker would have done: the served demo's worker has no backlog of
invitations to send at its first round. Kept standards and quick closures score higher, as
they do in real A-11 data; requests closed as not needing action score lower."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np

from commonweal.cases.models import Outcome, ServiceRequest, Status
from commonweal.feedback.models import SurveyInvitation, SurveyResponse
from commonweal.feedback.surveys import A11_QUESTIONS, INVITE_WITHIN

INVITED = 0.35
ANSWERED = 0.35
#: how soon the worker invites a request closed in the last INVITE_WITHIN
WORKER_DELAY = dt.timedelta(minutes=5)


def answer_some_surveys(seed: int, now: dt.datetime) -> int:
    """Invite some closed requests' residents and store answers; return how many answered."""
    rng = np.random.default_rng(seed)
    closed = list(
        ServiceRequest.objects.filter(status=Status.CLOSED, requester__email__gt="")
        .order_by("pk")
        .values_list("pk", "closed_at", "resolve_due", "outcome")
    )
    invitations, responses = [], []
    recent = now - INVITE_WITHIN
    for pk, closed_at, due, outcome in closed:
        if closed_at is None or outcome == Outcome.DUPLICATE:  # never invited (the worker's rule)
            continue
        drawn = rng.random() < INVITED
        if closed_at >= recent:  # the worker has invited every one of these, within minutes
            sent = min(closed_at + WORKER_DELAY, now)
        elif drawn:
            sent = closed_at + dt.timedelta(days=1)
        else:
            continue
        answered = rng.random() < ANSWERED
        submitted = sent + dt.timedelta(hours=float(rng.uniform(1, 72)))
        answered = answered and submitted <= now
        invitations.append(
            SurveyInvitation(
                request_id=pk,
                token_hash=hashlib.sha256(f"demo-{seed}-{pk}".encode()).hexdigest(),
                created_at=sent,
                sent_at=sent,
                attempts=1,
                used_at=submitted if answered else None,
            )
        )
        if answered:
            kept = due is not None and closed_at <= due
            mood = (
                3.6 + (0.7 if kept else -0.6) - (0.9 if outcome == Outcome.NO_ACTION_NEEDED else 0)
            )
            scores = np.clip(np.rint(rng.normal(mood, 0.9, len(A11_QUESTIONS))), 1, 5)
            responses.append(
                SurveyResponse(
                    request_id=pk,
                    form="a11-2019",
                    answers={d: int(s) for d, s in zip(A11_QUESTIONS, scores, strict=True)},
                    submitted_at=submitted,
                )
            )
    SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    SurveyResponse.objects.bulk_create(responses, batch_size=2000)
    return len(responses)
