"""How much one letter may bring: a count and a total size per intake, refused in the
form (named field, what was typed kept, nothing stored), and anything beyond what the
form could ever accept refused at the door with our own 400 page."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.models import Attachment, Petition
from tests.casework.test_intake import PDF, files_on_disk
from tests.casework.test_pages import intake_post

PDF_SIZE = len(PDF)


def scans(n, size=PDF_SIZE):
    body = PDF + b"\x00" * max(0, size - len(PDF))
    return [SimpleUploadedFile(f"don-{i}.pdf", body, content_type="application/pdf")
            for i in range(n)]


def nothing_stored():
    return not Petition.objects.exists() and not Attachment.objects.exists() and not files_on_disk()


@pytest.mark.django_db
def test_more_files_than_one_letter_may_have_is_refused_in_the_form(client, tree, clerk,
                                                                      settings):
    settings.ATTACHMENT_MAX_FILES = 10
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {**intake_post(organisation=tree.office.pk), "attachments": scans(11)})
    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert any(e.startswith("Bản quét đơn:") and "10 tệp" in e and "11" in e for e in errors)
    html = response.content.decode()
    # What was typed is still there; the files must be chosen again, and the page says so.
    assert "Kiến nghị lắp đèn đường thôn Lại." in html and "Vũ Văn Hải" in html
    assert "chọn lại" in " ".join(errors)
    assert nothing_stored()


@pytest.mark.django_db
def test_files_over_the_total_size_are_refused_in_the_form(client, tree, clerk, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 3000
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {**intake_post(organisation=tree.office.pk),
                            "attachments": scans(4, size=1000)})
    assert response.status_code == 200
    errors = response.context["form"].errors["attachments"]
    assert any(e.startswith("Bản quét đơn:") and "tổng dung lượng" in e for e in errors)
    assert nothing_stored()


@pytest.mark.django_db
def test_the_intake_page_states_the_limits(client, clerk):
    client.force_login(clerk)
    html = client.get(reverse("casework:petition-create")).content.decode()
    assert "một đơn tối đa 10 tệp, tổng cộng 50,0" in html


@pytest.mark.django_db
def test_within_the_limits_the_files_are_kept(client, tree, clerk, settings):
    settings.ATTACHMENT_MAX_FILES = 3
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {**intake_post(organisation=tree.office.pk), "attachments": scans(3)})
    assert response.status_code == 302
    assert Attachment.objects.count() == 3


@pytest.mark.django_db
def test_a_hundred_and_one_files_get_our_400_page(client, tree, clerk, settings):
    settings.DEBUG = False
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {**intake_post(organisation=tree.office.pk), "attachments": scans(101)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Casework" in html and "Django Material" not in html
    assert "tối đa" in html and "tệp" in html
    assert nothing_stored()


@pytest.mark.django_db
def test_a_request_body_beyond_any_intake_is_refused_at_the_door(client, tree, clerk, settings):
    settings.DEBUG = False
    settings.REQUEST_MAX_BYTES = 20_000
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {**intake_post(organisation=tree.office.pk),
                            "attachments": scans(3, size=10_000)})
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert nothing_stored()


def test_django_limits_sit_above_ours_and_are_bounded():
    from django.conf import settings

    assert settings.ATTACHMENT_MAX_FILES < settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 50
    assert settings.ATTACHMENT_MAX_TOTAL_BYTES < settings.REQUEST_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
