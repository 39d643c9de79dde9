"""Register search: a name, address or summary is found however it was typed (composed or
decomposed Unicode, upper or lower case, with or without Vietnamese accents, đ or d), on
both sides (what is stored and what is searched). A cleared user's name search that returns
a protected letter links a denouncer's name to the letter: each such letter is logged."""
import datetime
import unicodedata

import pytest
from django.urls import reverse

from casework.models import IdentityAccess, Petition, PetitionSender, RoleAssignment
from casework.search_keys import search_key
from casework.services.duplicates import find_duplicates
from casework.services.petitions import SenderData, petition_receive
from tests.factories import UserFactory, receive_petition

pytestmark = pytest.mark.django_db

LIST = "/api/don-thu/"
NAME = "Trần Văn Thắng"
SECRET_NAME, SECRET_ADDRESS = "Vũ Thị Kín Đáo", "Xóm Giữa, thôn Lại"


def nfd(text):
    return unicodedata.normalize("NFD", text)


def person(username, role, organisation, *, cleared=False):
    user = UserFactory(username=username)
    RoleAssignment.objects.create(user=user, organisation=organisation, role=role,
                                  identity_clearance=cleared)
    return user


@pytest.fixture
def letters(tree, admin_user):
    return dict(
        thang=receive_petition(actor=admin_user, organisation=tree.branch_a, sender=NAME,
                               summary="Khiếu nại về bồi thường đất nông nghiệp."),
        thang_again=receive_petition(actor=admin_user, organisation=tree.branch_b, sender=NAME,
                                     summary="Kiến nghị sửa đường liên thôn."),
        mai=receive_petition(actor=admin_user, organisation=tree.branch_b, sender="Đỗ Thị Mai",
                             summary="Kiến nghị lắp đèn chiếu sáng.",
                             subject_name="Đinh Văn Lấn"),
        # Typed on a keyboard that sends decomposed characters (NFD).
        decomposed=receive_petition(actor=admin_user, organisation=tree.office,
                                    sender=nfd("Lê Thị Huệ"),
                                    summary=nfd("Phản ánh ô nhiễm nguồn nước giếng.")),
    )


@pytest.fixture
def protected(tree, admin_user):
    return petition_receive(
        actor=admin_user, organisation=tree.office, received_on=datetime.date(2025, 9, 5),
        channel="direct", kind="denunciation",
        senders=[SenderData(full_name=SECRET_NAME, address=SECRET_ADDRESS)],
        summary="Tố cáo việc lấn chiếm đất công.", subject_name="Đinh Văn Lấn")


def found(client, user, q):
    client.force_login(user)
    response = client.get(LIST, {"tim": q})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_search_key_folds_forms_case_accents_and_spacing():
    key = "tran van thang"
    for typed in (NAME, nfd(NAME), NAME.upper(), nfd(NAME.upper()), "Tran Van Thang",
                  "  trần\u00a0văn \t THẮNG "):
        assert search_key(typed) == key
    assert search_key("Đỗ Đình Đức") == search_key("đỗ đình đức") == "do dinh duc"
    assert search_key("") == "" and search_key(None) == ""


def test_a_name_is_found_in_any_form_case_or_without_accents(client, tree, letters, leader):
    thang = {letters["thang"].pk, letters["thang_again"].pk}
    for typed in (NAME, nfd(NAME), "TRẦN VĂN THẮNG", "Tran Van Thang", "tran van thang",
                  "trần  văn thắng", "Văn Thắng"):
        assert found(client, leader, typed) == thang, typed


def test_a_decomposed_record_is_found_by_its_composed_form(client, tree, letters, leader):
    decomposed = {letters["decomposed"].pk}
    for typed in ("Lê Thị Huệ", "LE THI HUE", "ô nhiễm nguồn nước", "O NHIEM NGUON NUOC"):
        assert found(client, leader, typed) == decomposed, typed


def test_d_with_stroke_matches_d(client, tree, letters, leader):
    mai = {letters["mai"].pk}
    for typed in ("Đỗ Thị Mai", "đỗ thị mai", "ĐỖ THỊ MAI", "Do Thi Mai", "do thi"):
        assert found(client, leader, typed) == mai, typed
    # The person the letter is about, too.
    assert found(client, leader, "dinh van lan") == mai


def test_summaries_and_addresses_are_found_without_accents(client, tree, letters, leader):
    assert found(client, leader, "BOI THUONG") == {letters["thang"].pk}
    assert found(client, leader, nfd("bồi thường")) == {letters["thang"].pk}
    # Every sender of the fixture lives in "Thôn Hòa Ché".
    assert len(found(client, leader, "thon hoa che")) == 4


def test_receipt_number_search_still_works(client, tree, letters, leader):
    assert found(client, leader, "1/2025") == {letters["thang"].pk, letters["thang_again"].pk,
                                               letters["decomposed"].pk}
    assert found(client, leader, "002/2025") == {letters["mai"].pk}


def test_a_receipt_number_is_found_by_its_short_and_its_full_form(client, tree, letters,
                                                                  leader):
    """Three units numbered 001/2025 in parallel: the short form finds all three, the full
    form (as typed, lower case, without accents, with spaces) the one it names."""
    office_first, branch_first = letters["decomposed"], letters["thang"]
    assert office_first.receipt_number == "001/2025/VPĐU"
    assert branch_first.receipt_number == "001/2025/HOA-CHE"
    for typed in ("001/2025/VPĐU", "1/2025/vpdu", "001 / 2025 / VPĐU"):
        assert found(client, leader, typed) == {office_first.pk}, typed
    assert found(client, leader, "001/2025/hoa-che") == {branch_first.pk}
    assert found(client, leader, "002/2025/VPĐU") == set()
    assert found(client, leader, "001/2025/UBKT") == set()
    client.force_login(leader)
    page = client.get(reverse("casework:petition-list"), {"tim": "001/2025/VPĐU"}).content.decode()
    assert "Tổng: 1 đơn" in page and "001/2025/VPĐU" in page


def test_the_register_page_finds_the_probes_spellings(client, tree, letters, leader):
    client.force_login(leader)
    for typed in ("TRẦN VĂN THẮNG", "Tran Van Thang", nfd(NAME)):
        page = client.get(reverse("casework:petition-list"), {"tim": typed}).content.decode()
        assert "Tổng: 2 đơn" in page, typed
        assert "Khiếu nại về bồi thường" in page and "Kiến nghị sửa đường liên thôn" in page


def test_keys_are_stored_and_search_runs_on_them_in_sql(letters):
    sender = PetitionSender.objects.get(petition=letters["decomposed"])
    assert (sender.name_key, sender.address_key) == ("le thi hue", "thon hoa che")
    petition = Petition.objects.get(pk=letters["mai"].pk)
    assert petition.summary_key == "kien nghi lap den chieu sang."
    assert petition.subject_key == "dinh van lan"
    assert Petition.objects.filter(senders__name_key__contains="van thang").count() == 2


def test_duplicate_hints_use_the_same_keys(tree, letters):
    hints = find_duplicates(
        visible=Petition.objects.all(), senders=[SenderData(full_name="TRAN VAN THANG")],
        summary=nfd("KHIẾU NẠI VỀ BỒI THƯỜNG ĐẤT NÔNG NGHIỆP."),
        received_on=datetime.date(2025, 10, 1))
    assert hints and hints[0].petition == letters["thang"] and hints[0].percent == 100


# ---- a denouncer's name: never found without clearance, logged when found with it ----

def test_uncleared_users_never_find_a_denouncer_by_name_or_address(client, tree, protected):
    viewer = person("xem", "viewer", tree.commune)
    for typed in (SECRET_NAME, "KIN DAO", nfd(SECRET_NAME), "xom giua"):
        assert found(client, viewer, typed) == set(), typed
    assert not IdentityAccess.objects.exists()


def test_a_cleared_users_name_search_logs_each_protected_letter_it_returns(
        client, tree, protected, letters):
    cleared = person("ld-duoc-xem", "leader", tree.commune, cleared=True)
    # The name exactly as stored: found before this change too, but never logged.
    assert found(client, cleared, SECRET_NAME) == {protected.pk}
    access = IdentityAccess.objects.get()
    assert (access.petition, access.user, access.purpose) == (protected, cleared, "search")
    assert access.get_purpose_display() == "Tìm kiếm theo tên, địa chỉ người gửi"
    assert found(client, cleared, "kin dao") == {protected.pk}
    # By address too: it is part of the identity.
    assert found(client, cleared, "Xóm Giữa") == {protected.pk}
    assert IdentityAccess.objects.filter(petition=protected, purpose="search").count() == 3


def test_no_log_row_when_the_name_is_not_what_matched(client, tree, protected, letters):
    """A search on the content, or one finding only unprotected letters, links no
    denouncer to anything."""
    cleared = person("ld-duoc-xem", "leader", tree.commune, cleared=True)
    assert found(client, cleared, "lan chiem dat cong") == {protected.pk}
    assert found(client, cleared, NAME) == {letters["thang"].pk, letters["thang_again"].pk}
    client.get(LIST)
    client.get(reverse("casework:petition-list"))
    assert not IdentityAccess.objects.exists()


def test_the_register_page_and_the_export_log_a_name_search_too(client, tree, protected):
    cleared = person("ld-duoc-xem", "leader", tree.commune, cleared=True)
    client.force_login(cleared)
    page = client.get(reverse("casework:petition-list"), {"tim": "KÍN ĐÁO"}).content.decode()
    assert protected.receipt_number in page
    assert list(IdentityAccess.objects.values_list("petition", "purpose")) == [
        (protected.pk, "search")]
    response = client.get(reverse("casework:petition-export"), {"tim": "kin dao"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert IdentityAccess.objects.filter(purpose="search").count() == 2


def test_the_admin_search_folds_too_and_logs_a_cleared_hit(client, tree, protected, letters):
    admin = UserFactory(username="quantri-duoc-xem", is_staff=True, is_superuser=True)
    RoleAssignment.objects.create(user=admin, organisation=tree.commune, role="leader",
                                  identity_clearance=True)
    client.force_login(admin)
    url = reverse("admin:casework_petition_changelist")
    change = reverse("admin:casework_petition_change", args=[letters["mai"].pk])
    assert change in client.get(url, {"q": "DINH VAN LAN"}).content.decode()
    assert not IdentityAccess.objects.exists()
    page = client.get(url, {"q": "kin dao"}).content.decode()
    assert reverse("admin:casework_petition_change", args=[protected.pk]) in page
    assert list(IdentityAccess.objects.values_list("petition", "user", "purpose")) == [
        (protected.pk, admin.pk, "search")]


# ---- every write path keeps the keys in step with the text -------------------------

def test_keys_follow_save_update_fields_bulk_create_bulk_update_and_update(letters):
    mai = Petition.objects.get(pk=letters["mai"].pk)
    mai.summary = "KIẾN NGHỊ Nạo Vét Kênh"
    mai.save(update_fields=["summary"])
    assert Petition.objects.get(pk=mai.pk).summary_key == "kien nghi nao vet kenh"

    made = PetitionSender.objects.bulk_create([
        PetitionSender(petition=mai, full_name=nfd("Phạm Đức Hùng"), address="Thôn 3")])
    assert PetitionSender.objects.get(pk=made[0].pk).name_key == "pham duc hung"

    sender = made[0]
    sender.address = "XÓM ĐÌNH"
    PetitionSender.objects.bulk_update([sender], ["address"])
    assert PetitionSender.objects.get(pk=sender.pk).address_key == "xom dinh"

    Petition.objects.filter(pk=mai.pk).update(subject_name="Hoàng Văn Ước")
    assert Petition.objects.get(pk=mai.pk).subject_key == "hoang van uoc"
    from django.db.models.functions import Upper

    with pytest.raises(ValueError):
        Petition.objects.filter(pk=mai.pk).update(summary=Upper("summary"))


def test_migration_backfills_the_keys_of_existing_rows(letters):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("casework.migrations.0005_search_keys")
    Petition.objects.update(summary_key="", subject_key="", handled_by_key="")
    PetitionSender.objects.update(name_key="", address_key="")
    migration.backfill(apps, None)
    mai = Petition.objects.get(pk=letters["mai"].pk)
    assert (mai.summary_key, mai.subject_key) == ("kien nghi lap den chieu sang.",
                                                  "dinh van lan")
    assert set(PetitionSender.objects.values_list("name_key", "address_key")) == {
        ("tran van thang", "thon hoa che"), ("do thi mai", "thon hoa che"),
        ("le thi hue", "thon hoa che")}
    # The frozen copy in the migration agrees with the live normaliser.
    for text in (NAME, nfd(NAME), "ĐỖ Ð ð Straße ＡＢＣ ﬁ", "  a \t b  "):
        assert migration.search_key(text) == search_key(text)
