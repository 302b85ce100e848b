#!/usr/bin/env python3
"""py_api.py LIB TEST N: the same work as api_spawn_wait.c / api_queue.c with eventlet or gevent
(LIB), for the API rows of make bench. TEST is spawn_wait (spawn(f, i).wait(), N times, one at a
time) or queue (a producer puts N items into a rendezvous channel, the main greenlet gets them).
Prints the bench line "name=... ops=N ns_per_op=..."; exit 3 when LIB is not installed."""
import sys
import time

lib, test, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    if lib == "eventlet":
        import eventlet
        import eventlet.queue

        spawn, channel = eventlet.spawn, lambda: eventlet.queue.Queue(0)
        wait = lambda g: g.wait()
    elif lib == "gevent":
        import gevent
        import gevent.queue

        spawn, channel = gevent.spawn, gevent.queue.Channel
        wait = lambda g: g.get()
    else:
        sys.exit("py_api.py: LIB is eventlet or gevent, not %r" % lib)
except ImportError:
    sys.exit(3)


def nothing(i):
    return i


def spawn_wait():
    total = 0
    t0 = time.perf_counter()
    for i in range(n):
        total += wait(spawn(nothing, i))
    return time.perf_counter() - t0, total


def queue():
    q = channel()

    def produce():
        for i in range(n):
            q.put(i)

    p = spawn(produce)
    total = 0
    t0 = time.perf_counter()
    for _ in range(n):
        total += q.get()
    s = time.perf_counter() - t0
    wait(p)
    return s, total


s, total = {"spawn_wait": spawn_wait, "queue": queue}[test]()
if total != n * (n - 1) // 2:
    sys.exit("py_api.py: wrong results")
print("name=%s_%s ops=%d ns_per_op=%.1f seconds=%.3f" % (lib, test, n, s * 1e9 / n, s))
