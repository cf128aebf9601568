//! `virConnectGetDomainCapabilities` for the QEMU driver: what a domain of one emulator,
//! architecture, machine type and virtualization type can use, as libvirt 9.0 prints it.
//!
//! The arguments are checked in libvirt's order and with its errors (unknown virt type,
//! unknown architecture, no emulator for the architecture, an emulator that cannot run
//! the architecture, an unknown machine, a virt type the emulator cannot do). Everything
//! printed comes from the binary's probe (devices, objects, display types, CPU models and
//! the accelerator's own CPU), the host (KVM's vCPU limit, VFIO) and QEMU's firmware
//! descriptors; the host-model CPU is named with [`super::cpu_x86`].

use super::cpu_x86::{self, CpuData, CpuKind, FeatureSet};
use super::firmware;
use super::host_numa::{self, HostRoot};
use super::xml::{binary_for_arch, host_arch, known_arch};
use super::{qemu_target, CpuModel, ExpandedCpu, QemuCaps};
use crate::defaults::CapsLookup;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::Out;
use std::sync::Arc;

/// libvirt's virtualization type names (`virDomainVirtType`).
const VIRT_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "hvf",
];

/// libvirt's Hyper-V enlightenment names, in its order, with QEMU's property name.
const HYPERV: &[(&str, &str)] = &[
    ("relaxed", "relaxed"),
    ("vapic", "vapic"),
    ("spinlocks", "spinlocks"),
    ("vpindex", "vpindex"),
    ("runtime", "runtime"),
    ("synic", "synic"),
    ("stimer", "stimer"),
    ("reset", "reset"),
    ("vendor_id", "vendor-id"),
    ("frequencies", "frequencies"),
    ("reenlightenment", "reenlightenment"),
    ("tlbflush", "tlbflush"),
    ("ipi", "ipi"),
    ("evmcs", "evmcs"),
    ("avic", "avic"),
];

fn invalid(msg: String) -> Error {
    Error::new(ErrorDomain::QEMU, ErrorCode::INVALID_ARG, Some(msg))
}

/// What the caller asked for (each part optional, as in the API).
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    pub emulatorbin: Option<&'a str>,
    pub arch: Option<&'a str>,
    pub machine: Option<&'a str>,
    pub virttype: Option<&'a str>,
}

/// The host facts domain capabilities depend on.
#[derive(Clone, Debug)]
pub struct HostFacts {
    /// KVM's vCPU limit (`KVM_CAP_MAX_VCPUS`).
    pub kvm_max_vcpus: Option<u32>,
    pub vfio: bool,
    /// Firmware descriptors, in the order they apply.
    pub firmwares: Vec<firmware::Firmware>,
    /// The host architecture in libvirt's spelling.
    pub arch: String,
}

impl HostFacts {
    /// This host, for a daemon that is `privileged` (system) or not (session).
    pub fn probe(root: &HostRoot, privileged: bool) -> HostFacts {
        HostFacts {
            kvm_max_vcpus: crate::sys::kvm::max_vcpus().and_then(|n| u32::try_from(n).ok()),
            vfio: host_numa::vfio(root),
            firmwares: firmware::load(&firmware::search_dirs(privileged)),
            arch: host_arch().to_string(),
        }
    }
}

/// A resolved request: which binary, for which architecture, machine and virt type.
pub struct Resolved {
    pub caps: Arc<QemuCaps>,
    pub arch: String,
    pub machine: String,
    pub virttype: &'static str,
}

/// Whether a binary of architecture `own` can run guests of `arch`.
fn arch_supported(own: &str, arch: &str) -> bool {
    own == arch
        || (own == "x86_64" && arch == "i686")
        || (own == "aarch64" && arch == "armv7l")
        || (own == "armv7l" && arch == "armv6l")
        || (own == "ppc64" && arch == "ppc64le")
}

/// Checks the request as libvirt does and picks what it leaves open.
pub fn resolve(lookup: &dyn CapsLookup, req: &Request) -> Result<Resolved> {
    let virttype: Option<&'static str> = match req.virttype {
        None => None,
        Some(v) => Some(
            VIRT_TYPES
                .iter()
                .copied()
                .find(|t| *t == v)
                .ok_or_else(|| invalid(format!("unknown virttype: {v}")))?,
        ),
    };
    if let Some(a) = req.arch {
        if !known_arch(a) {
            return Err(invalid(format!("unknown architecture: {a}")));
        }
    }
    let caps = match req.emulatorbin {
        Some(bin) if !std::path::Path::new(bin).exists() => {
            return Err(crate::defaults::missing_binary(bin))
        }
        Some(bin) => lookup.caps(bin)?,
        None => {
            let arch = req.arch.unwrap_or(host_arch());
            let bin = binary_for_arch(lookup, arch).ok_or_else(|| {
                Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    Some(format!(
                        "unable to find any emulator to serve '{arch}' architecture"
                    )),
                )
            })?;
            lookup.caps(&bin)?
        }
    };
    let binary = caps.binary.to_string_lossy().into_owned();
    // The architecture defaults to the host's even with an emulator given, so an i386
    // binary alone is refused on an x86_64 host, as libvirt refuses it.
    let arch = req.arch.unwrap_or(host_arch()).to_string();
    if !arch_supported(&caps.arch, &arch) {
        return Err(invalid(format!(
            "Emulator '{binary}' does not support arch '{arch}'"
        )));
    }
    let default_type = if caps.kvm { "kvm" } else { "qemu" };
    let virttype = virttype.unwrap_or(default_type);
    let machine = match req.machine {
        Some(m) => caps
            .machine(m)
            // libvirt leaves QEMU's `none` machine out of its list.
            .filter(|mm| mm.name != "none")
            .map(|mm| mm.name.clone())
            .ok_or_else(|| {
                invalid(format!(
                    "the machine '{m}' is not supported by emulator '{binary}'"
                ))
            })?,
        None => caps
            .default_machine()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
    };
    let supported = virttype == "qemu" || (virttype == "kvm" && caps.kvm);
    if !supported {
        return Err(invalid(format!(
            "Emulator '{binary}' does not support virt type '{virttype}'"
        )));
    }
    Ok(Resolved {
        caps,
        arch,
        machine,
        virttype,
    })
}

/// `<enum name=...>` with its values (`<enum name='x'/>` without any).
fn enum_el(name: &str, values: &[&str]) -> Out {
    let mut e = Out::new("enum").attr("name", name);
    for v in values {
        e.text_child("value", v);
    }
    e
}

/// `<NAME supported='yes'>` with enums, or `supported='no'` without.
fn device(name: &str, supported: bool, enums: Vec<Out>) -> Out {
    let mut d = Out::new(name).attr("supported", if supported { "yes" } else { "no" });
    if supported {
        for e in enums {
            d.push(e);
        }
    }
    d
}

/// Values kept where their condition holds, in the order given.
fn pick<'a>(list: &[(&'a str, bool)]) -> Vec<&'a str> {
    list.iter().filter(|(_, ok)| *ok).map(|(v, _)| *v).collect()
}

fn is_i440fx(machine: &str) -> bool {
    QemuCaps::is_i440fx(machine)
}

fn os(r: &Resolved, host: &HostFacts) -> Out {
    let fw = firmware::supported(&host.firmwares, qemu_target(&r.arch), &r.machine);
    let mut os = Out::new("os").attr("supported", "yes");
    os.push(enum_el(
        "firmware",
        &pick(&[("bios", fw.bios), ("efi", fw.efi)]),
    ));
    let mut loader = Out::new("loader").attr("supported", "yes");
    for l in &fw.loaders {
        loader.text_child("value", l);
    }
    loader.push(enum_el("type", &["rom", "pflash"]));
    loader.push(enum_el("readonly", &["yes", "no"]));
    loader.push(enum_el(
        "secure",
        &pick(&[("yes", fw.secure), ("no", true)]),
    ));
    os.push(loader);
    os
}

/// Whether guests of `arch` run natively on this host (KVM and host CPU modes apply).
fn native(host_arch: &str, arch: &str) -> bool {
    host_arch == arch || (host_arch == "x86_64" && arch == "i686")
}

/// The accelerator's CPU as libvirt's CPU data.
fn cpu_data(e: &ExpandedCpu) -> CpuData {
    CpuData {
        features: FeatureSet::from_names(e.features.iter().map(String::as_str)),
        vendor: cpu_x86::vendor_name(&e.vendor),
        signature: Some((e.family, e.model, e.stepping)),
    }
}

fn cpu(r: &Resolved, host: &HostFacts) -> Out {
    let caps = &r.caps;
    let kvm = r.virttype == "kvm";
    let native = native(&host.arch, &r.arch);
    let models: &[CpuModel] = if kvm { &caps.kvm_cpus } else { &caps.tcg_cpus };
    let mut cpu = Out::new("cpu");

    let passthrough = kvm && native;
    let mut m = Out::new("mode")
        .attr("name", "host-passthrough")
        .attr("supported", if passthrough { "yes" } else { "no" });
    if passthrough {
        m.push(enum_el(
            "hostPassthroughMigratable",
            &pick(&[("on", caps.cpu_migratable), ("off", true)]),
        ));
    }
    cpu.push(m);

    let maximum = models.iter().any(|c| c.name == "max");
    let mut m = Out::new("mode")
        .attr("name", "maximum")
        .attr("supported", if maximum { "yes" } else { "no" });
    if maximum {
        m.push(enum_el("maximumMigratable", &["on", "off"]));
    }
    cpu.push(m);

    let expanded = if kvm {
        caps.kvm_host_cpu.as_ref()
    } else {
        caps.tcg_host_cpu.as_ref()
    };
    let host_model = expanded
        .filter(|_| native)
        .and_then(|e| cpu_x86::decode(&cpu_data(e), CpuKind::Guest, Some(models)));
    let mut m = Out::new("mode")
        .attr("name", "host-model")
        .attr("supported", if host_model.is_some() { "yes" } else { "no" });
    // A QEMU that cannot say which features block a model (libvirt's test: the
    // x86_64 max CPU has no `unavailable-features`) gets no MSR features named.
    let host_model = host_model.map(|mut h| {
        if !caps.cpu_unavailable_features {
            h.features.retain(|(f, _)| !cpu_x86::is_msr_feature(f));
        }
        h
    });
    if let Some(h) = host_model {
        m.push(Out::new("model").attr("fallback", "forbid").text(h.model));
        m.text_child_opt("vendor", h.vendor);
        for (f, _) in h.features.iter().filter(|(_, d)| !*d) {
            m.push(
                Out::new("feature")
                    .attr("policy", "require")
                    .attr("name", f),
            );
        }
        for (f, _) in h.features.iter().filter(|(_, d)| *d) {
            m.push(
                Out::new("feature")
                    .attr("policy", "disable")
                    .attr("name", f),
            );
        }
    }
    cpu.push(m);

    let custom: Vec<(&CpuModel, &super::cpu_map::Model)> = models
        .iter()
        .filter(|c| c.name != "host")
        .filter_map(|c| cpu_x86::model(&c.name).map(|m| (c, m)))
        .collect();
    let mut m = Out::new("mode")
        .attr("name", "custom")
        .attr("supported", if custom.is_empty() { "no" } else { "yes" });
    for (c, def) in custom {
        m.push(
            Out::new("model")
                .attr(
                    "usable",
                    if c.unavailable.is_empty() {
                        "yes"
                    } else {
                        "no"
                    },
                )
                .attr("vendor", def.vendor.unwrap_or("unknown"))
                .text(&c.name),
        );
    }
    cpu.push(m);
    cpu
}

fn devices(r: &Resolved, host: &HostFacts) -> Out {
    let caps = &r.caps;
    let dev = |n: &str| caps.has_device(n);
    let obj = |n: &str| caps.objects.contains(n);
    let transitional = dev("virtio-blk-pci-transitional") || dev("virtio-blk-pci-non-transitional");
    let virtio_models = pick(&[
        ("virtio", true),
        ("virtio-transitional", transitional),
        ("virtio-non-transitional", transitional),
    ]);
    let mut d = Out::new("devices");
    d.push(device(
        "disk",
        true,
        vec![
            enum_el("diskDevice", &["disk", "cdrom", "floppy", "lun"]),
            enum_el(
                "bus",
                &pick(&[
                    ("ide", is_i440fx(&r.machine)),
                    ("fdc", true),
                    ("scsi", true),
                    ("virtio", true),
                    ("usb", dev("usb-storage")),
                    ("sata", dev("ich9-ahci")),
                ]),
            ),
            enum_el("model", &virtio_models),
        ],
    ));
    let display = |t: &str| caps.display_types.iter().any(|x| x == t);
    d.push(device(
        "graphics",
        true,
        vec![enum_el(
            "type",
            &pick(&[
                ("sdl", display("sdl")),
                ("vnc", caps.commands.contains("query-vnc")),
                ("spice", caps.commands.contains("query-spice")),
                ("egl-headless", display("egl-headless")),
                ("dbus", display("dbus")),
            ]),
        )],
    ));
    d.push(device(
        "video",
        true,
        vec![enum_el(
            "modelType",
            &pick(&[
                ("vga", dev("VGA")),
                ("cirrus", dev("cirrus-vga")),
                ("vmvga", dev("vmware-svga")),
                ("qxl", dev("qxl")),
                ("virtio", dev("virtio-gpu-pci") || dev("virtio-gpu-device")),
                ("none", true),
                ("bochs", dev("bochs-display")),
                ("ramfb", dev("ramfb")),
            ]),
        )],
    ));
    let vfio = host.vfio && dev("vfio-pci");
    d.push(device(
        "hostdev",
        true,
        vec![
            enum_el("mode", &["subsystem"]),
            enum_el(
                "startupPolicy",
                &["default", "mandatory", "requisite", "optional"],
            ),
            enum_el("subsysType", &["usb", "pci", "scsi"]),
            enum_el("capsType", &[]),
            enum_el("pciBackend", &pick(&[("default", vfio), ("vfio", vfio)])),
        ],
    ));
    let rng = dev("virtio-rng-pci") || dev("virtio-rng-device");
    d.push(device(
        "rng",
        rng,
        vec![
            enum_el("model", &virtio_models),
            enum_el(
                "backendModel",
                &pick(&[
                    ("random", obj("rng-random")),
                    ("egd", obj("rng-egd")),
                    ("builtin", obj("rng-builtin")),
                ]),
            ),
        ],
    ));
    d.push(device(
        "filesystem",
        true,
        vec![enum_el(
            "driverType",
            &pick(&[
                ("path", true),
                ("handle", true),
                ("virtiofs", dev("vhost-user-fs-device")),
            ]),
        )],
    ));
    let tpm_model = |m: &str| caps.tpm_models.iter().any(|x| x == m);
    let passthrough = caps.tpm_types.iter().any(|x| x == "passthrough");
    d.push(device(
        "tpm",
        passthrough,
        vec![
            enum_el(
                "model",
                &pick(&[
                    ("tpm-tis", tpm_model("tpm-tis")),
                    ("tpm-crb", tpm_model("tpm-crb")),
                    ("tpm-spapr", tpm_model("tpm-spapr")),
                ]),
            ),
            enum_el("backendModel", &["passthrough"]),
        ],
    ));
    d.push(device(
        "redirdev",
        dev("usb-redir"),
        vec![enum_el("bus", &["usb"])],
    ));
    d.push(device(
        "channel",
        true,
        vec![enum_el(
            "type",
            &pick(&[
                ("pty", true),
                ("unix", true),
                ("spicevmc", caps.commands.contains("query-spice")),
            ]),
        )],
    ));
    d
}

fn features(r: &Resolved) -> Out {
    let caps = &r.caps;
    let simple =
        |name: &str, ok: bool| Out::new(name).attr("supported", if ok { "yes" } else { "no" });
    let mut f = Out::new("features");
    f.push(simple("gic", false));
    f.push(simple("vmcoreinfo", caps.has_device("vmcoreinfo")));
    f.push(simple("genid", caps.has_device("vmgenid")));
    f.push(simple(
        "backingStoreInput",
        caps.commands.contains("blockdev-add"),
    ));
    f.push(simple(
        "backup",
        caps.commands.contains("blockdev-backup")
            && caps.commands.contains("block-dirty-bitmap-merge"),
    ));
    f.push(simple("sev", false));
    f.push(simple("sgx", false));
    let hv: Vec<&str> = HYPERV
        .iter()
        .filter(|(_, q)| caps.hyperv.iter().any(|h| h == q))
        .map(|(l, _)| *l)
        .collect();
    if caps.kvm_host_cpu.is_some() && matches!(r.arch.as_str(), "i686" | "x86_64") {
        let mut h = Out::new("hyperv").attr("supported", "yes");
        h.push(enum_el("features", &hv));
        f.push(h);
    }
    f
}

/// The domain capabilities document of a resolved request.
pub fn format(r: &Resolved, host: &HostFacts) -> String {
    let caps = &r.caps;
    let mut root = Out::new("domainCapabilities");
    root.text_child("path", caps.binary.to_string_lossy());
    root.text_child("domain", r.virttype);
    if !r.machine.is_empty() {
        root.text_child("machine", &r.machine);
    }
    root.text_child("arch", &r.arch);
    let mut max = caps.machine(&r.machine).map_or(0, |m| m.max_cpus);
    if r.virttype == "kvm" {
        if let Some(k) = host.kvm_max_vcpus {
            max = max.min(k);
        }
    }
    root.push(Out::new("vcpu").attr("max", max));
    root.push(Out::new("iothreads").attr(
        "supported",
        if caps.objects.contains("iothread") {
            "yes"
        } else {
            "no"
        },
    ));
    root.push(os(r, host));
    root.push(cpu(r, host));
    let mut mem = Out::new("memoryBacking").attr("supported", "yes");
    mem.push(enum_el(
        "sourceType",
        &pick(&[
            ("file", caps.objects.contains("memory-backend-file")),
            ("anonymous", true),
            ("memfd", caps.objects.contains("memory-backend-memfd")),
        ]),
    ));
    root.push(mem);
    root.push(devices(r, host));
    root.push(features(r));
    root.render(0)
}

/// `virConnectGetDomainCapabilities`.
pub fn domain_capabilities(
    lookup: &dyn CapsLookup,
    req: &Request,
    host: &HostFacts,
) -> Result<String> {
    let r = resolve(lookup, req)?;
    Ok(format(&r, host))
}

/// `virConnectGetDomainCapabilities` on this host, for a system (`privileged`) or
/// session daemon (whose firmware descriptors include the user's own).
pub fn for_host(lookup: &dyn CapsLookup, req: &Request, privileged: bool) -> Result<String> {
    let r = resolve(lookup, req)?;
    let host = HostFacts::probe(&HostRoot::default(), privileged);
    Ok(format(&r, &host))
}
