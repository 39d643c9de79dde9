"""The main menu of every page, as data: a new page adds one line to MENU, and base.html
draws the list (a collapsing Bootstrap navbar, a menu button on a phone).

Each entry names a URL (by its name, so the menu follows the URL conf) and a label; `show`
decides whether the user sees it (the pages check permission again: hiding a link is
only a courtesy), `badge` counts something to show beside it. The
current page is the entry whose address is the longest prefix of the request's path, so
"Tiếp nhận đơn" (/don-thu/moi/) is marked rather than the register (/don-thu/).
"""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def _may_receive(user):
    from casework.templatetags.casework_tags import may_receive

    return may_receive(user)


def _staff(user):
    return user.is_staff


def _may_see_reports(user):
    from casework.selectors.reports import may_see_reports

    return may_see_reports(user)


def _unread(request):
    from notifications.selectors import unread_count  # one COUNT, kept on the request

    return unread_count(request)


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    show: object = None  # user -> bool; None: every logged-in user
    badge: object = None  # request -> a count shown beside the label (unread notices)


MENU = [
    MenuItem("workflows:leader-overview", _("Tổng quan")),
    MenuItem("workflows:my-work", _("Việc của tôi")),
    MenuItem("casework:petition-list", _("Sổ đơn thư")),
    MenuItem("casework:case-list", _("Kiểm tra, giám sát")),
    MenuItem("casework:programme-list", _("Chương trình KT, GS")),
    MenuItem("workflows:clock-overview", _("Thời hạn")),
    MenuItem("workflows:due-date", _("Tính hạn")),
    MenuItem("casework:report", _("Báo cáo"), show=_may_see_reports),
    MenuItem("casework:petition-create", _("Tiếp nhận đơn"), show=_may_receive),
    MenuItem("notifications:inbox", _("Thông báo"), badge=_unread),
    MenuItem("admin:index", _("Quản trị"), show=_staff),
]


@dataclass
class MenuLink:
    url: str
    label: str
    badge: int = 0
    current: bool = False


def main_menu(request):
    """Context processor: `main_menu`, the entries this user sees, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    links = [MenuLink(reverse(item.url_name), item.label,
                      item.badge(request) if item.badge else 0)
             for item in MENU if item.show is None or item.show(user)]
    path = request.path
    here = max((link for link in links if path.startswith(link.url)),
               key=lambda link: len(link.url), default=None)
    if here is not None:
        here.current = True
    return {"main_menu": links}
