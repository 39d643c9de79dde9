import pytest
from django.db import connection

from casework.models import OrgKind
from tests.factories import OrganisationFactory, UserFactory, user_with_role


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only when the suite runs on PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="cần PostgreSQL (DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: what one test counted or read is never
    another's (casework.selectors.letters.register_counts keeps a province's counts)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db):
    """A city above a commune, with the commune's office, UBKT and two branches."""
    city = OrganisationFactory(name="Đảng bộ thành phố", code="tp", kind=OrgKind.PROVINCE)
    commune = OrganisationFactory(name="Đảng bộ xã Kè Sắt", code="ke-sat", kind=OrgKind.COMMUNE,
                                  parent=city)
    office = OrganisationFactory(name="Văn phòng Đảng ủy", code="vp", kind=OrgKind.AGENCY,
                                 parent=commune, symbol="VPĐU")
    ubkt = OrganisationFactory(name="Ủy ban Kiểm tra Đảng ủy", code="ubkt", kind=OrgKind.AGENCY,
                               parent=commune, symbol="UBKT")
    branch_a = OrganisationFactory(name="Chi bộ thôn Hòa Ché", code="hoa-che", parent=commune)
    branch_b = OrganisationFactory(name="Chi bộ thôn Lại", code="thon-lai", parent=commune)
    return type("Tree", (), dict(city=city, commune=commune, office=office, ubkt=ubkt,
                                 branch_a=branch_a, branch_b=branch_b))


@pytest.fixture
def clerk(tree):
    return user_with_role("clerk", tree.office, username="vanphong")


@pytest.fixture
def leader(tree):
    return user_with_role("leader", tree.commune, username="lanhdao")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="quantri", is_staff=True, is_superuser=True)


@pytest.fixture
def db_vendor():
    return connection.vendor


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores scans in its own folder, so a test can check what is on disk."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    """Each test keeps its background exports in its own folder."""
    settings.EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture(autouse=True)
def restore_language():
    """A request that switches to English leaves that language active in the thread;
    put Vietnamese back so later tests see the messages users see."""
    from django.utils import translation

    language = translation.get_language()
    yield
    translation.activate(language)
