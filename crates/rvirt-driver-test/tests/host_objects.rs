//! Host interfaces, node devices, network updates and pool source discovery of the test
//! driver, with libvirt 9.0's results and errors (the same behaviour the virsh goldens
//! record through rvirsh, checked here at the driver seam).

use rvirt_core::driver::{ConnectDriver, DriverSet, NetworkDriver, SecretDriver};
use rvirt_core::{ConnectUri, ErrorCode, ErrorDomain, InterfaceRef, NodeDeviceRef};
use rvirt_driver_test::TestConnectDriver;

fn open() -> DriverSet {
    let uri = ConnectUri::parse("test:///default").expect("uri");
    TestConnectDriver::default().open(&uri, 0).expect("open")
}

const BRIDGE: &str = "<interface type='bridge' name='br0'><bridge>\
    <interface type='ethernet' name='eth0'><mac address='ab:bb:cc:dd:ee:ff'/></interface>\
    </bridge></interface>";

const VHBA: &str = "<device><parent>scsi_host1</parent><capability type='scsi_host'>\
    <capability type='fc_host'><wwnn>2000000012345678</wwnn><wwpn>1000000012345678</wwpn>\
    </capability></capability></device>";

fn eth1() -> InterfaceRef {
    InterfaceRef {
        name: "eth1".into(),
        mac: "aa:bb:cc:dd:ee:ff".into(),
    }
}

#[test]
fn interface_state_changes_and_transactions() {
    let d = open();
    let i = d.interface.as_ref().expect("interface driver");
    let e = i.interface_create(&eth1(), 0).expect_err("already up");
    assert_eq!(e.code, ErrorCode::OPERATION_INVALID);
    assert_eq!(e.message, "Requested operation is not valid");
    i.interface_destroy(&eth1(), 0).expect("down");
    assert!(!i.interface_is_active(&eth1()).expect("state"));
    i.interface_create(&eth1(), 0).expect("up");

    let e = i.interface_change_commit(0).expect_err("no transaction");
    assert_eq!(
        e.message,
        "Requested operation is not valid: no transaction running, nothing to be committed."
    );
    i.interface_change_begin(0).expect("begin");
    let e = i.interface_change_begin(0).expect_err("second begin");
    assert_eq!(
        e.message,
        "Requested operation is not valid: there is another transaction running."
    );
    i.interface_undefine(&eth1())
        .expect("undefine an active interface");
    assert!(i.connect_list_all_interfaces(0).expect("list").is_empty());
    i.interface_change_rollback(0).expect("rollback");
    // The saved copies come back stopped.
    let all = i.connect_list_all_interfaces(0).expect("list");
    assert_eq!(all.len(), 1);
    assert!(!i.interface_is_active(&eth1()).expect("state"));
}

#[test]
fn interfaces_without_a_mac_match_every_mac_lookup() {
    let d = open();
    let i = d.interface.as_ref().expect("interface driver");
    let br = i.interface_define_xml(BRIDGE, 0).expect("define");
    assert_eq!(br.mac, "");
    assert!(!i.interface_is_active(&br).expect("state"));
    let e = i
        .interface_lookup_by_mac_string("aa:bb:cc:dd:ee:ff")
        .expect_err("two matches");
    assert_eq!(e.code, ErrorCode::MULTIPLE_INTERFACES);
    i.interface_undefine(&br).expect("undefine");
    let r = i
        .interface_lookup_by_mac_string("AA:BB:CC:DD:EE:FF")
        .expect("one match");
    assert_eq!(
        (r.name.as_str(), r.mac.as_str()),
        ("eth1", "AA:BB:CC:DD:EE:FF")
    );
}

#[test]
fn rejected_flags_name_only_the_unknown_bits() {
    let d = open();
    let n = d.node_device.as_ref().expect("nodedev driver");
    let e = n
        .connect_list_all_node_devices((1 << 31) | (1 << 5))
        .expect_err("active filter");
    assert_eq!(
        e.message,
        "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"
    );
    let e = n.node_device_create_xml(VHBA, 3).expect_err("flags");
    assert_eq!(
        e.message,
        "unsupported flags (0x2) in function testNodeDeviceCreateXML"
    );
    let net = d.network.as_ref().expect("network driver");
    let r = net.network_lookup_by_name("default").expect("default");
    let e = net
        .network_update(&r, 3, 4, -1, "<host/>", 0xff)
        .expect_err("flags");
    assert_eq!(
        e.message,
        "unsupported flags (0xfc) in function testNetworkUpdate"
    );
}

#[test]
fn vhba_creation_copies_scsi_host11() {
    let d = open();
    let n = d.node_device.as_ref().expect("nodedev driver");
    let dev = n.node_device_create_xml(VHBA, 0).expect("create");
    assert_eq!(dev.name, "scsi_host12");
    let xml = n.node_device_get_xml_desc(&dev, 0).expect("xml");
    assert!(xml.contains("<parent>scsi_host1</parent>"), "{xml}");
    assert!(xml.contains("<wwnn>2000000012345678</wwnn>"), "{xml}");
    assert!(xml.contains("<host>11</host>"), "{xml}");
    n.node_device_destroy(&dev).expect("destroy");
    assert_eq!(
        n.node_device_lookup_by_name("scsi_host12")
            .expect_err("gone")
            .code,
        ErrorCode::NO_NODE_DEVICE
    );
    // A device that is no FC HBA is left alone, without an error.
    let computer = NodeDeviceRef {
        name: "computer".into(),
    };
    n.node_device_destroy(&computer).expect("no-op");
    n.node_device_lookup_by_name("computer")
        .expect("still there");
    let e = n
        .node_device_create_xml(&VHBA.replace("scsi_host1", "computer"), 0)
        .expect_err("no vports");
    assert_eq!(
        e.message,
        "internal error: Parent device computer is not capable of vport operations"
    );
}

#[test]
fn network_updates_change_live_and_persistent_definitions() {
    let d = open();
    let net = d.network.as_ref().expect("network driver");
    let r = net.network_lookup_by_name("default").expect("default");
    let host = "<host mac='52:54:00:00:00:10' name='vm10' ip='192.168.122.10'/>";
    net.network_update(&r, 3, 4, -1, host, 0).expect("add live");
    let xml = net.network_get_xml_desc(&r, 0).expect("xml");
    assert!(xml.contains(host), "{xml}");
    let e = net.network_update(&r, 3, 4, -1, host, 0).expect_err("dup");
    assert_eq!(e.code, ErrorCode::OPERATION_INVALID);
    assert_eq!(e.domain, ErrorDomain::NETWORK);
    net.network_update(&r, 2, 4, -1, "<host name='vm10'/>", 1)
        .expect("delete");
    let e = net
        .network_update(&r, 3, 1, -1, "<bridge/>", 0)
        .expect_err("section");
    assert_eq!(e.code, ErrorCode::OPERATION_UNSUPPORTED);
    net.network_destroy(&r).expect("stop");
    let e = net
        .network_update(&r, 3, 4, -1, host, 1)
        .expect_err("not running");
    assert_eq!(
        e.message,
        "Requested operation is not valid: network is not running"
    );
    net.network_update(&r, 3, 4, -1, host, 0).expect("config");
    assert!(net.network_get_xml_desc(&r, 0).expect("xml").contains(host));
}

#[test]
fn pool_source_discovery() {
    let d = open();
    let s = d.storage.as_ref().expect("storage driver");
    let logical = s
        .connect_find_storage_pool_sources("logical", None, 0)
        .expect("logical");
    assert!(logical.contains("<name>testvg1</name>"));
    let netfs = s
        .connect_find_storage_pool_sources("netfs", Some("<source><host name='h'/></source>"), 0)
        .expect("netfs");
    assert!(netfs.contains("<host name='h'/>"));
    let e = s
        .connect_find_storage_pool_sources("netfs", None, 0)
        .expect_err("no host");
    assert_eq!(e.code, ErrorCode::INVALID_ARG);
    let e = s
        .connect_find_storage_pool_sources("dir", None, 0)
        .expect_err("dir");
    assert_eq!(e.message, "internal error: unknown storage pool type dir");
    let e = s
        .connect_find_storage_pool_sources("iscsi", None, 0)
        .expect_err("iscsi");
    assert_eq!(e.code, ErrorCode::NO_SUPPORT);
}

/// A driver with no entry points at all: every default answers "not supported" in the
/// error domain of the public API file of its family.
struct Nothing;
impl NetworkDriver for Nothing {}
impl SecretDriver for Nothing {}

#[test]
fn missing_entry_points_report_their_family() {
    let e = NetworkDriver::connect_list_all_networks(&Nothing, 0).expect_err("default");
    assert_eq!(
        (e.code, e.domain),
        (ErrorCode::NO_SUPPORT, ErrorDomain::NETWORK)
    );
    assert_eq!(
        e.message,
        "this function is not supported by the connection driver: virConnectListAllNetworks"
    );
    let e = SecretDriver::connect_list_all_secrets(&Nothing, 0).expect_err("default");
    assert_eq!(e.domain, ErrorDomain::SECRET);
}
