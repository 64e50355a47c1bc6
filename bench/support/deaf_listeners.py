"""Deaf listeners for bench/overload.bench.ts: N hotspots that log in to an HBP master (RPTL, RPTK,
RPTC, RPTO "TS2=<tg>;"; hbp-and-dmr.md section 1.2) and then never read again, so the server's
fan-out costs the server its full send work while the generator pays nothing to receive (the kernel
drops at their tiny receive buffers). They ping every 5 s. Prints READY <n> once logged in; exits
when stdin closes.

    python3 bench/support/deaf_listeners.py PORT COUNT FIRST_ID PASSPHRASE TALKGROUP
"""
import hashlib
import select
import socket
import struct
import sys
import time

port, count, first_id, passphrase, talkgroup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode(), int(sys.argv[5])
server = ("127.0.0.1", port)


def rptc(repeater_id):
    text = ("LISTEN".ljust(8) + "438800000" + "431200000" + "01" + "01" + "51.50000" + "-0.120000" + "010"
            + "Bench".ljust(20) + "deaf listener".ljust(19) + "3" + "".ljust(124) + "20260713".ljust(40) + "MMDVM".ljust(40))
    return b"RPTC" + struct.pack(">I", repeater_id) + text.encode()


def ask(sock, message, tag, tries=10):
    for _ in range(tries):
        sock.send(message)
        deadline = time.time() + 1.0
        while time.time() < deadline:
            ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.time()))
            if not ready:
                break
            data = sock.recv(2048)
            if data.startswith(tag):
                return data
    raise SystemExit(f"no {tag!r} for {message[:4]!r}")


listeners = []
for i in range(count):
    rid = first_id + i
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.connect(server)
    salt = ask(s, b"RPTL" + struct.pack(">I", rid), b"RPTACK")[6:10]
    ask(s, b"RPTK" + struct.pack(">I", rid) + hashlib.sha256(salt + passphrase).digest(), b"RPTACK")
    ask(s, rptc(rid), b"RPTACK")
    ask(s, b"RPTO" + struct.pack(">I", rid) + f"TS2={talkgroup};".encode(), b"RPTACK")
    # deaf from now on: the smallest receive buffer, never read
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    listeners.append((s, b"RPTPING" + struct.pack(">I", rid)))

print(f"READY {len(listeners)}", flush=True)
while True:
    ready, _, _ = select.select([sys.stdin], [], [], 5.0)
    if ready and sys.stdin.readline() == "":
        break
    for s, ping in listeners:
        try:
            s.send(ping)
        except OSError:
            pass
