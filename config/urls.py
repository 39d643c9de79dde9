from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import healthz
from workflows import leader_views

admin.site.site_header = _("Casework – Quản trị hệ thống")
admin.site.site_title = "Casework"
admin.site.index_title = _("Quản trị")

# Our own page for a refused request (too many files, too large, malformed), rendered with
# the request so it has the product's layout; the other error pages are found by name in
# templates/ (ahead of viewflow's, which ship the same names).
handler400 = "config.errors.bad_request"

urlpatterns = [
    # A leader lands on the overview (/tong-quan/), everyone else on the register.
    path("", leader_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("casework.urls")),  # /don-thu/ and /kiem-tra/
    path("", include("workflows.urls")),  # /thoi-han/ and /cong-viec/
    path("thong-bao/", include("notifications.urls")),
    # workflows' API first: casework's ends in the JSON 404 for any other /api/ address.
    path("api/", include("workflows.api_urls")),  # clocks and the due-date calculator
    path("api/", include("casework.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    # Unauthenticated, status words only (config/health.py).
    path("healthz", healthz, name="healthz"),
]
