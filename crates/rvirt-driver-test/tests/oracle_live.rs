//! Live comparison with real libvirt: one `virsh -c test:///default` process defines every
//! accepted corpus input and dumps it back; rvirt's test driver must print the same bytes
//! (a randomly generated UUID excepted). Unlike the recorded `.out.xml` files, this runs
//! whatever libvirt is installed, so a drift between the recording and the real thing shows.

use rvirt_core::driver::ConnectDriver;
use rvirt_core::types::flags;
use rvirt_core::ConnectUri;
use rvirt_driver_test::TestConnectDriver;
use std::path::PathBuf;
use std::process::Command;

fn mask_uuid_lines(s: &str, generated: &[&str]) -> String {
    s.lines()
        .map(|l| {
            if generated.iter().any(|g| l.contains(g)) {
                "<generated>".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn define_and_dumpxml_match_real_virsh() {
    if Command::new("virsh").arg("--version").output().is_err() {
        eprintln!("SKIP: real virsh is not installed (scripts/test.sh installs libvirt-clients)");
        return;
    }
    let corpus =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/test-driver/xml2xml");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml") && !n.contains(".out.") && !n.contains(".live."))
        .map(|n| n.trim_end_matches(".xml").to_string())
        .collect();
    names.sort();
    let script: String = names
        .iter()
        .map(|n| format!("define {n}.xml; dumpxml --inactive {n}; "))
        .collect();
    let out = Command::new("virsh")
        .env("LC_ALL", "C")
        .args(["-q", "-c", "test:///default", &script])
        .current_dir(&corpus)
        .output()
        .expect("virsh runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let real: Vec<String> = text
        .split_inclusive("</domain>\n")
        .map(|d| d.trim_start_matches('\n').to_string())
        .filter(|d| d.contains("<domain"))
        .collect();
    assert_eq!(
        real.len(),
        names.len(),
        "virsh printed {} documents for {} inputs",
        real.len(),
        names.len()
    );
    let uri = ConnectUri::parse("test:///default").expect("uri");
    let d = TestConnectDriver::default().open(&uri, 0).expect("open");
    let mut failures = Vec::new();
    for (name, want) in names.iter().zip(&real) {
        let xml = std::fs::read_to_string(corpus.join(format!("{name}.xml"))).expect("read");
        let dom = d.hypervisor.domain_define_xml(&xml, 0).expect("define");
        let got = d
            .hypervisor
            .domain_get_xml_desc(&dom, flags::domain_xml::INACTIVE)
            .expect("xml");
        // UUIDs libvirt generates itself (genid, openvswitch interfaceid) differ by nature.
        let generated = ["<genid>", "interfaceid="];
        if mask_uuid_lines(want, &generated) != mask_uuid_lines(&got, &generated) {
            failures.push(name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "rvirt differs from real virsh for: {failures:?}"
    );
}
