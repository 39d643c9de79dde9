"""Errors are answered with our own pages (Vietnamese, the product's layout), never with
the ones viewflow's Material frontend ships under the same names."""
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template.loader import get_template
from django.test import Client
from django.urls import path, reverse

from config.urls import urlpatterns as product_urls
from tests.factories import receive_petition

OURS = Path(django_settings.BASE_DIR) / "templates"


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("hong/", broken_view), *product_urls]
handler400 = "config.errors.bad_request"


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html", "500.html"])
def test_our_error_templates_are_the_ones_found(name):
    origin = Path(get_template(name).origin.name)
    assert origin == OURS / name


@pytest.mark.django_db
def test_a_missing_page_is_our_404(client, clerk, settings):
    settings.DEBUG = False
    client.force_login(clerk)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html and "Sổ đơn thư" in html


@pytest.mark.django_db
def test_a_refused_transition_is_our_403(client, tree, clerk, settings):
    settings.DEBUG = False
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)  # a clerk never takes the "accept" (thụ lý) decision
    response = client.get(reverse("casework:petition-transition", args=[petition.pk, "accept"]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Không có quyền truy cập" in html and "không được phép" in html
    assert "Material" not in html


@pytest.mark.django_db
def test_a_failing_view_is_our_500_even_with_no_database(settings, clerk, monkeypatch):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(clerk)
    # The page must not need what may have failed: context processors, the database.
    from django.db.backends.base.base import BaseDatabaseWrapper

    def no_db(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", no_db)
    response = client.get("/hong/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Lỗi hệ thống" in html and "Material" not in html


@pytest.mark.django_db
def test_a_bad_request_is_our_400(settings, clerk):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = Client()
    client.force_login(clerk)
    response = client.post(reverse("casework:petition-create"),
                           {f"f{i}": "x" for i in range(20)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Yêu cầu không hợp lệ" in html and "Material" not in html
