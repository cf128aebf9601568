//! Domain XML to QEMU command line, against command lines real libvirt 9.0 gave QEMU.
//!
//! For every `tests/data/qemu/cases/CASE.args` (recorded by
//! `scripts/regen-qemu-golden.py`): the completed definition libvirt stored
//! (`CASE.libvirt.xml`) is prepared the way a start prepares it, with the backing chains
//! libvirt detected (read from `CASE.live.xml`, where libvirt shows them) standing in for
//! image probing, and the VNC/SPICE ports it picked; descriptors are numbered 100, 101, ...
//! in the order the builder asks for them, as the recorder numbers them by first
//! appearance. The aliases and storage indices assigned must also be the live XML's.

use rvirt_driver_qemu::caps::QemuCaps;
use rvirt_driver_qemu::command::{self, GraphicsPorts, RecordingFds, Runtime};
use rvirt_xml::domain::devices::disk_source::BackingStore;
use rvirt_xml::domain::devices::graphics::GraphicsKind;
use rvirt_xml::domain::info::DeviceInfo;
use rvirt_xml::domain::postparse::GenericDefaults;
use rvirt_xml::domain::{DomainDef, ParseCtx};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn caps() -> QemuCaps {
    let path = root().join("tests/data/qemu/caps/qemu-system-x86_64-7.2.json");
    let text = std::fs::read_to_string(&path).expect("caps fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("caps JSON");
    QemuCaps::from_json(&v).expect("caps fixture parses")
}

fn parse(path: &Path, inactive: bool) -> Result<DomainDef, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    DomainDef::parse(
        &text,
        &ParseCtx { inactive },
        &GenericDefaults { arch: "x86_64" },
    )
    .map_err(|e| format!("{}: {}", path.display(), e.message))
}

/// Every device info of a definition, in a fixed order, with a label.
fn infos(d: &DomainDef) -> Vec<(String, &DeviceInfo)> {
    let v = &d.devices;
    let mut out: Vec<(String, &DeviceInfo)> = Vec::new();
    macro_rules! fam {
        ($($f:ident),*) => {$(
            for (i, x) in v.$f.iter().enumerate() {
                out.push((format!("{}[{i}]", stringify!($f)), &x.info));
            }
        )*};
    }
    fam!(
        disks,
        controllers,
        filesystems,
        interfaces,
        smartcards,
        serials,
        parallels,
        consoles,
        channels,
        inputs,
        sounds,
        videos,
        hostdevs,
        redirdevs,
        hubs,
        watchdogs,
        rngs,
        shmems,
        memories,
        tpms
    );
    if let Some(b) = &v.memballoon {
        out.push(("memballoon".to_string(), &b.info));
    }
    out
}

/// Copies what only a start can find out from the live definition: the backing chains.
fn take_backing_chains(def: &mut DomainDef, live: &DomainDef) {
    for (d, l) in def.devices.disks.iter_mut().zip(&live.devices.disks) {
        if matches!(d.backing_store, BackingStore::Unknown) {
            let mut chain = l.backing_store.clone();
            // the indices are the builder's to assign
            let mut cur = &mut chain;
            while let BackingStore::Image(img) = cur {
                img.index = None;
                cur = &mut img.backing;
            }
            d.backing_store = chain;
        }
    }
}

/// libvirt keeps controllers in the order define left them (implicit ones appended), which
/// its dumpxml shows but its parser (and so rvirt's) would sort by index: restore the
/// document order.
fn document_controller_order(def: &mut DomainDef, xml_path: &Path) {
    let Ok(text) = std::fs::read_to_string(xml_path) else {
        return;
    };
    let Ok(root) = rvirt_xml::parse_document(&text, "test") else {
        return;
    };
    let Some(devices) = root.child("devices") else {
        return;
    };
    let order: Vec<(String, String, String)> = devices
        .children_named("controller")
        .map(|c| {
            let a = |n: &str| c.attr(n).unwrap_or("").to_string();
            (a("type"), a("index"), a("model"))
        })
        .collect();
    let key = |c: &rvirt_xml::domain::devices::Controller| {
        let t = rvirt_xml::XmlEnum::as_xml(&c.kind).to_string();
        let i = c.index.map(|i| i.to_string()).unwrap_or_default();
        let m = c.model.map(|m| m.as_xml().to_string()).unwrap_or_default();
        order
            .iter()
            .position(|o| o.0 == t && o.1 == i && (o.2 == m || o.2.is_empty()))
            .unwrap_or(usize::MAX)
    };
    def.devices.controllers.sort_by_key(|c| key(c));
}

/// Secrets libvirt's dumps leave out (VNC/SPICE passwords), from the case's input.
fn take_secrets(def: &mut DomainDef, input: &Path) {
    let Ok(src) = parse(input, true) else {
        return;
    };
    for (g, s) in def.devices.graphics.iter_mut().zip(&src.devices.graphics) {
        match (&mut g.kind, &s.kind) {
            (GraphicsKind::Vnc(a), GraphicsKind::Vnc(b)) => a.auth.passwd = b.auth.passwd.clone(),
            (GraphicsKind::Spice(a), GraphicsKind::Spice(b)) => {
                a.auth.passwd = b.auth.passwd.clone()
            }
            _ => {}
        }
    }
}

/// A `variable` clock counts from the moment of start: take that moment from the
/// recorded `-rtc base=` (the only time-dependent argument).
fn start_time(def: &DomainDef, want: &[String]) -> i64 {
    use rvirt_xml::domain::clock::ClockOffset;
    let ClockOffset::Variable { adjustment, .. } = &def.clock.offset else {
        return 0;
    };
    let Some(base) = want
        .iter()
        .skip_while(|a| *a != "-rtc")
        .nth(1)
        .and_then(|v| v.strip_prefix("base="))
    else {
        return 0;
    };
    let n =
        |r: std::ops::Range<usize>| base.get(r).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (hh, mm, ss) = (n(11..13), n(14..16), n(17..19));
    let days = rvirt_core::civil::days_from_civil(y, m, d);
    days * 86_400 + hh * 3600 + mm * 60 + ss - adjustment
}

/// Ports libvirt picked for autoport displays, from the live definition.
fn graphics_ports(live: &DomainDef) -> Vec<GraphicsPorts> {
    live.devices
        .graphics
        .iter()
        .map(|g| match &g.kind {
            GraphicsKind::Vnc(v) => GraphicsPorts {
                port: Some(v.port),
                tls_port: None,
                websocket: Some(v.websocket),
            },
            GraphicsKind::Spice(s) => GraphicsPorts {
                port: Some(s.port),
                tls_port: Some(s.tls_port),
                websocket: None,
            },
            _ => GraphicsPorts::default(),
        })
        .collect()
}

fn diff(want: &[String], got: &[String]) -> String {
    let mut out = String::new();
    let n = want.len().max(got.len());
    let mut shown = 0;
    for i in 0..n {
        let (w, g) = (want.get(i), got.get(i));
        if w != g {
            if let Some(w) = w {
                out.push_str(&format!("  -{i}: {w}\n"));
            }
            if let Some(g) = g {
                out.push_str(&format!("  +{i}: {g}\n"));
            }
            shown += 1;
            if shown > 12 {
                out.push_str("  ...\n");
                break;
            }
        }
    }
    out
}

/// Runs one case; `Err` carries the report.
fn run_case(caps: &QemuCaps, base: &Path) -> Result<(), String> {
    let name = base
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let want: Vec<String> = std::fs::read_to_string(base.with_extension("args"))
        .map_err(|e| e.to_string())?
        .lines()
        .map(str::to_string)
        .collect();
    let mut def = parse(&base.with_extension("libvirt.xml"), true)?;
    document_controller_order(&mut def, &base.with_extension("libvirt.xml"));
    take_secrets(&mut def, &base.with_extension("xml"));
    let mut live = parse(&base.with_extension("live.xml"), false)?;
    document_controller_order(&mut live, &base.with_extension("live.xml"));
    take_backing_chains(&mut def, &live);
    let mut rt = Runtime::system(1, &def.name);
    rt.graphics = graphics_ports(&live);
    rt.now = start_time(&def, &want);
    command::prepare(&mut def, &rt);
    let mut problems = String::new();
    for ((label, mine), (_, theirs)) in infos(&def).iter().zip(infos(&live).iter()) {
        if mine.alias != theirs.alias {
            problems.push_str(&format!(
                "  alias of {label}: {:?}, libvirt {:?}\n",
                mine.alias, theirs.alias
            ));
        }
    }
    for (i, (d, l)) in def
        .devices
        .disks
        .iter()
        .zip(&live.devices.disks)
        .enumerate()
    {
        if d.source.index != l.source.index {
            problems.push_str(&format!(
                "  storage index of disks[{i}]: {:?}, libvirt {:?}\n",
                d.source.index, l.source.index
            ));
        }
    }
    let mut fds = RecordingFds {
        first: 100,
        needs: Vec::new(),
    };
    match command::build(&def, caps, &rt, &mut fds) {
        Ok(got) if got == want && problems.is_empty() => Ok(()),
        Ok(got) => Err(format!("{name}:\n{problems}{}", diff(&want, &got))),
        Err(e) => Err(format!("{name}: {problems}error: {}", e.message)),
    }
}

#[test]
fn xml2argv_matches_libvirt() {
    let caps = caps();
    let dir = root().join("tests/data/qemu/cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "args"))
        .map(|p| p.with_extension(""))
        .collect();
    cases.sort();
    let only = std::env::var("RVIRT_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for base in &cases {
        let name = base.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if only.as_deref().is_some_and(|w| !name.contains(w)) {
            continue;
        }
        ran += 1;
        if let Err(report) = run_case(&caps, base) {
            failures.push(report);
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    eprintln!(
        "xml2argv: {} of {ran} cases match libvirt",
        ran - failures.len()
    );
    assert!(ran > 0, "no cases found in {}", dir.display());
    assert!(failures.is_empty(), "{} cases differ", failures.len());
}

/// The descriptors a start needs are listed in the order they reach the command line.
#[test]
fn fd_needs_follow_command_line_order() {
    let caps = caps();
    let base = root().join("tests/data/qemu/cases/491-everything-pc");
    let mut def = parse(&base.with_extension("libvirt.xml"), true).expect("case parses");
    let rt = Runtime::system(1, &def.name);
    command::prepare(&mut def, &rt);
    let needs = command::fd_needs(&def, &caps, &rt).expect("needs");
    let kinds: Vec<String> = needs.iter().map(|n| format!("{n:?}")).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds[0].starts_with("Monitor"));
    assert!(kinds[1].starts_with("Tap { net: 1 }"));
    assert!(kinds[2].starts_with("UnixListen"), "{kinds:?}");
}

/// Cases libvirt refuses to start while building the command line: the builder must
/// refuse them with the same message. (Other start failures come from QEMU itself or from
/// preparing host resources, which is not the builder's job.)
#[test]
fn build_errors_match_libvirt() {
    let caps = caps();
    let dir = root().join("tests/data/qemu/cases");
    for case in ["474-memory-hugepages", "498-vnc-bad-port"] {
        let base = dir.join(case);
        let want = std::fs::read_to_string(base.with_extension("start-err")).expect("start-err");
        let want = want.lines().last().unwrap_or_default().to_string();
        let mut def = parse(&base.with_extension("libvirt.xml"), true).expect("case parses");
        let rt = Runtime::system(1, &def.name);
        command::prepare(&mut def, &rt);
        let mut fds = RecordingFds::default();
        match command::build(&def, &caps, &rt, &mut fds) {
            Ok(_) => panic!("{case}: built a command line, libvirt said {want}"),
            Err(e) => assert_eq!(format!("error: {}", e.message), want, "{case}"),
        }
    }
}
