"""The words of a notice: receipt number, step, dd/mm/yyyy dates, counts with a leading
zero, days counted as the rule counts them, the legal basis and a link to the case."""
import datetime

import pytest
from django.test import override_settings
from django.utils import translation

from notifications.mail import build_email, message_id
from notifications.models import Notice, NoticeKind, kind_for_rung
from notifications.rendering import deadline_phrase, render_notice
from tests.factories import receive_petition
from tests.notifications.conftest import make_clock, make_escalation, make_rule

pytestmark = pytest.mark.django_db

D = datetime.date


def escalation_notice(petition, recipient, *, rung, due_on, fired_on, channel="in_app",
                      **rule):
    clock = make_clock(petition, due_on=due_on, rule=make_rule(**rule), assignee=recipient)
    escalation = make_escalation(clock, rung=rung, fired_on=fired_on)
    return Notice.objects.create(
        cause_key=f"esc:{escalation.pk}", kind=kind_for_rung(rung), recipient=recipient,
        channel=channel, clock=clock, escalation=escalation, petition=petition)


def test_overdue_notice_in_working_days_with_legal_basis_and_link(tree, mailed_clerk):
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office,
                                kind="denunciation")
    # Due Friday 05/09/2025; fired Tuesday 09/09: Mon 8 and Tue 9 are the 02 working days.
    notice = escalation_notice(petition, mailed_clerk, rung=2, due_on=D(2025, 9, 5),
                               fired_on=D(2025, 9, 9), unit="working", length=7,
                               step="classify", legal_basis="Luật Tố cáo 2018, Điều 24")
    r = render_notice(notice)
    assert r.subject == ("Quá hạn: Đơn số 001/2025/VPĐU – Phân loại, xử lý đơn, "
                         "quá hạn 02 ngày làm việc")
    assert "Đơn số 001/2025/VPĐU (Tố cáo) – Văn phòng Đảng ủy" in r.text
    assert "thời hạn 07 ngày làm việc" in r.text
    assert "Hạn: 05/09/2025 – quá hạn 02 ngày làm việc (tính đến ngày 09/09/2025)" in r.text
    assert "Căn cứ: Luật Tố cáo 2018, Điều 24" in r.text
    assert "Người xử lý: Nguyễn Thị Hoa" in r.text
    assert r.url == f"/don-thu/{petition.pk}/"


@override_settings(SITE_URL="https://casework.kesat.vn")
def test_email_links_are_absolute_and_message_id_is_stable(tree, mailed_clerk):
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office)
    notice = escalation_notice(petition, mailed_clerk, rung=0, due_on=D(2025, 9, 12),
                               fired_on=D(2025, 9, 10), channel="email")
    assert render_notice(notice, absolute=True).url == (
        f"https://casework.kesat.vn/don-thu/{petition.pk}/")
    message = build_email(notice)
    assert message.subject == "Sắp đến hạn: Đơn số 001/2025/VPĐU – Giải quyết, hạn 12/09/2025"
    assert "còn 02 ngày (tính đến ngày 10/09/2025)" in message.body
    assert f"https://casework.kesat.vn/don-thu/{petition.pk}/" in message.body
    expected = f"<notice-{notice.pk}.esc-{notice.escalation_id}@casework.kesat.vn>"
    assert message.extra_headers["Message-ID"] == expected == message_id(notice)
    assert message.message()["Message-ID"] == expected


def test_each_rung_has_its_own_subject(tree, mailed_clerk):
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office)
    subjects = [render_notice(escalation_notice(
        petition, mailed_clerk, rung=rung, due_on=D(2025, 9, 10), fired_on=fired)).subject
        for rung, fired in ((0, D(2025, 9, 8)), (1, D(2025, 9, 10)), (2, D(2025, 9, 12)),
                            (3, D(2025, 9, 25)))]
    assert subjects == [
        "Sắp đến hạn: Đơn số 001/2025/VPĐU – Giải quyết, hạn 10/09/2025",
        "Đến hạn: Đơn số 001/2025/VPĐU – Giải quyết, hạn 10/09/2025",
        "Quá hạn: Đơn số 001/2025/VPĐU – Giải quyết, quá hạn 02 ngày",
        "Nhắc lại: Đơn số 001/2025/VPĐU – Giải quyết, quá hạn 15 ngày",
    ]


def test_deadline_phrases_count_as_the_rule_counts():
    assert deadline_phrase(D(2025, 9, 10), D(2025, 9, 10), "working") == "đến hạn"
    # Fri 29/08 → Wed 03/09 crosses the weekend and Quốc khánh 1–2/9: one working day.
    assert deadline_phrase(D(2025, 9, 3), D(2025, 8, 29), "working") == "còn 01 ngày làm việc"
    assert deadline_phrase(D(2025, 9, 3), D(2025, 8, 29), "calendar") == "còn 05 ngày"
    assert deadline_phrase(D(2025, 9, 1), D(2025, 10, 1), "calendar") == "quá hạn 30 ngày"
    # A gap with no working day in it (due on a Saturday, read on Sunday) says calendar
    # days rather than "00 ngày làm việc".
    assert deadline_phrase(D(2025, 9, 6), D(2025, 9, 7), "working") == "quá hạn 01 ngày"


def test_event_notice_says_what_who_and_when(tree, mailed_clerk, mailed_leader):
    receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    notice = Notice.objects.get(kind=NoticeKind.EVENT, channel="in_app")
    r = render_notice(notice)
    assert r.subject == "Đơn khiếu nại mới: Đơn số 001/2025/VPĐU"
    assert "Diễn biến: Tiếp nhận đơn" in r.text
    assert "Người thực hiện: Nguyễn Thị Hoa" in r.text
    assert "Trạng thái: Đã tiếp nhận" in r.text


def test_email_is_in_the_office_language_whatever_the_actor_uses(tree, mailed_clerk,
                                                                 mailed_leader):
    receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    notice = Notice.objects.get(kind=NoticeKind.EVENT, channel="email")
    with translation.override("en"):
        message = build_email(notice)
    assert message.subject == "Đơn khiếu nại mới: Đơn số 001/2025/VPĐU"


def test_an_email_is_valid_mime_with_its_vietnamese_subject_in_whole_characters(
        tree, mailed_clerk, settings):
    """The MIME text is written by notifications/mail.py, not by Python's e-mail package:
    a parser reads back the subject, body and headers, every header line is within 78
    characters, each encoded word is whole UTF-8 characters, and each notice has its
    own Message-ID and a Date."""
    import base64
    import email
    import email.policy
    import re

    petition = receive_petition(actor=mailed_clerk, organisation=tree.office,
                                kind="denunciation")
    notices = [escalation_notice(petition, mailed_clerk, rung=2, due_on=D(2025, 9, 5),
                                 fired_on=D(2025, 9, 9), channel="email",
                                 step="classify", legal_basis="Luật Tố cáo 2018, Điều 24")
               for _ in range(2)]
    for notice in notices:
        message = build_email(notice)
        raw = message.message().as_bytes(linesep="\r\n")
        head, _, body = raw.partition(b"\r\n\r\n")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert not parsed.defects
        assert str(parsed["Subject"]) == message.subject
        assert message.subject.startswith("Quá hạn: Đơn số 001/2025/VPĐU – Phân loại")
        assert parsed.get_content().replace("\r\n", "\n") == message.body
        assert body == message.body.replace("\n", "\r\n").encode()
        assert parsed["Content-Type"] == 'text/plain; charset="utf-8"'
        assert parsed["Content-Transfer-Encoding"] == "8bit"
        assert parsed["To"] == "vanphong@kesat.vn" and parsed["Date"]
        assert parsed["Message-ID"] == message_id(notice)
        assert max(len(line) for line in head.split(b"\r\n")) <= 78
        words = re.findall(rb"=\?utf-8\?b\?([^?]*)\?=", head)
        assert len(words) >= 2
        for word in words:
            base64.b64decode(word).decode("utf-8")  # whole characters in each word
    assert message_id(notices[0]) != message_id(notices[1])


def test_an_email_with_a_line_too_long_for_smtp_is_sent_quoted_printable():
    import email
    import email.policy

    from notifications.mail import PreparedEmail, SharedText

    body = "Đơn " * 400 + "\nhết\n"
    raw = PreparedEmail(SharedText("Ngắn", body), "a@kesat.vn", "<x@y>").message().as_bytes(
        linesep="\r\n")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert parsed.get_content().replace("\r\n", "\n") == body and str(parsed["Subject"]) == "Ngắn"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
