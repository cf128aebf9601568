//! The test driver's host capabilities and sysinfo documents.

use rvirt_xml::bitmap::Bitmap;
use rvirt_xml::capabilities::{
    Capabilities, Cell, CellCpu, CellPages, GuestCaps, GuestDomain, GuestFeature, GuestFeatureCap,
    HostCaps, SecModel,
};
use rvirt_xml::writer::Out;

/// `virConnectGetCapabilities` for the test driver. `cells` is 2 for the default
/// configuration (with a NUMA topology) and 0 for custom files.
pub fn capabilities(cells: u32) -> String {
    let numa = (0..cells).map(|i| {
        let memory_kib = u64::from(i + 1) * 2048 * 1024;
        let first_page: u32 = if i == 0 { 4 } else { 8 };
        Cell {
            id: i,
            memory_kib,
            pages: vec![
                CellPages {
                    size_kib: first_page,
                    avail: memory_kib / u64::from(first_page),
                },
                CellPages {
                    size_kib: 2048,
                    avail: 0,
                },
                CellPages {
                    size_kib: 1_048_576,
                    avail: 0,
                },
            ],
            distances: Vec::new(),
            caches: Vec::new(),
            cpus: (0..8)
                .map(|c| {
                    let id = i * 8 + c;
                    let mut siblings = Bitmap::new();
                    siblings.insert(id);
                    CellCpu {
                        id,
                        socket_id: i,
                        die_id: 0,
                        core_id: c,
                        siblings: Some(siblings),
                    }
                })
                .collect(),
        }
    });
    let pae = || {
        [GuestFeature::Pae, GuestFeature::Nonpae]
            .into_iter()
            .map(|feature| GuestFeatureCap {
                feature,
                default_on: None,
                toggle: None,
            })
            .collect::<Vec<_>>()
    };
    let guest = |os: &str| GuestCaps {
        os_type: os.to_string(),
        arch: "i686".to_string(),
        wordsize: 32,
        emulator: Some("/usr/bin/test-hv".to_string()),
        loader: None,
        machines: Vec::new(),
        domains: vec![GuestDomain {
            virt_type: "test".to_string(),
            emulator: None,
            loader: None,
            machines: Vec::new(),
        }],
        features: pae(),
    };
    Capabilities {
        host: HostCaps {
            arch: Some("i686".to_string()),
            cpu_features: vec!["pae".to_string(), "nonpae".to_string()],
            page_sizes: vec![4, 8, 2048, 1_048_576],
            cells: if cells > 0 {
                Some(numa.collect())
            } else {
                None
            },
            secmodels: vec![SecModel {
                model: "testSecurity".to_string(),
                doi: String::new(),
                base_labels: Vec::new(),
            }],
            ..Default::default()
        },
        guests: vec![guest("hvm"), guest("xen")],
        pool_types: Vec::new(),
    }
    .format()
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
