//! `test:///default` holds the same objects as libvirt's built-in default configuration:
//! each one's XML equals what real virsh 9.0 printed for it (tests/data/test-driver/defaults,
//! recorded by scripts/regen-other-xml-corpus.sh).

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::ConnectUri;
use rvirt_driver_test::TestConnectDriver;
use std::path::PathBuf;

fn golden(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/test-driver/defaults")
        .join(name);
    std::fs::read_to_string(p).expect("golden file")
}

fn open() -> DriverSet {
    let uri = ConnectUri::parse("test:///default").expect("uri");
    TestConnectDriver::default().open(&uri, 0).expect("open")
}

#[test]
fn capabilities_and_sysinfo_match_libvirt() {
    let d = open();
    assert_eq!(
        d.hypervisor.connect_get_capabilities().expect("caps"),
        golden("capabilities.xml")
    );
    assert_eq!(
        d.hypervisor.connect_get_sysinfo(0).expect("sysinfo"),
        golden("sysinfo.xml")
    );
}

#[test]
fn default_network_pool_interface_match_libvirt() {
    let d = open();
    let net = d.network.as_ref().expect("network driver");
    let n = net.network_lookup_by_name("default").expect("net");
    assert_eq!(
        net.network_get_xml_desc(&n, 0).expect("xml"),
        golden("net-default.xml")
    );
    let st = d.storage.as_ref().expect("storage driver");
    let p = st
        .storage_pool_lookup_by_name("default-pool")
        .expect("pool");
    assert_eq!(
        st.storage_pool_get_xml_desc(&p, 0).expect("xml"),
        golden("pool-default-pool.xml")
    );
    let ifd = d.interface.as_ref().expect("interface driver");
    let i = ifd.interface_lookup_by_name("eth1").expect("iface");
    assert_eq!(
        ifd.interface_get_xml_desc(&i, 0).expect("xml"),
        golden("iface-eth1.xml")
    );
}

#[test]
fn default_node_devices_match_libvirt() {
    let d = open();
    let nd = d.node_device.as_ref().expect("nodedev driver");
    for name in ["computer", "scsi_host1", "scsi_host2", "scsi_host11"] {
        let r = nd.node_device_lookup_by_name(name).expect("device");
        assert_eq!(
            nd.node_device_get_xml_desc(&r, 0).expect("xml"),
            golden(&format!("nodedev-{name}.xml")),
            "{name}"
        );
    }
}
