"""The government's day swaps for 2025 and 2026, as explicit override rows.

`holidays.VN` already knows some of these days off (02/05/2025, Tết 2026, 27/04/2026,
31/08/2026) but not 02/01/2026, and it never marks the make-up Saturdays as working days.
Every swap is written here in full, both halves, so that an administrator reading the table
sees the whole decision and its source in one place. Document numbers are left out where we
could not confirm them; the administrator can complete the "căn cứ" column.
"""
import datetime

from django.db import migrations

SOURCE_2025 = ("Thông báo của Bộ Lao động – Thương binh và Xã hội về lịch nghỉ Tết, "
               "lễ năm 2025 đối với cán bộ, công chức, viên chức")
SOURCE_2026 = ("Thông báo của Bộ Nội vụ về lịch nghỉ Tết, lễ năm 2026 đối với cán bộ, "
               "công chức, viên chức")
LABOUR_CODE = ("Bộ luật Lao động 2019, Điều 111 khoản 3 (ngày lễ trùng ngày nghỉ hằng tuần "
               "thì được nghỉ bù vào ngày làm việc kế tiếp)")
# Off with the weekends around them: Saturday 14/02 to Sunday 22/02/2026, nine days.
TET_2026 = "Tết Nguyên đán Bính Ngọ"

DAYS = [
    # (day, is_working_day, reason, source)
    (datetime.date(2025, 4, 26), True,
     "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025 (dịp 30/4, 1/5)", SOURCE_2025),
    (datetime.date(2025, 5, 2), False,
     "Nghỉ hoán đổi dịp 30/4, 1/5 (làm bù thứ Bảy 26/04/2025)", SOURCE_2025),
    (datetime.date(2026, 1, 2), False,
     "Nghỉ hoán đổi dịp Tết Dương lịch (làm bù thứ Bảy 10/01/2026)", SOURCE_2026),
    (datetime.date(2026, 1, 10), True,
     "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026 (dịp Tết Dương lịch)", SOURCE_2026),
    (datetime.date(2026, 2, 16), False, f"{TET_2026}: 29 tháng Chạp", SOURCE_2026),
    (datetime.date(2026, 2, 17), False, f"{TET_2026}: mùng 1 Tết", SOURCE_2026),
    (datetime.date(2026, 2, 18), False, f"{TET_2026}: mùng 2 Tết", SOURCE_2026),
    (datetime.date(2026, 2, 19), False, f"{TET_2026}: mùng 3 Tết", SOURCE_2026),
    (datetime.date(2026, 2, 20), False, f"{TET_2026}: mùng 4 Tết", SOURCE_2026),
    (datetime.date(2026, 4, 27), False,
     "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch rơi vào Chủ nhật 26/04/2026)", LABOUR_CODE),
    (datetime.date(2026, 8, 22), True,
     "Làm bù cho ngày nghỉ thứ Hai 31/08/2026 (dịp Quốc khánh 2/9)", SOURCE_2026),
    (datetime.date(2026, 8, 31), False,
     "Nghỉ hoán đổi dịp Quốc khánh 2/9 (làm bù thứ Bảy 22/08/2026)", SOURCE_2026),
]


def add_days(apps, schema_editor):
    CalendarOverride = apps.get_model("workflows", "CalendarOverride")
    for day, is_working_day, reason, source in DAYS:
        # An administrator may have entered the day already: keep what they wrote.
        CalendarOverride.objects.get_or_create(
            day=day, defaults={"is_working_day": is_working_day, "reason": reason,
                               "source": source})


def remove_days(apps, schema_editor):
    CalendarOverride = apps.get_model("workflows", "CalendarOverride")
    for day, _is_working_day, reason, source in DAYS:
        CalendarOverride.objects.filter(day=day, reason=reason, source=source).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_days, remove_days),
    ]
