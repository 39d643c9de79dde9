"""Quick intake (issue 13): names in title case and NFC, NFD and NFC finding each other in
the register search and the duplicate hint, hints across years and by household address,
today's date prefilled, the subject's label following the kind, the member picker grouped
by branch, and the error summary linking to each field."""
import datetime
import re
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Petition, PetitionSender
from casework.services.duplicates import find_duplicates
from casework.services.petitions import SenderData
from casework.text import name_case
from tests.casework.test_pages import intake_post
from tests.factories import MemberFactory, receive_petition

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731 – as a phone may send it


@pytest.mark.parametrize("typed, stored", [
    ("ngô văn thịnh", "Ngô Văn Thịnh"),
    ("NGÔ VĂN THỊNH", "Ngô Văn Thịnh"),
    ("đặng thị ánh tuyết", "Đặng Thị Ánh Tuyết"),
    ("ĐỖ ĐỨC ĐẠT", "Đỗ Đức Đạt"),
    ("  lê   thị  mai-anh ", "Lê Thị Mai-Anh"),
    ("ưng hoàng phúc", "Ưng Hoàng Phúc"),
    ("ỷ lan", "Ỷ Lan"),
    ("Nguyễn văn An", "Nguyễn Văn An"),  # mixed case: only the small words change …
    ("Trần Thị MacLean", "Trần Thị MacLean"),  # … a word with a capital is kept
    ("=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"),  # not a plain name: as typed
])
def test_names_are_title_cased_and_composed(typed, stored):
    for form in (typed, NFD(typed)):
        result = name_case(form)
        assert result == stored
        assert unicodedata.is_normalized("NFC", result)
    assert SenderData(NFD(typed)).full_name == stored  # what the service stores


@pytest.mark.django_db
def test_intake_stores_the_name_in_title_case_nfc(client, tree, clerk):
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, **{"senders-0-full_name": NFD("ngô văn thịnh")}))
    assert response.status_code == 302
    assert PetitionSender.objects.get().full_name == "Ngô Văn Thịnh"  # NFC, title case


@pytest.mark.django_db
def test_nfd_search_finds_an_nfc_record_and_back(client, tree, clerk):
    client.force_login(clerk)
    nfc = receive_petition(actor=clerk, organisation=tree.office, sender="Nguyễn Thị Hường",
                           summary="Kiến nghị về đường điện thôn Lại.")
    nfd = receive_petition(actor=clerk, organisation=tree.office, sender=NFD("Đoàn Văn Quý"),
                           summary=NFD("Phản ánh việc đổ rác ở bờ sông."))
    register = reverse("casework:petition-list")

    def found(text):
        page = client.get(register, {"tim": text})
        return {p.pk for p in page.context["page"].object_list}

    assert found(NFD("Hường")) == {nfc.pk}
    assert found("Đoàn Văn Quý") == {nfd.pk}  # stored composed, searched composed
    assert found("đổ rác") == {nfd.pk}
    assert found(NFD("ĐỔ RÁC")) == {nfd.pk}
    assert found("huong") == {nfc.pk}  # without accents


@pytest.mark.django_db
def test_duplicate_hint_across_years_for_nfd_typed_name(tree, clerk):
    """The third letter about the same road, two years after the first: a hint, with the
    name typed decomposed and in small letters."""
    road = "Kiến nghị sửa chữa đường liên thôn Hòa Ché bị sụt lún, đi lại khó khăn."
    first = receive_petition(actor=clerk, organisation=tree.office, sender="Lã Văn Đông",
                             received_on=datetime.date(2023, 5, 4), summary=road)
    second = receive_petition(actor=clerk, organisation=tree.office, sender="Lã Văn Đông",
                              received_on=datetime.date(2024, 6, 1), summary=road)
    hints = find_duplicates(
        visible=Petition.objects.visible_to(clerk),
        senders=[SenderData(NFD("lã văn đông"))],
        summary="Kiến nghị sửa đường liên thôn Hòa Ché bị sụt lún",
        received_on=datetime.date(2025, 9, 3))
    assert [h.petition for h in hints] == [second, first]


@pytest.mark.django_db
def test_duplicate_hint_by_household_address_accent_and_case_insensitive(tree, clerk):
    letter = receive_petition(actor=clerk, organisation=tree.office, sender="Cao Văn Bảy",
                              received_on=datetime.date(2024, 1, 10),
                              summary="Phản ánh trạm bơm tiêu úng xóm Đình hỏng.")
    PetitionSender.objects.filter(petition=letter).update(address="Số 12 xóm Đình, thôn Lại")
    hints = find_duplicates(
        visible=Petition.objects.visible_to(clerk),
        senders=[SenderData("Cao Thị Tám", address=NFD("SO 12 XOM DINH, THON LAI"))],
        summary="Phản ánh trạm bơm tiêu úng xóm Đình bị hỏng",
        received_on=datetime.date(2025, 9, 3))
    assert [h.petition for h in hints] == [letter]
    # A village alone is not a household: no hint from the address "Thôn Lại".
    assert not find_duplicates(
        visible=Petition.objects.visible_to(clerk),
        senders=[SenderData("Cao Thị Tám", address="Thôn Lại")],
        summary="Phản ánh trạm bơm tiêu úng xóm Đình bị hỏng",
        received_on=datetime.date(2025, 9, 3))


@pytest.mark.django_db
def test_intake_page_shows_the_hint_for_an_old_letter(client, tree, clerk):
    client.force_login(clerk)
    receive_petition(actor=clerk, organisation=tree.office, sender="Vũ Văn Hải",
                     received_on=datetime.date(2022, 3, 1),
                     summary="Kiến nghị lắp đèn đường thôn Lại.")
    response = client.post(reverse("casework:petition-create"), intake_post(
        organisation=tree.office.pk, **{"senders-0-full_name": "vu van hai"}))
    assert response.status_code == 200  # held back for the confirmation box
    page = response.content.decode()
    assert "Có thể là đơn trùng" in page and "001/2022/VPĐU" in page
    assert 'href="#id_confirm_duplicate"' in page  # the summary links to the box


@pytest.mark.django_db
def test_intake_page_prefills_today_and_groups_members_by_branch(client, tree, clerk):
    MemberFactory(full_name="Nguyễn Văn Bình", organisation=tree.branch_a)
    MemberFactory(full_name="Nguyễn Văn Bình", organisation=tree.branch_b)
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-create")).content.decode()
    today = timezone.localdate()
    assert re.search(rf'name="received_on" value="{today:%d/%m/%Y}"', page)
    for branch in (tree.branch_a, tree.branch_b):
        group = re.search(rf'<optgroup label="{branch.name}">(.*?)</optgroup>', page, re.S)
        assert group and f"Nguyễn Văn Bình – {branch.name}" in group.group(1)
    assert 'data-filter="Tìm đảng viên theo tên hoặc chi bộ"' in page


@pytest.mark.django_db
def test_subject_label_follows_the_kind_after_a_failed_post(client, tree, clerk):
    client.force_login(clerk)
    assert "Người, tổ chức bị khiếu nại, tố cáo, phản ánh" in client.get(
        reverse("casework:petition-create")).content.decode()
    for kind, label in [("denunciation", "Người bị tố cáo"),
                        ("complaint", "Người, tổ chức bị khiếu nại"),
                        ("feedback", "Người, tổ chức bị phản ánh"),
                        ("recommendation", "Người, tổ chức bị kiến nghị")]:
        response = client.post(reverse("casework:petition-create"), intake_post(
            organisation=tree.office.pk, kind=kind, summary=""))
        assert response.status_code == 200
        page = response.content.decode()
        assert re.search(rf'<label class="form-label" for="id_subject_name"[^>]*>{label}<', page)


@pytest.mark.django_db
def test_error_summary_links_to_each_field_also_the_file_further_down(client, tree, clerk,
                                                                      settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_FILES = 1
    client.force_login(clerk)
    scans = [SimpleUploadedFile(f"don{i}.pdf", b"%PDF-1.4\n%%EOF\n",
                                content_type="application/pdf") for i in range(2)]
    def anchors(data):
        response = client.post(reverse("casework:petition-create"), data)
        assert response.status_code == 200
        summary = re.search(r'<div class="errornote[^"]*" role="alert"[^>]*id="error-summary">'
                            r'(.*?)</div>', response.content.decode(), re.S).group(1)
        return summary, set(re.findall(r'href="#([\w-]+)"', summary))

    # The form's own checks: the file (at the bottom of the page) and a sender's phone.
    summary, found = anchors({**intake_post(organisation=tree.office.pk,
                                            **{"senders-1-phone": "x" * 31}),
                              "attachments": scans})
    assert found == {"id_attachments", "id_senders-1-phone"}
    assert "Bản quét đơn" in summary and "Người gửi 2 – Điện thoại" in summary
    # The service's checks, put back on their fields.
    summary, found = anchors(intake_post(organisation=tree.office.pk, kind="", summary=""))
    assert {"id_kind", "id_summary"} <= found
