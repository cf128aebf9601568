#!/usr/bin/python3
"""api_check.py URI RO_URI SCRATCH_DIR

Exercises a libvirt daemon through python3-libvirt (the real client library) and prints
one JSON summary of what it saw: domain lifecycle, lookups, XML, listings with flags,
networks and pools, the error records of failing calls, and the lifecycle events one
connection receives while another one acts.

Run against rvirtd and against the real libvirtd with the same arguments shape; the two
summaries must be equal. Everything that varies by nature (CPU time, the order of events
of different objects) is left out or normalised here. SCRATCH_DIR is a directory both
daemons may write save images into.
"""
import json
import os
import signal
import sys
import threading
import time

import libvirt

URI, RO_URI, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "virsh", "files")

# A hung daemon must fail the check, not the whole test run.
signal.alarm(90)

# libvirt prints every error to stderr by default; they are recorded here instead.
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def xml(name):
    with open(os.path.join(FILES, name)) as f:
        return f.read()


def err_record(e):
    return {
        "code": e.get_error_code(),
        "domain": e.get_error_domain(),
        "level": e.get_error_level(),
        "message": e.get_error_message(),
        "str1": e.get_str1(),
        "str2": e.get_str2(),
        "str3": e.get_str3(),
        "int1": e.get_int1(),
    }


def attempt(f):
    """The call's result, or its error record."""
    try:
        return {"ok": f()}
    except libvirt.libvirtError as e:
        return {"error": err_record(e)}


def dom_info(d):
    state, maxmem, mem, vcpus, _cpu_time = d.info()
    return {"state": state, "maxmem": maxmem, "mem": mem, "vcpus": vcpus}


def lifecycle():
    c = libvirt.open(URI)
    out = {}
    d = c.defineXML(xml("d1.xml"))
    steps = [
        ("defined", None),
        ("create", d.create),
        ("suspend", d.suspend),
        ("resume", d.resume),
        ("shutdown", d.shutdown),
        ("create again", d.create),
        ("destroy", d.destroy),
        ("create for save", d.create),
        ("save", lambda: d.save(os.path.join(SCRATCH, "d1.save"))),
        ("restore", lambda: c.restore(os.path.join(SCRATCH, "d1.save"))),
        ("managed save", lambda: d.managedSave(0)),
        ("has managed save", lambda: d.hasManagedSaveImage(0)),
        ("start from managed save", d.create),
        ("has managed save after start", lambda: d.hasManagedSaveImage(0)),
        ("set memory", lambda: d.setMemory(1048576)),
        ("autostart on", lambda: d.setAutostart(1)),
        ("autostart", d.autostart),
        ("destroy at end", d.destroy),
        ("undefine", d.undefine),
    ]
    for name, f in steps:
        r = attempt(f) if f else {"ok": None}
        r["state"] = attempt(lambda: list(d.state()))
        r["id"] = attempt(d.ID)
        r["info"] = attempt(lambda: dom_info(d))
        r["active"] = attempt(d.isActive)
        r["persistent"] = attempt(d.isPersistent)
        out[name] = r
    # A transient domain, created straight from XML.
    t = c.createXML(xml("t1.xml"), 0)
    out["transient"] = {
        "name": t.name(),
        "id": t.ID(),
        "persistent": t.isPersistent(),
        "state": list(t.state()),
        "destroy": attempt(t.destroy),
        "lookup after destroy": attempt(lambda: c.lookupByName("t1").name()),
    }
    c.close()
    return out


def lookups():
    c = libvirt.open(URI)
    d = c.lookupByName("test")
    out = {
        "by name": [d.name(), d.ID(), d.UUIDString()],
        "by id": attempt(lambda: c.lookupByID(1).name()),
        "by uuid string": attempt(lambda: c.lookupByUUIDString(d.UUIDString()).name()),
        "by uuid bytes": attempt(lambda: c.lookupByUUID(d.UUID()).name()),
        "os type": d.OSType(),
        "max memory": d.maxMemory(),
        "max vcpus": attempt(d.maxVcpus),
        "vcpus flags": attempt(lambda: d.vcpusFlags(0)),
        "xml": d.XMLDesc(0),
        "xml inactive": d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
        "xml secure": d.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE),
        "hostname": attempt(c.getHostname) is not None,
        "type": c.getType(),
        "lib version": c.getLibVersion(),
        "version": c.getVersion(),
        "uri": c.getURI().split("?")[0],
        "node info": c.getInfo(),
        "is alive": c.isAlive(),
        "is secure": c.isSecure(),
        "is encrypted": c.isEncrypted(),
        "max vcpus of type": attempt(lambda: c.getMaxVcpus(None)),
        "capabilities starts": c.getCapabilities()[:40],
        "free memory": attempt(c.getFreeMemory),
        "security model": attempt(c.getSecurityModel),
        "sysinfo": attempt(lambda: c.getSysinfo(0)[:20]),
    }
    c.close()
    return out


def listings():
    c = libvirt.open(URI)
    for f in ("d1.xml", "d2.xml", "d3.xml"):
        c.defineXML(xml(f))
    c.lookupByName("d2").create()
    c.lookupByName("d2").suspend()
    c.createXML(xml("t1.xml"), 0)
    flags = {
        "0": 0,
        "active": libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
        "inactive": libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE,
        "persistent": libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
        "transient": libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
        "running": libvirt.VIR_CONNECT_LIST_DOMAINS_RUNNING,
        "paused": libvirt.VIR_CONNECT_LIST_DOMAINS_PAUSED,
        "shutoff": libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
        "active+persistent": libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE
        | libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
        "no autostart": libvirt.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
        "managed save": libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
        "bad flag": 1 << 30,
    }
    out = {}
    for name, f in flags.items():
        out["all domains " + name] = attempt(
            lambda: sorted((d.name(), d.ID()) for d in c.listAllDomains(f))
        )
    out["ids"] = sorted(c.listDomainsID())
    out["defined"] = sorted(c.listDefinedDomains())
    out["num"] = [c.numOfDomains(), c.numOfDefinedDomains()]
    out["networks"] = sorted(n.name() for n in c.listAllNetworks(0))
    out["network names"] = [sorted(c.listNetworks()), sorted(c.listDefinedNetworks())]
    out["default network"] = attempt(
        lambda: [
            c.networkLookupByName("default").XMLDesc(0),
            c.networkLookupByName("default").isActive(),
            c.networkLookupByName("default").bridgeName(),
        ]
    )
    out["pools"] = attempt(lambda: sorted(p.name() for p in c.listAllStoragePools(0)))
    out["pool names"] = attempt(
        lambda: [sorted(c.listStoragePools()), sorted(c.listDefinedStoragePools())]
    )
    out["default pool"] = attempt(
        lambda: [
            c.storagePoolLookupByName("default-pool").info(),
            sorted(v.name() for v in c.storagePoolLookupByName("default-pool").listAllVolumes(0)),
        ]
    )
    c.close()
    return out


def errors():
    c = libvirt.open(URI)
    c.defineXML(xml("d1.xml"))
    d1 = c.lookupByName("d1")
    test = c.lookupByName("test")
    cases = {
        "lookupByName nosuch": lambda: c.lookupByName("nosuch"),
        "lookupByID 999": lambda: c.lookupByID(999),
        "lookupByUUIDString unknown": lambda: c.lookupByUUIDString(
            "00000000-0000-4000-8000-000000000000"
        ),
        "lookupByUUIDString malformed": lambda: c.lookupByUUIDString("not-a-uuid"),
        "destroy inactive": d1.destroy,
        "suspend inactive": d1.suspend,
        "resume running": test.resume,
        "create active": test.create,
        "shutdown inactive": d1.shutdown,
        "managedSave inactive": lambda: d1.managedSave(0),
        "save inactive": lambda: d1.save(os.path.join(SCRATCH, "x.save")),
        "restore missing file": lambda: c.restore(os.path.join(SCRATCH, "missing.save")),
        "define bad XML": lambda: c.defineXML("<domain type='test'><name>x</nam></domain>"),
        "define empty": lambda: c.defineXML(""),
        "define no name": lambda: c.defineXML("<domain type='test'><memory>1024</memory></domain>"),
        "define duplicate uuid": lambda: c.defineXML(xml("dupuuid.xml")),
        "create bad XML": lambda: c.createXML("<domain", 0),
        "unsupported flags": lambda: test.destroyFlags(1 << 20),
        "setMemory above max": lambda: test.setMemory(1 << 40),
        "networkLookupByName nosuch": lambda: c.networkLookupByName("nosuch"),
        "storagePoolLookupByName nosuch": lambda: c.storagePoolLookupByName("nosuch"),
        "storageVolLookupByPath nosuch": lambda: c.storageVolLookupByPath("/nosuch"),
        "undefine twice": lambda: (d1.undefine(), d1.undefine()),
        "call on undefined handle": d1.create,
    }
    out = {name: attempt(f) for name, f in cases.items()}
    c.close()
    ro = libvirt.openReadOnly(RO_URI)
    rd = ro.lookupByName("test")
    ro_cases = {
        "ro define": lambda: ro.defineXML(xml("d1.xml")),
        "ro destroy": rd.destroy,
        "ro suspend": rd.suspend,
        "ro setMemory": lambda: rd.setMemory(1024),
        "ro net create": lambda: ro.networkCreateXML(xml("n1.xml")),
        "ro XMLDesc secure": lambda: rd.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE),
        "ro XMLDesc": lambda: len(rd.XMLDesc(0)) > 0,
        "ro list": lambda: sorted(d.name() for d in ro.listAllDomains(0)),
    }
    out.update({name: attempt(f) for name, f in ro_cases.items()})
    ro.close()
    return out


def statistics():
    """vCPU placement, balloon statistics, the scheduler, guest host names, the host's CPU
    map and counters, domain capabilities; vCPU times are left out."""
    c = libvirt.open(URI)
    test = c.lookupByName("test")
    c.defineXML(xml("vcpus.xml"))
    vc = c.lookupByName("vc")
    c.defineXML(xml("d1.xml"))
    d1 = c.lookupByName("d1")

    def vcpus(d):
        info, maps = d.vcpus()
        return {"info": [[n, s, cpu] for n, s, _t, cpu in info], "maps": maps}

    cases = {
        "getCPUMap": lambda: c.getCPUMap(0),
        "getCPUMap flags": lambda: c.getCPUMap(1),
        "getCPUStats": lambda: c.getCPUStats(-1),
        "getCPUStats cpu 3": lambda: c.getCPUStats(3),
        "getCPUStats -5": lambda: c.getCPUStats(-5),
        "getCPUStats flags": lambda: c.getCPUStats(-1, 1),
        "getMemoryStats": lambda: c.getMemoryStats(-1),
        "getMemoryStats -5": lambda: c.getMemoryStats(-5),
        "getDomainCapabilities": lambda: c.getDomainCapabilities(),
        "vcpus running": lambda: vcpus(test),
        "vcpus inactive": lambda: vcpus(vc),
        "vcpuPinInfo inactive config": lambda: vc.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG),
        "vcpuPinInfo running": lambda: test.vcpuPinInfo(0),
        "vcpuPinInfo live and config": lambda: test.vcpuPinInfo(3),
        "memoryStats": test.memoryStats,
        "memoryStats inactive": vc.memoryStats,
        "setMemoryStatsPeriod": lambda: test.setMemoryStatsPeriod(7, 0),
        "setMemoryStatsPeriod negative": lambda: test.setMemoryStatsPeriod(-1, 0),
        "setMemoryStatsPeriod flags": lambda: test.setMemoryStatsPeriod(1, 4),
        "setMemoryStatsPeriod no balloon": lambda: d1.setMemoryStatsPeriod(1, 0),
        "balloon period in XML": lambda: "<stats period='7'/>" in test.XMLDesc(0),
        "schedulerType": test.schedulerType,
        "schedulerParameters": test.schedulerParameters,
        "schedulerParametersFlags": lambda: test.schedulerParametersFlags(0),
        "schedulerParametersFlags live and config": lambda: test.schedulerParametersFlags(3),
        "setSchedulerParameters": lambda: test.setSchedulerParameters({"weight": 10}),
        "setSchedulerParametersFlags": lambda: test.setSchedulerParametersFlags({"weight": 10}, 0),
        "hostname": lambda: test.hostname(0),
        "hostname flags": lambda: test.hostname(1),
        "hostname inactive": lambda: vc.hostname(0),
        "start vc": vc.create,
        "vcpus pinned": lambda: vcpus(vc),
        "memoryStats vc": vc.memoryStats,
        "hostname vc": lambda: vc.hostname(0),
    }
    out = {name: attempt(f) for name, f in cases.items()}
    vc.destroy()
    vc.undefine()
    d1.undefine()
    c.close()
    ro = libvirt.openReadOnly(RO_URI)
    rd = ro.lookupByName("test")
    ro_cases = {
        "ro hostname": lambda: rd.hostname(0),
        "ro getDomainCapabilities": lambda: ro.getDomainCapabilities(),
        "ro setMemoryStatsPeriod": lambda: rd.setMemoryStatsPeriod(3, 0),
        "ro setSchedulerParameters": lambda: rd.setSchedulerParameters({"weight": 1}),
        "ro vcpus": lambda: vcpus(rd),
        "ro memoryStats": rd.memoryStats,
        "ro schedulerParameters": rd.schedulerParameters,
        "ro getCPUStats": lambda: ro.getCPUStats(-1),
        "ro getCPUMap": lambda: ro.getCPUMap(0),
    }
    out.update({name: attempt(f) for name, f in ro_cases.items()})
    ro.close()
    return out


def events():
    """Events seen by one connection while a second one acts."""
    libvirt.virEventRegisterDefaultImpl()
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            libvirt.virEventRunDefaultImpl()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    watcher = libvirt.open(URI)
    seen = []
    lock = threading.Lock()

    def on_domain(conn, dom, event, detail, opaque):
        with lock:
            seen.append(["domain", opaque, dom.name(), event, detail])

    def on_network(conn, net, event, detail, opaque):
        with lock:
            seen.append(["network", opaque, net.name(), event, detail])

    ids = [
        watcher.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_domain, "all"
        ),
        watcher.domainEventRegisterAny(
            watcher.lookupByName("test"), libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_domain, "test only"
        ),
    ]
    net_id = attempt(
        lambda: watcher.networkEventRegisterAny(
            None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, on_network, "net"
        )
    )
    actor = libvirt.open(URI)
    d = actor.defineXML(xml("d1.xml"))
    d.create()
    d.suspend()
    d.resume()
    d.destroy()
    d.undefine()
    test = actor.lookupByName("test")
    test.suspend()
    test.resume()
    t1 = actor.createXML(xml("t1.xml"), 0)
    t1.destroy()
    if "ok" in net_id:
        n = actor.networkDefineXML(xml("n1.xml"))
        n.create()
        n.destroy()
        n.undefine()
    want = 12 + (4 if "ok" in net_id else 0)
    deadline = time.time() + 10
    while time.time() < deadline:
        with lock:
            if len(seen) >= want:
                break
        time.sleep(0.05)
    time.sleep(0.3)
    for i in ids:
        watcher.domainEventDeregisterAny(i)
    if "ok" in net_id:
        watcher.networkEventDeregisterAny(net_id["ok"])
    # After deregistering, nothing more arrives.
    with lock:
        before = len(seen)
    test.suspend()
    test.resume()
    time.sleep(0.3)
    with lock:
        after = len(seen)
    actor.close()
    watcher.close()
    stop.set()
    with lock:
        # Per callback, in arrival order (the order between two callbacks of one event is
        # not defined).
        by_callback = {}
        for e in seen:
            by_callback.setdefault(e[1], []).append([e[0]] + e[2:])
        return {
            "network registration": "ok" in net_id,
            "events": by_callback,
            "events after deregistering": after - before,
        }


def main():
    result = {}
    for name, f in [
        ("lookups", lookups),
        ("lifecycle", lifecycle),
        ("listings", listings),
        ("errors", errors),
        ("statistics", statistics),
        ("events", events),
    ]:
        try:
            result[name] = f()
        except libvirt.libvirtError as e:
            result[name] = {"unexpected error": err_record(e)}
        except Exception as e:  # a bug in this script or a broken reply
            result[name] = {"exception": "%s: %s" % (type(e).__name__, e)}
    # One leaf per line, keyed by its path, so a difference between two daemons reads
    # on its own line.
    flat = {}

    def walk(prefix, v):
        if isinstance(v, dict) and v:
            for k, x in v.items():
                walk(prefix + "/" + str(k) if prefix else str(k), x)
        elif isinstance(v, (list, tuple)) and v and any(isinstance(x, (dict, list)) for x in v):
            for i, x in enumerate(v):
                walk("%s[%d]" % (prefix, i), x)
        else:
            flat[prefix] = v

    walk("", result)
    print(json.dumps(flat, indent=0, sort_keys=True))


main()
