"""The pages a clerk uses, driven over HTTP as a browser would."""
import datetime
import secrets

import pytest
from django.urls import reverse

from casework.models import Petition
from tests.factories import receive_petition, user_with_role


def intake_post(**overrides):
    data = {
        "organisation": "", "received_on": "03/09/2025", "channel": "direct",
        "forwarded_by": "", "kind": "recommendation", "sender_type": "named",
        "subject_name": "", "subject_member": "", "summary": "Kiến nghị lắp đèn đường thôn Lại.",
        "senders-TOTAL_FORMS": "3", "senders-INITIAL_FORMS": "0",
        "senders-MIN_NUM_FORMS": "0", "senders-MAX_NUM_FORMS": "20",
        "senders-0-full_name": "Vũ Văn Hải", "senders-0-address": "Thôn Lại",
        "senders-0-phone": "", "senders-0-id_number": "",
        # Each call is a fresh rendering of the form, as each page the clerk opens is.
        "form_token": secrets.token_urlsafe(32),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_clerk_logs_a_letter_and_walks_it_to_resolved(client, tree, clerk, leader):
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk))
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:petition-detail", args=[petition.pk])
    page = client.get(response["Location"]).content.decode()
    assert "001/2025" in page and "Vũ Văn Hải" in page
    assert reverse("casework:petition-transition", args=[petition.pk, "classify"]) in page
    # The clerk has no "accept" (thụ lý) button: that is a decision.
    assert reverse("casework:petition-transition", args=[petition.pk, "accept"]) not in page

    steps = [
        (clerk, "classify", {"kind": "recommendation", "competence": "other"}),
        (clerk, "transfer", {"recipient": "UBND xã Kè Sắt", "doc_number": "15-CV/ĐU",
                             "doc_date": "05/09/2025"}),
        (leader, "follow_up", {"reason": "Đôn đốc bằng điện thoại"}),
        (clerk, "resolve", {"result": "UBND xã đã lắp 12 bóng đèn", "doc_number": "88/UBND",
                            "doc_date": "20/10/2025"}),
    ]
    for user, action, data in steps:
        client.force_login(user)
        petition.refresh_from_db()
        url = reverse("casework:petition-transition", args=[petition.pk, action])
        assert client.get(url).status_code == 200
        response = client.post(url, {"expected_status": petition.status, **data})
        assert response.status_code == 302, response.content.decode()[:2000]
    petition.refresh_from_db()
    assert petition.status == "resolved" and petition.closed_on == datetime.date(2025, 10, 20)
    page = client.get(reverse("casework:petition-detail", args=[petition.pk])).content.decode()
    for text in ("UBND xã Kè Sắt", "15-CV/ĐU", "05/09/2025", "Đôn đốc bằng điện thoại",
                 "UBND xã đã lắp 12 bóng đèn"):
        assert text in page
    receipt = client.get(reverse("casework:petition-receipt", args=[petition.pk]))
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert "GIẤY BIÊN NHẬN" in body and "ĐẢNG CỘNG SẢN VIỆT NAM" in body and "001/2025" in body


@pytest.mark.django_db
def test_intake_page_shows_field_errors_and_writes_nothing(client, tree, clerk):
    client.force_login(clerk)
    # A month ahead: inside the accepted window (casework.dates), but after today.
    ahead = datetime.date.today() + datetime.timedelta(days=31)
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, received_on=f"{ahead:%d/%m/%Y}", kind="",
        **{"senders-0-full_name": ""}))
    assert response.status_code == 200
    form = response.context["form"]
    assert "không được sau ngày hôm nay" in " ".join(form.errors["received_on"])
    assert "Chưa chọn loại đơn" in " ".join(form.errors["kind"])
    assert "ít nhất một người gửi" in " ".join(form.sender_errors)
    assert "ít nhất một người gửi" not in " ".join(form.non_field_errors())
    assert "ít nhất một người gửi" in response.content.decode()
    assert Petition.objects.count() == 0


@pytest.mark.django_db
def test_transfer_page_without_recipient_shows_error(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)
    url = reverse("casework:petition-transition", args=[petition.pk, "classify"])
    client.post(url, {"expected_status": "received", "kind": "complaint", "competence": "other"})
    url = reverse("casework:petition-transition", args=[petition.pk, "transfer"])
    response = client.post(url, {"expected_status": "classified", "recipient": "",
                                 "doc_number": "1", "doc_date": "04/09/2025"})
    assert response.status_code == 200
    assert "Chưa chọn nơi nhận đơn chuyển" in " ".join(response.context["form"].errors["recipient"])
    petition.refresh_from_db()
    assert petition.status == "classified"


@pytest.mark.django_db
def test_lost_race_on_the_page_gives_a_message(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    other = user_with_role("clerk", tree.office)
    client.force_login(other)
    client.post(reverse("casework:petition-transition", args=[petition.pk, "classify"]),
                {"expected_status": "received", "kind": "complaint", "competence": "other"})
    client.force_login(clerk)  # submits the form they opened before the other clerk acted
    response = client.post(
        reverse("casework:petition-transition", args=[petition.pk, "withdraw"]),
        {"expected_status": "received", "doc_date": "10/09/2025"}, follow=True)
    text = response.content.decode()
    assert "vừa được người khác cập nhật" in text
    petition.refresh_from_db()
    assert petition.status == "classified" and petition.events.count() == 2


@pytest.mark.django_db
def test_duplicate_warning_needs_confirmation(client, tree, clerk):
    receive_petition(actor=clerk, organisation=tree.office, sender="Vũ Văn Hải",
                     summary="Kiến nghị lắp đèn đường thôn Lại.")
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk))
    assert response.status_code == 200
    assert response.context["duplicates"]
    assert Petition.objects.count() == 1
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk, confirm_duplicate="on"))
    assert response.status_code == 302
    assert Petition.objects.count() == 2


@pytest.mark.django_db
def test_list_filters_and_totals_add_up(client, tree, clerk):
    for kind in ("complaint", "complaint", "recommendation"):
        receive_petition(actor=clerk, organisation=tree.office, kind=kind)
    client.force_login(clerk)
    response = client.get(reverse("casework:petition-list"), {"loai": "complaint"})
    assert response.context["total"] == 2
    assert dict(response.context["kind_totals"])["Khiếu nại"] == 2
    assert sum(n for _label, n in response.context["status_totals"]) == 2
    response = client.get(reverse("casework:petition-list"), {"tim": "2/2025"})
    assert [p.receipt_number for p in response.context["page"]] == ["002/2025/VPĐU"]


@pytest.mark.django_db
def test_intake_without_organisation_names_the_field(client, tree, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("casework:petition-create"), intake_post())
    assert response.status_code == 200
    assert "Chưa chọn nơi tiếp nhận" in " ".join(response.context["form"].errors["organisation"])
    assert Petition.objects.count() == 0


@pytest.mark.django_db
def test_english_browser_still_gets_vietnamese_until_english_is_chosen(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Sổ tiếp nhận đơn thư" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("casework:petition-list"))
    assert page.content.decode().count('lang="en"') == 1


@pytest.mark.django_db
def test_opening_an_action_that_is_not_available_explains_why(client, tree, clerk):
    # The clerk may record a result, but not while the letter is only received.
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)
    response = client.get(reverse("casework:petition-transition", args=[petition.pk, "resolve"]),
                          follow=True)
    assert response.redirect_chain[-1][0] == reverse("casework:petition-detail",
                                                     args=[petition.pk])
    assert ("Bạn không thể “Ghi nhận kết quả giải quyết” đối với đơn này lúc này."
            in response.content.decode())


def test_opening_an_action_the_role_never_has_is_forbidden(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)
    response = client.get(reverse("casework:petition-transition", args=[petition.pk, "accept"]))
    assert response.status_code == 403
    assert "không được phép “Thụ lý giải quyết”" in response.content.decode()
