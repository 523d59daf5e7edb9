"""What strikes' shared records offer the privacy app: the edit histories of the disputes a
CLP follows or has locally, and of their ballots, for the CLP's audit log. Who made an edit is
found in every edit history by the privacy app itself."""

from typing import Any

from clps.models import CLP
from privacy.registry import History, PersonalData, log_text, short_date

from .models import Ballot, Dispute
from .selectors import clp_dispute_ids


def _describe_dispute(record: Any) -> str:
    return f"“{record.title}”"


def _describe_ballot(record: Any) -> str:
    return log_text(f"Ballot closing {short_date(record.closes_on)}", about=record.dispute)


class StrikesPersonalData(PersonalData):
    def audit_histories(self, *, clp: CLP) -> list[History]:
        dispute_ids = clp_dispute_ids(clp)
        return [
            History(
                kind="Dispute",
                rank=0,
                rows=Dispute.history.filter(id__in=dispute_ids),
                describe=_describe_dispute,
                # Many-to-many lists kept in the history: comparing them costs a query each.
                not_diffed=("unions", "workplaces"),
            ),
            History(
                kind="Ballot",
                rank=1,
                rows=Ballot.history.filter(dispute_id__in=dispute_ids).select_related("dispute"),
                describe=_describe_ballot,
            ),
        ]
