//! What rvirt prints for every corpus domain validates against libvirt's own RelaxNG schema
//! (`/usr/share/libvirt/schemas/domain.rng`, installed with libvirt-clients), checked with
//! xmllint, the validator `virt-xml-validate` runs. Three cases are excepted because real
//! libvirt's own output for them does not validate either (noted in the corpus NOTES.md).

use rvirt_core::driver::ConnectDriver;
use rvirt_core::types::flags;
use rvirt_core::ConnectUri;
use rvirt_driver_test::TestConnectDriver;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCHEMA: &str = "/usr/share/libvirt/schemas/domain.rng";
/// libvirt 9.0's own output fails its schema for these (ssh disks, smartcard alias, vcpu
/// count above the schema's limit).
const LIBVIRT_INVALID: &[&str] = &["101-", "246-", "247-"];

#[test]
fn test_driver_output_validates_against_libvirt_schema() {
    if !Path::new(SCHEMA).exists() || Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "SKIP: libvirt's schemas or xmllint are not installed (scripts/test.sh installs them)"
        );
        return;
    }
    let corpus =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/test-driver/xml2xml");
    let out_dir = std::env::temp_dir().join(format!("rvirt-schema-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let mut files = Vec::new();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".xml") && !n.contains(".out.") && !n.contains(".live.")
        })
        .collect();
    inputs.sort();
    let uri = ConnectUri::parse("test:///default").expect("uri");
    for input in inputs {
        let name = input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if LIBVIRT_INVALID.iter().any(|x| name.starts_with(x)) {
            continue;
        }
        let d = TestConnectDriver::default().open(&uri, 0).expect("open");
        let xml = std::fs::read_to_string(&input).expect("read");
        let dom = d.hypervisor.domain_define_xml(&xml, 0).expect("define");
        for (suffix, fl) in [("inactive", flags::domain_xml::INACTIVE), ("live", 0)] {
            let r = if suffix == "live" {
                d.hypervisor.domain_create(&dom, 0).expect("start")
            } else {
                dom.clone()
            };
            let text = d.hypervisor.domain_get_xml_desc(&r, fl).expect("xml");
            let path = out_dir.join(format!("{name}.{suffix}.xml"));
            std::fs::write(&path, text).expect("write");
            files.push(path);
        }
    }
    let out = Command::new("xmllint")
        .args(["--noout", "--relaxng", SCHEMA])
        .args(&files)
        .output()
        .expect("xmllint runs");
    let report = String::from_utf8_lossy(&out.stderr);
    let failed: Vec<&str> = report
        .lines()
        .filter(|l| l.ends_with("fails to validate"))
        .collect();
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(files.len() > 400, "too few documents checked");
    assert!(
        failed.is_empty(),
        "{} documents fail the schema:\n{report}",
        failed.len()
    );
}
