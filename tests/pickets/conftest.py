import datetime

import pytest
from django.utils import timezone

from pickets.models import PicketLine

from ..factories import ActionDayFactory, DisputeFactory


@pytest.fixture
def dispute():
    return DisputeFactory(title="Royal Mail delivery office")


@pytest.fixture
def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def picket_line(clp, dispute, tomorrow):
    day = ActionDayFactory(dispute=dispute, date=tomorrow)
    later = ActionDayFactory(dispute=dispute, date=tomorrow + datetime.timedelta(days=7))
    line = PicketLine.objects.create(
        clp=clp,
        dispute=dispute,
        place="The yard gate",
        postcode="N16 0AA",
        start_time=datetime.time(7),
        end_time=datetime.time(10),
    )
    line.action_days.set([day, later])
    return line
