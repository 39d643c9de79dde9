"""Every rule names its source and whether it was checked against the text; the
administrator sees that state and confirms a rule; users read the legal basis only."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from casework.errors import ActionRefused
from tests.factories import receive_petition
from workflows.models import DeadlineClock, DeadlineRule
from workflows.services.rules import rule_confirm

D = dt.date


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.mark.django_db
def test_every_rule_names_its_source():
    for rule in DeadlineRule.objects.all():
        assert rule.source_title, rule.code
        assert "chưa xác nhận" not in rule.legal_basis, rule.code
        if rule.confirmed:
            assert rule.source_article and rule.source_date, rule.code
    # Party procedures stay unconfirmed; statute rules checked on 30/11/2026 are confirmed.
    assert not DeadlineRule.objects.get(code="kt-tham-tra").confirmed
    assert not DeadlineRule.objects.get(code="to-cao-dang-vien-giai-quyet",
                                        effective_from=D(2026, 7, 1)).confirmed
    assert DeadlineRule.objects.get(code="khieu-nai-thu-ly", effective_from=D(2026, 7, 1)).confirmed


@pytest.mark.django_db
def test_admin_sees_the_state_and_confirms_a_rule(client, admin_user):
    rule = DeadlineRule.objects.get(code="kt-tham-tra")
    client.force_login(admin_user)
    listing = client.get(reverse("admin:workflows_deadlinerule_changelist")).content.decode()
    assert "Quy định 296-QĐ/TW" in listing and "Xác nhận đã đối chiếu văn bản" in listing
    detail = client.get(reverse("admin:workflows_deadlinerule_change", args=[rule.pk]))
    assert "Điều, khoản" in detail.content.decode() or "điều, khoản" in detail.content.decode()
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        response = client.post(reverse("admin:workflows_deadlinerule_changelist"),
                               {"action": "confirm_rules", "_selected_action": [rule.pk]})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.confirmed, rule.confirmed_by, rule.confirmed_on) == (
        True, admin_user, D(2026, 12, 1))
    # Correcting the source afterwards makes it unconfirmed again.
    data = {name: getattr(rule, name) for name in (
        "warn_days_before", "warn_audience", "due_audience", "overdue_days_after",
        "overdue_audience", "reminder_every_days")}
    response = client.post(reverse("admin:workflows_deadlinerule_change", args=[rule.pk]),
                           {**data, "source_article": "Điều 10", "source_title": rule.source_title,
                            "source_date": "30/05/2025"})
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert (rule.source_article, rule.confirmed, rule.confirmed_by) == ("Điều 10", False, None)


@pytest.mark.django_db
def test_only_an_administrator_confirms_and_only_a_sourced_rule(clerk):
    rule = DeadlineRule.objects.get(code="kt-tham-tra")
    with pytest.raises(ActionRefused):
        rule_confirm(actor=clerk, rule_ids=[rule.pk])
    DeadlineRule.objects.filter(pk=rule.pk).update(source_title="")
    clerk.is_superuser = True
    with pytest.raises(ActionRefused) as refused:
        rule_confirm(actor=clerk, rule_ids=[rule.pk])
    assert "Chưa ghi tên văn bản" in refused.value.message


@pytest.mark.django_db
def test_users_see_the_basis_without_noise_and_the_administrator_sees_the_state(
        client, tree, clerk, admin_user):
    with time_machine.travel(at(D(2026, 8, 3)), tick=False):
        member_letter = receive_petition(actor=clerk, organisation=tree.office,
                                         kind="recommendation", received_on=D(2026, 8, 3))
    DeadlineRule.objects.filter(code="kien-nghi-tra-loi").update(confirmed=False)
    url = reverse("casework:petition-detail", args=[member_letter.pk])
    client.force_login(clerk)
    html = client.get(url).content.decode()
    assert "Quy định của cấp ủy (không có thời hạn luật định)" in html
    assert "chưa xác nhận" not in html and "chưa đối chiếu" not in html
    client.force_login(admin_user)
    assert "quy tắc chưa đối chiếu văn bản" in client.get(url).content.decode()
    assert DeadlineClock.objects.filter(petition=member_letter).exists()


@pytest.mark.django_db
def test_rows_installed_before_sources_get_them_once_and_are_not_overwritten_after():
    from workflows.default_rules import install_default_rules

    old = DeadlineRule.objects.get(code="khieu-nai-thu-ly", effective_from=D(2012, 7, 1))
    DeadlineRule.objects.filter(pk=old.pk).update(source_article="", source_title="",
                                                  source_date=None, confirmed=False)
    edited = DeadlineRule.objects.get(code="kt-hop")
    DeadlineRule.objects.filter(pk=edited.pk).update(source_article="Điều 12",
                                                     source_title="Quy định 21-QĐ/TW")
    install_default_rules(DeadlineRule)
    old.refresh_from_db()
    assert (old.source_article, old.source_title, old.source_date, old.confirmed) == (
        "Điều 27", "Luật Khiếu nại số 02/2011/QH13", D(2011, 11, 11), True)
    assert (old.length, old.unit) == (10, "calendar")  # the rule itself untouched
    edited.refresh_from_db()
    assert (edited.source_article, edited.source_title) == ("Điều 12", "Quy định 21-QĐ/TW")
