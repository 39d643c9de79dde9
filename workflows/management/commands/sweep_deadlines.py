"""`python manage.py sweep_deadlines [--loop SECONDS]`

Fires the escalation rungs that have fallen due (see workflows.sweep). Production runs it
through Celery beat every minute; cron can call it instead; the embedded single-PC install
(bin/run, `manage.py serve`) keeps it running with --loop 60 as its own supervised process
beside the web server: a pass that fails ends the process, and the supervisor starts a
fresh one. Safe to run while another sweep runs.
"""
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from casework.formatting import count_text, datetime_text
from workflows.sweep import sweep


class Command(BaseCommand):
    help = "Phát các cảnh báo thời hạn đã đến mốc (nhắc trước hạn, đến hạn, quá hạn)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, metavar="GIÂY", default=0,
                            help="Chạy lặp lại sau mỗi số giây này (0: chạy một lần).")

    def handle(self, *args, loop, **options):
        while True:
            fired = sweep()
            if fired or not loop:
                self.stdout.write(
                    f"{datetime_text(timezone.now())}: đã phát {count_text(fired)} cảnh báo "
                    "thời hạn.")
            if not loop:
                return
            close_old_connections()
            time.sleep(loop)
