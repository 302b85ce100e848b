#!/usr/bin/env python3
"""echo_clients.py PORT N SERVER_PID: open N connections to 127.0.0.1:PORT at once, send each a
distinct line, check each echo, report the server's OS threads while all N are open, then ask the
server to shut down. Prints "echoed=K threads=T"; bounded by socket timeouts."""
import socket
import sys

port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    socks.append(s)
for i, s in enumerate(socks):
    s.sendall(b"hello %d\n" % i)
echoed = 0
for i, s in enumerate(socks):
    want, got = b"hello %d\n" % i, b""
    while len(got) < len(want):
        chunk = s.recv(100)
        if not chunk:
            break
        got += chunk
    echoed += got == want
threads = "?"
with open("/proc/%s/status" % pid) as f:
    for line in f:
        if line.startswith("Threads:"):
            threads = line.split()[1]
for s in socks:
    s.close()
stop = socket.create_connection(("127.0.0.1", port), timeout=10)
stop.sendall(b"shutdown\n")
stop.recv(10)
print("echoed=%d threads=%s" % (echoed, threads))
