"""A local SMTP server for the benchmarks (aiosmtpd): accepts every message and appends its
Message-ID to a file, one a line, so the benchmark can check that every notice arrived
once. It does nothing else with a message (no parsing beyond finding that one header).

    .venv/bin/python benchmarks/smtp_sink.py PORT OUTFILE

Several may listen on the same port (SO_REUSEPORT: the kernel spreads connections among
them), each writing its own file, so that the server is not what a benchmark measures:
aiosmtpd reads a message line by line in Python, about half a millisecond of CPU each.
"""
import asyncio
import re
import sys

from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        # Line-buffered: each line is on disk before the client hears "250".
        self.out.write((found.group(1).decode() if found else "<none>") + "\n")
        return "250 OK"


async def serve(port, out):
    handler = Sink(out)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        # A fixed host name: aiosmtpd would otherwise look up the machine's for each one.
        lambda: SMTP(handler, hostname="sink.invalid", ident="casework-bench-sink"),
        host="127.0.0.1", port=port, reuse_port=True)
    print("ready", flush=True)
    await server.serve_forever()  # until the benchmark terminates the process


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "a", buffering=1) as out:
        asyncio.run(serve(port, out))


if __name__ == "__main__":
    main()
