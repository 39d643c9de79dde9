"""/api/so-lieu/: the report's figures for any period are the report page's and the
`report_figures` command's (the demo's 2025 report: tests/casework/test_reports.py), scoped
as the report page, the period bounded, every bad parameter named in Vietnamese."""
import pytest
from django.urls import reverse

from casework.models import Organisation
from tests.casework.test_reports import demo, figures_json  # noqa: F401 (fixture)
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/so-lieu/"
YEAR_2025 = {"tu-ngay": "01/01/2025", "den-ngay": "31/12/2025"}


def without_time(figures):
    return {k: v for k, v in figures.items() if k != "taken_at"}


def test_the_demo_2025_figures_are_the_reports(demo, client):  # noqa: F811
    commune = Organisation.objects.get(code="ke-sat")
    client.force_login(user_with_role("leader", commune, username="lanhdao-api"))
    response = client.get(URL, {**YEAR_2025, "don-vi": commune.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert without_time(data) == without_time(figures_json("--org", "ke-sat", "--period",
                                                           "2025"))
    branch = data["cases"]["by_body"]["branch"]["by_kind"]
    assert branch["member_compliance"]["members"] == 31
    assert data["letters"]["by_unit"]["van-phong"]["received"] == 16
    assert (data["from"], data["to"]) == ("2025-01-01", "2025-12-31")
    # The leader's topmost unit is the default; ISO dates are read as well.
    same = client.get(URL, {"tu-ngay": "2025-01-01", "den-ngay": "2025-12-31"}).json()
    assert without_time(same) == without_time(data)
    # The report page of the same year shows the same numbers (its context's figures).
    page = client.get(reverse("casework:report"), {"ky": "nam", "nam": "2025",
                                                   "don-vi": commune.pk})
    assert without_time(page.context["figures"]) == without_time(data)
    # Any period: the first quarter is the command's too.
    quarter = client.get(URL, {"tu-ngay": "01/01/2025", "den-ngay": "31/03/2025"}).json()
    assert without_time(quarter) == without_time(figures_json("--org", "ke-sat", "--period",
                                                              "2025-Q1"))


@pytest.mark.parametrize("query, named", [
    ({}, "tu-ngay"),
    ({"tu-ngay": "01/01/2025"}, "den-ngay"),
    ({"tu-ngay": "31/02/2025", "den-ngay": "31/12/2025"}, "tu-ngay"),
    ({"tu-ngay": "01/12/2025", "den-ngay": "01/01/2025"}, "den-ngay"),
    ({"tu-ngay": "01/01/2015", "den-ngay": "31/12/2026"}, "den-ngay"),  # > 10 years
    ({"tu-ngay": "01/01/9999", "den-ngay": "31/12/9999"}, "tu-ngay"),
    ({"tu-ngay": "0\x001/01/2025", "den-ngay": "31/12/2025"}, "tu-ngay"),
    ({**YEAR_2025, "don-vi": "9" * 40}, "don-vi"),
    ({**YEAR_2025, "ky": "nam"}, "ky"),
])
def test_bad_parameters_are_named(tree, client, query, named):
    client.force_login(user_with_role("leader", tree.commune, username="ld"))
    response = client.get(URL, query)
    assert response.status_code == 400, response.content
    assert named in response.json() and response.json()[named][0]


def test_who_gets_which_units_figures(tree, client):
    client.force_login(user_with_role("branch_secretary", tree.branch_a, username="bt"))
    assert client.get(URL, YEAR_2025).status_code == 403
    client.force_login(user_with_role("clerk", tree.office, username="vp"))
    # The office prepares its committee's report; another commune is not among its units.
    assert client.get(URL, {**YEAR_2025, "don-vi": tree.commune.pk}).json()["org"] == "ke-sat"
    assert client.get(URL, {**YEAR_2025, "don-vi": tree.city.pk}).status_code == 400
    client.logout()
    assert client.get(URL, YEAR_2025).status_code == 401  # no session, no key
