#!/usr/bin/python3
"""Streams as python3-libvirt uses them, against one daemon: prints a JSON summary that
must be the same for rvirtd and for the real libvirtd.

Usage: stream_check.py URI RO_URI

The domain's screenshot through Stream.recvAll and finish, through plain recv calls of
several sizes, an abort after the first bytes, an early finish, a handler that raises
(recvAll aborts the stream), errors (flags, the read-only connection, a stream of
another connection, a finished stream used again), and the connection still answering
after each.
"""

import hashlib
import json
import sys

import libvirt


def err(e):
    return {
        "code": e.get_error_code(),
        "domain": e.get_error_domain(),
        "message": e.get_error_message(),
    }


def attempt(fn):
    try:
        return {"ok": fn()}
    except libvirt.libvirtError as e:
        return {"error": err(e)}


def main():
    uri, ro_uri = sys.argv[1], sys.argv[2]
    out = {}
    conn = libvirt.open(uri)
    dom = conn.lookupByName("test")

    # The whole image with recvAll.
    st = conn.newStream(0)
    mime = dom.screenshot(st, 0, 0)
    chunks = []
    st.recvAll(lambda s, data, acc: acc.append(data), chunks)
    st.finish()
    data = b"".join(chunks)
    out["mime"] = mime
    out["length"] = len(data)
    out["sha256"] = hashlib.sha256(data).hexdigest()
    with open("/usr/share/libvirt/test-screenshot.png", "rb") as f:
        out["equals_file"] = data == f.read()

    # Plain recv calls.
    for size in (1, 1000, 65536, 262144):
        st = conn.newStream(0)
        dom.screenshot(st, 1, 0)
        got = []
        while True:
            b = st.recv(size)
            if not b:
                break
            got.append(b)
        st.finish()
        out["recv_%d" % size] = hashlib.sha256(b"".join(got)).hexdigest()

    # Abort after the first bytes; the connection goes on.
    st = conn.newStream(0)
    dom.screenshot(st, 0, 0)
    out["first_bytes"] = len(st.recv(100))
    out["abort"] = attempt(st.abort)
    out["after_abort"] = attempt(conn.getType)

    # Finish before the end.
    st = conn.newStream(0)
    dom.screenshot(st, 0, 0)
    st.recv(10)
    out["early_finish"] = attempt(st.finish)

    # A handler that raises: recvAll aborts the stream and re-raises.
    st = conn.newStream(0)
    dom.screenshot(st, 0, 0)

    def bad(s, data, opaque):
        raise ValueError("handler failed")

    try:
        st.recvAll(bad, None)
        out["raising_handler"] = "no exception"
    except ValueError as e:
        out["raising_handler"] = str(e)
    out["after_raising_handler"] = attempt(conn.getType)

    # A finished stream used again.
    st = conn.newStream(0)
    dom.screenshot(st, 0, 0)
    st.recvAll(lambda s, d, o: None, None)
    st.finish()
    out["recv_after_finish"] = attempt(lambda: st.recv(10))
    out["finish_again"] = attempt(st.finish)

    # Errors.
    st = conn.newStream(0)
    out["flags"] = attempt(lambda: dom.screenshot(st, 0, 1))
    other = libvirt.open(uri)
    st_other = other.newStream(0)
    out["other_connection"] = attempt(lambda: dom.screenshot(st_other, 0, 0))
    other.close()
    ro = libvirt.openReadOnly(ro_uri)
    st_ro = ro.newStream(0)
    out["read_only"] = attempt(
        lambda: ro.lookupByName("test").screenshot(st_ro, 0, 0))
    ro.close()

    # The test driver has no volume streams.
    vol = conn.storagePoolLookupByName("default-pool").createXML(
        "<volume><name>sv.img</name><capacity>1024</capacity></volume>", 0)
    st = conn.newStream(0)
    out["vol_download"] = attempt(lambda: vol.download(st, 0, 0, 0))
    st = conn.newStream(0)
    out["vol_upload"] = attempt(lambda: vol.upload(st, 0, 0, 0))
    vol.delete(0)
    out["still_serving"] = attempt(lambda: conn.lookupByName("test").name())
    conn.close()
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
