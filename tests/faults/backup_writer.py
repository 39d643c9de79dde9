"""A client that keeps writing, for tests/faults/test_backup.py: run as
`python -m tests.faults.backup_writer setup` once (an office and its clerk), then
`python -m tests.faults.backup_writer write STOPFILE` in several processes at once. Each
loop receives a letter with a scan and takes two steps (the clerk classifies, the leader
accepts) through the services, printing `letter <id> <steps>` after every commit, until
STOPFILE exists."""
import datetime
import os
import sys
import time

import django


def setup():
    from django.contrib.auth import get_user_model

    from casework.models import Organisation, OrgKind, RoleAssignment

    commune = Organisation.objects.create(name="Đảng bộ xã Kè Sắt", code="ke-sat",
                                          kind=OrgKind.COMMUNE)
    office = Organisation.objects.create(name="Văn phòng Đảng ủy", code="vp",
                                         kind=OrgKind.AGENCY, parent=commune, symbol="VPĐU")
    clerk = get_user_model().objects.create_user("vanphong", password="x")
    RoleAssignment.objects.create(user=clerk, organisation=office, role="clerk")
    leader = get_user_model().objects.create_user("lanhdao", password="x")
    RoleAssignment.objects.create(user=leader, organisation=commune, role="leader")


def _retrying(service, **kwargs):
    """SQLite answers "database is locked" when ten writers queue past its timeout; the
    clerk would press save again."""
    from django.db import OperationalError

    for attempt in range(20):
        try:
            return service(**kwargs)
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.1)


def write(stopfile):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.models import Organisation
    from casework.services.petitions import (
        SenderData,
        petition_accept,
        petition_classify,
        petition_receive,
    )

    clerk = get_user_model().objects.get(username="vanphong")
    leader = get_user_model().objects.get(username="lanhdao")
    office = Organisation.objects.get(code="vp")
    day = datetime.date(2026, 9, 1)
    while not os.path.exists(stopfile):
        scan = b"%PDF-1.4\n" + os.urandom(3000) + b"\n%%EOF\n"
        letter = _retrying(
            petition_receive, actor=clerk, organisation=office, received_on=day, channel="post",
            kind="recommendation", senders=[SenderData(full_name="Nguyễn Văn An")],
            summary="Kiến nghị sửa đường liên thôn.",
            attachments=[SimpleUploadedFile("don.pdf", scan, content_type="application/pdf")])
        print(f"letter {letter.pk} 0", flush=True)
        _retrying(petition_classify, actor=clerk, petition_id=letter.pk,
                  kind="recommendation", competence="here")
        print(f"letter {letter.pk} 1", flush=True)
        _retrying(petition_accept, actor=leader, petition_id=letter.pk,
                  doc_number="01/TB", doc_date=day)
        print(f"letter {letter.pk} 2", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if sys.argv[1] == "setup":
        setup()
    else:
        write(sys.argv[2])
