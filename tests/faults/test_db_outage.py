"""A committed action is answered as committed; a database away before the commit is
answered "not saved, try again" with what was typed kept (issue 20, item 6).

Before the change the session was saved after the view (SESSION_SAVE_EVERY_REQUEST): a
database error there turned a saved letter into the generic 500 page, and an error during
the view gave the generic 500 page too."""
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.urls import reverse

from casework.models import Petition
from tests.casework.test_pages import intake_post

SUMMARY = "Kiến nghị nạo vét kênh mương thôn Lại trước mùa mưa."


def database_gone(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_a_saved_letter_is_answered_as_saved_whatever_the_session_store_does_after(
        client, tree, clerk, monkeypatch):
    client.force_login(clerk)
    assert client.get(reverse("casework:petition-create")).status_code == 200
    # From here on, any session write fails, as it would with the database restarting.
    monkeypatch.setattr(SessionStore, "save", database_gone)
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk, summary=SUMMARY))
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:petition-detail", args=[petition.pk])


@pytest.mark.django_db
def test_a_database_away_during_the_view_says_not_saved_and_keeps_what_was_typed(
        client, tree, clerk, monkeypatch):
    client.force_login(clerk)
    monkeypatch.setattr("casework.views.petitions.petition_receive", database_gone)
    data = intake_post(organisation=tree.office.pk, summary=SUMMARY)
    response = client.post(reverse("casework:petition-create"), data)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Chưa lưu được, đề nghị thử lại" in page
    assert "Yêu cầu này chưa được lưu" in page
    assert f'name="summary" value="{SUMMARY}"' in page
    assert f'name="form_token" value="{data["form_token"]}"' in page
    assert f'action="{reverse("casework:petition-create")}"' in page
    assert not Petition.objects.exists()
    # The retry button posts the same data again: once the database is back, it is saved.
    monkeypatch.undo()
    client.force_login(clerk)
    assert client.post(reverse("casework:petition-create"), data).status_code == 302
    assert Petition.objects.get().summary == SUMMARY


@pytest.mark.django_db
def test_a_database_away_before_the_view_says_not_saved_too(client, tree, clerk, monkeypatch):
    client.force_login(clerk)
    monkeypatch.setattr(SessionStore, "save", database_gone)  # the refresh before the view
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk, summary=SUMMARY))
    assert response.status_code == 503
    assert "Chưa lưu được, đề nghị thử lại" in response.content.decode()
    assert not Petition.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_connection_lost_mid_view_is_answered_not_saved(
        client, tree, clerk, monkeypatch):
    """The real error: the server ends this connection (as a restart does) during the
    view, before the letter's transaction commits."""
    from casework.views import petitions as views

    real = views.petition_receive

    def receive_on_a_dying_connection(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(**kwargs)

    client.force_login(clerk)
    monkeypatch.setattr(views, "petition_receive", receive_on_a_dying_connection)
    response = client.post(reverse("casework:petition-create"),
                           intake_post(organisation=tree.office.pk, summary=SUMMARY))
    assert response.status_code == 503
    assert "Chưa lưu được, đề nghị thử lại" in response.content.decode()
    connection.close()
    assert not Petition.objects.exists()
