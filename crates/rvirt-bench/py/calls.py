#!/usr/bin/python3
"""Calls per second through python3-libvirt: each client process loops over
lookupByName + info (two RPC calls) for a fixed time.

usage: calls.py URI SECONDS CLIENTS   -> prints "<calls per second>"
"""
import multiprocessing as mp
import sys
import time

import libvirt


def worker(uri, seconds, start, out):
    conn = libvirt.open(uri)
    dom = conn.lookupByName("test")
    dom.info()
    start.wait()
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(50):
            conn.lookupByName("test").info()
        n += 100
    out.put(n)
    conn.close()


def main():
    uri, seconds, clients = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    start = mp.Barrier(clients + 1)
    out = mp.Queue()
    procs = [mp.Process(target=worker, args=(uri, seconds, start, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.monotonic()
    total = sum(out.get() for _ in procs)
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join()
    print(f"{total / elapsed:.0f}")


if __name__ == "__main__":
    main()
