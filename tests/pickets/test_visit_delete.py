"""Deleting a visit takes its photo files with it, once the delete is committed."""

import datetime

import pytest
from django.db import transaction

from pickets.models import VisitPhoto
from pickets.services import visit_delete

from ..factories import VisitPhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(clp, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return VisitPhotoFactory(
        visit__clp=clp,
        visit__date=datetime.date(2026, 11, 1),
        visit__members_count=1,
        visit__status="reported",
    )


def test_deleting_a_visit_deletes_its_photo_files(photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        visit_delete(visit=photo.visit)
    assert not VisitPhoto.objects.exists()
    assert not photo.image.storage.exists(photo.image.name)


def test_a_delete_rolled_back_keeps_the_photo_files(photo):
    with transaction.atomic():
        visit_delete(visit=photo.visit)
        transaction.set_rollback(True)
    assert VisitPhoto.objects.filter(pk=photo.pk).exists()
    assert photo.image.storage.exists(photo.image.name)
