//! The test driver's host capabilities and sysinfo documents.

use rvirt_xml::writer::Out;

/// `virConnectGetCapabilities` for the test driver. `cells` is 2 for the default
/// configuration (with a NUMA topology) and 0 for custom files.
pub fn capabilities(cells: u32) -> String {
    let mut caps = Out::new("capabilities");
    let mut host = Out::new("host");
    let mut cpu = Out::new("cpu");
    cpu.text_child("arch", "i686");
    let mut feats = Out::new("features");
    feats.push(Out::new("pae"));
    feats.push(Out::new("nonpae"));
    cpu.push(feats);
    for size in [4, 8, 2048, 1_048_576] {
        cpu.push(Out::new("pages").attr("unit", "KiB").attr("size", size));
    }
    host.push(cpu);
    host.push(Out::new("power_management"));
    host.push(Out::new("iommu").attr("support", "no"));
    if cells > 0 {
        let mut topo = Out::new("topology");
        let mut cs = Out::new("cells").attr("num", cells);
        for i in 0..cells {
            let mem_kib = u64::from(i + 1) * 2048 * 1024;
            let first_page: u64 = if i == 0 { 4 } else { 8 };
            let mut cell = Out::new("cell").attr("id", i);
            cell.push(Out::new("memory").attr("unit", "KiB").text(mem_kib));
            cell.push(
                Out::new("pages")
                    .attr("unit", "KiB")
                    .attr("size", first_page)
                    .text(mem_kib / first_page),
            );
            for size in [2048, 1_048_576] {
                cell.push(
                    Out::new("pages")
                        .attr("unit", "KiB")
                        .attr("size", size)
                        .text(0),
                );
            }
            let mut cpus = Out::new("cpus").attr("num", 8);
            for c in 0..8 {
                let id = i * 8 + c;
                cpus.push(
                    Out::new("cpu")
                        .attr("id", id)
                        .attr("socket_id", i)
                        .attr("die_id", 0)
                        .attr("core_id", c)
                        .attr("siblings", id),
                );
            }
            cell.push(cpus);
            cs.push(cell);
        }
        topo.push(cs);
        host.push(topo);
    }
    let mut sec = Out::new("secmodel");
    sec.text_child("model", "testSecurity");
    sec.push(Out::new("doi").text(""));
    host.push(sec);
    caps.push(host);
    for os in ["hvm", "xen"] {
        let mut g = Out::new("guest");
        g.text_child("os_type", os);
        let mut arch = Out::new("arch").attr("name", "i686");
        arch.text_child("wordsize", 32);
        arch.text_child("emulator", "/usr/bin/test-hv");
        arch.push(Out::new("domain").attr("type", "test"));
        g.push(arch);
        let mut f = Out::new("features");
        f.push(Out::new("pae"));
        f.push(Out::new("nonpae"));
        g.push(f);
        caps.push(g);
    }
    // libvirt separates the host and guest blocks with blank lines.
    let text = caps.render(0);
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.lines() {
        if line == "  <host>" || line == "  <guest>" {
            out.push('\n');
        }
        if line == "</capabilities>" {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `virConnectGetSysinfo`: a fixed SMBIOS block.
pub fn sysinfo() -> String {
    let mut s = Out::new("sysinfo").attr("type", "smbios");
    let mut bios = Out::new("bios");
    for (k, v) in [
        ("vendor", "LENOVO"),
        ("version", "G4ETA1WW (2.61 )"),
        ("date", "05/07/2014"),
        ("release", "2.61"),
    ] {
        bios.push(Out::new("entry").attr("name", k).text(v));
    }
    s.push(bios);
    s.render(0)
}
