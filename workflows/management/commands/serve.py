"""`python manage.py serve [--host H] [--port P] [--sweep-every SECONDS] [--celery]`

The embedded install's long-running part (bin/run ends here): the waitress web server and
the deadline sweep loop, each a child process supervised by config.supervisor, which
restarts whichever dies and logs it. The sweep runs whether or not any page is served.

With --celery (a server with Redis but without systemd, e.g. Windows), the children are
the web server, a Celery worker and Celery beat (beat runs the sweep every minute, so
there is no sweep loop); --no-web leaves the web server to something else. A Celery
worker can exit for good when Redis comes back after a crash (an upstream behaviour,
issue 20): the supervisor starts it again. With systemd, deploy/systemd/ does the same.
"""
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from config.supervisor import Backoff, HttpCheck, Program, Supervisor, configure_logging


class Command(BaseCommand):
    help = ("Chạy máy chủ web và vòng quét hạn, tự khởi động lại tiến trình nào bị dừng "
            "(cài đặt một máy).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--sweep-every", type=int, metavar="GIÂY", default=60,
                            help="Quét hạn sau mỗi số giây này (mặc định 60).")
        parser.add_argument("--log-file",
                            default=str(settings.BASE_DIR / "var" / "log" / "serve.log"),
                            help="Tệp nhật ký của bộ giám sát (rỗng: chỉ ghi ra stderr).")
        parser.add_argument("--restart-max", type=float, default=60.0, metavar="GIÂY",
                            help="Khoảng chờ lâu nhất trước khi khởi động lại (mặc định 60).")
        parser.add_argument("--check-every", type=float, default=30.0, metavar="GIÂY",
                            help="Hỏi máy chủ web sau mỗi số giây này (0: không hỏi).")
        parser.add_argument("--check-timeout", type=float, default=10.0, metavar="GIÂY",
                            help="Chờ trả lời lâu nhất (mặc định 10).")
        parser.add_argument("--check-failures", type=int, default=3, metavar="LẦN",
                            help="Số lần liên tiếp không trả lời thì khởi động lại (mặc định 3).")
        parser.add_argument("--celery", action="store_true",
                            help="Chạy kèm Celery worker và beat (máy chủ có Redis), "
                                 "thay cho vòng quét hạn.")
        parser.add_argument("--no-web", action="store_true",
                            help="Không chạy máy chủ web (chỉ các tiến trình nền).")
        parser.add_argument("--stop-grace", type=float, default=10.0, metavar="GIÂY",
                            help="Chờ tiến trình tự dừng bao lâu trước khi buộc dừng.")

    def handle(self, *args, host, port, threads, sweep_every, log_file, restart_max,
               check_every, check_timeout, check_failures, stop_grace, celery, no_web,
               **options):
        configure_logging(log_file)
        manage = str(settings.BASE_DIR / "manage.py")
        python = sys.executable
        check = HttpCheck(host=local_address(host), port=port, host_header=host_header(),
                          every=check_every, timeout=check_timeout,
                          failures=check_failures) if check_every > 0 else None
        programs = []
        if not no_web:
            # waitress: a pure-Python production WSGI server that also runs on Windows.
            programs.append(Program(
                "web", [python, "-m", "waitress", f"--listen={host}:{port}",
                        f"--threads={threads}", "config.wsgi:application"],
                backoff=Backoff(ceiling=restart_max), check=check))
        if celery:
            programs += [
                Program("worker", [python, "-m", "celery", "-A", "config", "worker",
                                   "--loglevel=INFO"], backoff=Backoff(ceiling=restart_max)),
                # One beat only: it sends the sweep and the dispatch every minute.
                Program("beat", [python, "-m", "celery", "-A", "config", "beat",
                                 "--loglevel=INFO"], backoff=Backoff(ceiling=restart_max)),
            ]
        else:
            # Sweeps may overlap safely (workflows/sweep.py), so a restart never doubles one.
            programs.append(Program(
                "sweep", [python, manage, "sweep_deadlines", "--loop", str(sweep_every)],
                backoff=Backoff(ceiling=restart_max)))
        raise SystemExit(Supervisor(programs, grace=stop_grace,
                                    cwd=str(settings.BASE_DIR)).run())


def local_address(host):
    """Where to reach a server listening on `host` from this machine."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1", "[::]": "::1"}.get(
        host, host.strip("[]"))


def host_header():
    """A name the site accepts (ALLOWED_HOSTS), so that the check is answered with a page,
    not a refused host logged as a security error every half minute."""
    for name in settings.ALLOWED_HOSTS:
        if name != "*":
            return name.lstrip(".")
    return "127.0.0.1"
