"""The declared state machine, written out as a table a supervisor could check."""

import pytest

from commonweal.cases.errors import TransitionError
from commonweal.cases.models import Action, Status
from commonweal.cases.states import next_status

N, A, S, P, H, C = (
    Status.NEW,
    Status.ACKNOWLEDGED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.ON_HOLD,
    Status.CLOSED,
)
STATUSES = [N, A, S, P, H, C]

#: for each act, where it leads from each status (None: refused)
EXPECTED = {
    Action.ACKNOWLEDGE: [A, None, None, None, None, None],
    Action.ASSIGN: [S, S, S, S, S, None],
    Action.START_WORK: [None, P, P, None, P, None],
    Action.PUT_ON_HOLD: [None, None, H, H, None, None],
    Action.TRANSFER: [N, A, S, P, H, None],
    Action.CHANGE_PRIORITY: [N, A, S, P, H, None],
    Action.EXTEND_DUE: [N, A, S, P, H, None],
    Action.ADD_NOTE: [N, A, S, P, H, C],
    Action.PUBLISH_UPDATE: [N, A, S, P, H, C],
    Action.COMMENT: [N, A, S, P, H, C],
    Action.PROPOSE: [N, A, S, P, H, C],
    Action.DECIDE_PROPOSAL: [N, A, S, P, H, C],
    Action.MARK_DUPLICATE: [C, C, C, C, C, None],
    Action.CLOSE: [C, C, C, C, C, None],
    Action.REOPEN: [None, None, None, None, None, A],
    Action.ESCALATE: [N, A, S, P, H, None],
    Action.VIEW_CONTACT: [N, A, S, P, H, C],
    Action.APPEAL: [None, None, None, None, None, C],
    Action.DECIDE_APPEAL: [N, A, S, P, H, C],
}


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("position", range(len(STATUSES)))
def test_each_act_from_each_status(action, position):
    current, expected = STATUSES[position], EXPECTED[action][position]
    if expected is None:
        with pytest.raises(TransitionError):
            next_status(current, action)
    else:
        assert next_status(current, action) == expected


def test_the_table_covers_every_act_but_submit():
    assert set(EXPECTED) == set(Action) - {Action.SUBMIT}
