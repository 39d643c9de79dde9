"""One register export, from a user and the register's filter parameters to a file: the
same letters as the register page, scoped and filtered by the read layer, masked unless a
cleared user asked for identities, written by `casework.exports`.

Used alike by the export view (a small export, answered at once) and by the background
job (`casework.services.export_jobs`), so both make the same file. Protected senders are
masked for everyone unless a cleared user ticks "Kèm danh tính người tố cáo"; then each
protected letter written with its sender is logged (purpose EXPORT) once the file is
complete. For an uncleared user the parameter is ignored: the file is masked and says so.
"""
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.exports import register_row, write_register
from casework.formatting import date_text
from casework.models import IdentityAccess, IdentityAccessPurpose, Organisation, PetitionSender
from casework.permissions import clearance_paths
from casework.query_names import param
from casework.selectors.letter_export import export_letters
from casework.selectors.letters import letter_register
from casework.selectors.scope import role_paths, topmost
from casework.services.identity import log_search_hits, unmasked_senders
from casework.templatetags.casework_tags import person_name


class InvalidFilter(ValueError):
    """The register's filter did not validate: a file must not silently hold the whole
    register instead."""


class RegisterExport:
    """The letters `user` selected with `params` (a QueryDict of the register's filter)."""

    def __init__(self, *, user, params, with_identity):
        self.user = user
        self.filterset, self.letters = letter_register(user=user, params=params)
        if self.filterset.is_bound and not self.filterset.is_valid():
            raise InvalidFilter(_("Điều kiện lọc chưa hợp lệ nên chưa xuất được sổ."))
        self.clearance = tuple(clearance_paths(user)) if with_identity else ()
        self.with_identity = bool(self.clearance)

    def count(self):
        return self.letters.count()

    def write(self, out, *, progress=None, every=2000):
        """Write the workbook to `out`; log the identities it shows and the search's
        protected hits. Returns the number of letters written."""
        senders = (unmasked_senders(self.user) if self.with_identity
                   else PetitionSender.objects.filter(petition__identity_confidential=False))
        shown = []  # protected letters written with their senders

        def rows():
            for letter, people in export_letters(self.letters, senders=senders):
                masked = letter.identity_confidential and not (
                    self.clearance and letter.organisation_path.startswith(self.clearance))
                if letter.identity_confidential and not masked:
                    shown.append(letter.pk)
                yield register_row(letter, people, masked=masked)

        count = write_register(out, rows(), title_lines=self.title_lines(), progress=progress,
                               every=every)
        IdentityAccess.objects.bulk_create(
            [IdentityAccess(petition_id=pk, user=self.user,
                            purpose=IdentityAccessPurpose.EXPORT) for pk in shown],
            batch_size=2000)
        log_search_hits(user=self.user, filterset=self.filterset)
        return count

    def title_lines(self):
        """What the file holds, who made it and when: a printed register must say so."""
        filterset = self.filterset
        data = filterset.form.cleaned_data if filterset.is_bound else {}
        scope = [_scope_name(self.user, data.get(param("organisation")))]
        start, end = data.get(param("received_from")), data.get(param("received_to"))
        if start and end:
            scope.append(_("nhận từ ngày %(start)s đến ngày %(end)s")
                         % {"start": date_text(start), "end": date_text(end)})
        elif start:
            scope.append(_("nhận từ ngày %(start)s") % {"start": date_text(start)})
        elif end:
            scope.append(_("nhận đến ngày %(end)s") % {"end": date_text(end)})
        if data.get(param("year")):
            scope.append(_("nhận trong năm %(year)s") % {"year": int(data[param("year")])})
        for name in map(param, ("kind", "status", "q")):
            if data.get(name):
                field = filterset.form.fields[name]
                value = (dict(field.choices).get(data[name]) if name != param("q")
                         else f"“{data[name]}”")
                scope.append(f"{field.label}: {value}")
        made = _("Xuất ngày %(date)s bởi %(name)s") % {
            "date": date_text(timezone.localdate()), "name": person_name(self.user)}
        note = (_("Có kèm danh tính người tố cáo (trong phạm vi được phân quyền): phải giữ bí "
                  "mật; lượt xuất này đã được ghi nhật ký.") if self.with_identity else
                _("Danh tính người tố cáo được bảo mật (không có trong tệp này)."))
        return ["; ".join(str(part) for part in scope), made, note]


def _scope_name(user, organisation):
    if organisation is not None:
        return organisation.name
    if user.is_superuser:
        return _("Toàn hệ thống")
    # The topmost organisations where the user holds a role: each brings its subtree.
    return ", ".join(Organisation.objects.filter(path__in=topmost(role_paths(user)))
                     .values_list("name", flat=True))
