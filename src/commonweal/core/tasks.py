"""The periodic work `commonweal worker` queues (django-tasks, database backend) and runs.

To add a periodic job: write a task in the app it belongs to, then list it in PERIODIC with
how often it should run.
"""

from __future__ import annotations

from django_tasks import task

from commonweal.analytics.snapshot import refresh as refresh_analytics_snapshot
from commonweal.cases.escalation import run_escalations
from commonweal.feedback.surveys import invite_closed_requests
from commonweal.notifications.outbox import queue_notifications
from commonweal.notifications.sending import send_pending


@task()
def escalate_requests() -> int:
    """Step up the escalation ladder every request whose next point has passed."""
    return run_escalations()


@task()
def queue_emails() -> int:
    """Queue the emails new case-log events owe residents and staff."""
    return queue_notifications()


@task()
def send_emails() -> int:
    """Send the queued emails that are due; return how many went out."""
    return send_pending().sent


@task()
def invite_to_surveys() -> int:
    """Invite residents of recently closed requests to the A-11 survey, once each."""
    return invite_closed_requests()


@task()
def refresh_snapshot() -> int:
    """Bring the analytics snapshot up to date with the case log; return requests read."""
    return refresh_analytics_snapshot().requests


#: (task, seconds between runs), in the order one tick runs them
PERIODIC = [
    (escalate_requests, 60),
    (queue_emails, 20),
    (send_emails, 20),
    (invite_to_surveys, 300),
    (refresh_snapshot, 300),
]
