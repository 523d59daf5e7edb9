import datetime

import pytest
from django.utils import timezone

from ..factories import ActionDayFactory, DisputeFactory, PicketLineFactory


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
    return PicketLineFactory(clp=clp, dispute=dispute, action_days=[day, later])
