"""A local SMTP server for the benchmarks (aiosmtpd): accepts every message and appends its
Message-ID to a file, one a line, flushed per message, so the benchmark can check that
every notice arrived once.

    .venv/bin/python benchmarks/smtp_sink.py PORT OUTFILE
"""
import re
import sys
import threading

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        self.out.write((found.group(1).decode() if found else "<none>") + "\n")
        self.out.flush()
        return "250 OK"


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "a", buffering=1) as out:
        controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
        controller.start()
        print("ready", flush=True)
        threading.Event().wait()  # until the benchmark terminates the process


if __name__ == "__main__":
    main()
