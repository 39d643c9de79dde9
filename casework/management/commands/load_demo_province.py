"""`python manage.py load_demo_province`: generated communes under the province above Kè Sắt,
with letters and cases over several years and a provincial leader's login (lanhdao.tinh),
for the leaders' overview and the reports. The data and the rules it keeps are in
`casework.demo_province`; running it again creates nothing."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casework import demo_province as demo
from casework.demo_data import DEMO_PASSWORD
from casework.errors import ActionRefused

LIMITS = {"communes": (1, 200), "letters_per_commune": (0, 5000), "years": (1, 10)}


class Command(BaseCommand):
    help = ("Nạp các xã sinh tự động (dữ liệu mẫu) thuộc Đảng bộ thành phố Hải Phòng, có đơn "
            "thư và cuộc kiểm tra qua nhiều năm, và tài khoản lãnh đạo cấp thành phố "
            "lanhdao.tinh. Không bao giờ tính vào số liệu của xã Kè Sắt; chạy lại không tạo "
            "thêm.")

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=int, default=5, help="số xã (1–200)")
        parser.add_argument("--letters-per-commune", type=int, default=40,
                            help="số đơn mỗi xã (0–5000)")
        parser.add_argument("--years", type=int, default=3, help="số năm gần nhất (1–10)")
        parser.add_argument("--seed", type=int, default=2025, help="hạt giống ngẫu nhiên")

    def handle(self, *args, **options):
        for name, (low, high) in LIMITS.items():
            if not low <= options[name] <= high:
                raise CommandError(f"--{name.replace('_', '-')} phải từ {low} đến {high}.")
        generator = demo.Generator(seed=options["seed"], letters=options["letters_per_commune"],
                                   years=options["years"])
        try:
            created = generator.run(options["communes"])
        except ActionRefused as exc:
            raise CommandError(f"Không nạp được dữ liệu mẫu: {exc.message}") from exc
        except ValidationError as exc:
            raise CommandError(f"Không nạp được dữ liệu mẫu: {'; '.join(exc.messages)}") from exc
        if any(created.values()):
            self.stdout.write(self.style.SUCCESS(
                f"Đã tạo {created['communes']} xã mẫu, {created['letters']} đơn, "
                f"{created['cases']} cuộc kiểm tra, {created['users']} tài khoản "
                f"{demo.GENERATED}."))
        else:
            self.stdout.write("Các xã mẫu đã có, không tạo thêm.")
        self.stdout.write(f"Lãnh đạo thành phố: {demo.LEADER[0]}  {DEMO_PASSWORD}  "
                          f"(xem mọi xã, trang Tổng quan).")
