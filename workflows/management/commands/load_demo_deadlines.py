"""`python manage.py load_demo_deadlines`: a few letters of the current year whose deadline
clocks are live today (fresh, due soon, extended, paused, overdue), to show the case pages
and the deadline overview as they look on a working day. Run after `load_demo`, which
creates the commune, its offices and the demo users.

The dates are computed backwards from today on the working-day calendar; see
`workflows.demo` for the letters and how their dates are chosen. Everything is written in
one transaction and checked before it commits. Running the command again creates nothing.
"""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from casework.errors import ActionRefused
from casework.formatting import count_text
from workflows import demo
from workflows.calendar import get_calendar


class Command(BaseCommand):
    help = ("Nạp đơn mẫu của năm hiện tại có thời hạn đang chạy (mới nhận, sắp đến hạn, đã gia "
            "hạn, tạm dừng, quá hạn), tính lùi từ hôm nay theo lịch ngày làm việc. Chạy sau "
            "load_demo; chạy lại không tạo thêm.")

    def handle(self, *args, **options):
        failed = "Không nạp được đơn mẫu có thời hạn đang chạy, chưa ghi gì"
        try:
            with transaction.atomic():
                result = demo.load(today=timezone.localdate(), now=timezone.now())
        except demo.MissingDemoData as exc:
            raise CommandError(f"{failed}: chưa có dữ liệu mẫu ({exc}). Hãy chạy trước: "
                               f"python manage.py load_demo") from exc
        except demo.NotAsIntended as exc:
            raise CommandError(f"{failed}: thời hạn tạo ra không đúng như dự kiến – {exc}.") \
                from exc
        except ActionRefused as exc:
            raise CommandError(f"{failed}: {exc.message}") from exc
        except ValidationError as exc:
            raise CommandError(f"{failed}: {'; '.join(exc.messages)}") from exc
        self.report(result)

    def report(self, result):
        cal = get_calendar()
        today, year = result.today, result.year
        heading = f"(hôm nay {demo.day_text(today)})"
        if result.existing:
            self.stdout.write(f"Đơn mẫu năm {year} có thời hạn đang chạy đã có "
                              f"({count_text(len(result.existing))} đơn), không tạo thêm. "
                              f"Tình hình {heading}:")
            for letter, petition in result.existing:
                self.stdout.write(f"  - {demo.petition_line(petition, letter, today, cal)}")
            return

        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"Đã tạo {count_text(len(result.created))} đơn năm {year} có thời hạn đang "
                f"chạy {heading}:"))
            for plan, petition in result.created:
                self.stdout.write(f"  - {demo.petition_line(petition, plan.letter, today, cal)}")
        else:
            self.stdout.write(f"Chưa tạo đơn mẫu nào của năm {year} {heading}.")
        notes = [(plan.letter, plan.note) for plan, _ in result.created if plan.note]
        if notes:
            self.stdout.write(f"Chưa đạt đúng trạng thái dự kiến "
                              f"({count_text(len(notes))} đơn):")
            for letter, note in notes:
                self.stdout.write(f"  - Đơn {letter.label()} “{letter.intended}”: {note}.")
        if result.skipped:
            self.stdout.write(f"Không tạo được {count_text(len(result.skipped))} đơn hôm nay:")
            for letter, reason in result.skipped:
                self.stdout.write(f"  - Đơn {letter.label()} “{letter.intended}”: {reason}.")
