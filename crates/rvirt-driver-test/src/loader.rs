//! Loading a `<node>` document: the built-in default configuration and custom files given as
//! `test:///ABSOLUTE/PATH.xml`.

use crate::defaults::TestDefaults;
use crate::state::{default_node_info, DomainObj, DriverState};
use rvirt_core::types::{reason, DomainState};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::{DomainDef, ParseCtx};
use rvirt_xml::tree::{parse_document, Element, Node};
use std::path::{Path, PathBuf};

/// The namespace of the test driver's per-domain extras.
pub const TEST_NS: &str = "http://libvirt.org/schemas/domain/test/1.0";

/// The configuration `test:///default` starts from (libvirt's built-in default objects).
const DEFAULT_NODE: &str = r#"<node>
<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
    </memballoon>
  </devices>
</domain>
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
<interface type="ethernet" name="eth1">
  <start mode="onboot"/>
  <mac address="aa:bb:cc:dd:ee:ff"/>
  <mtu size="1492"/>
  <protocol family="ipv4">
    <ip address="192.168.0.5" prefix="24"/>
    <route gateway="192.168.0.1"/>
  </protocol>
</interface>
<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <vendor>Libvirt</vendor>
      <version>Test driver</version>
      <serial>123456</serial>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </hardware>
    <firmware>
      <vendor>Libvirt</vendor>
      <version>Test Driver</version>
      <release_date>01/22/2007</release_date>
    </firmware>
  </capability>
</device>
<device>
  <name>scsi_host1</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>1</host>
    <unique_id>0</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>1</vports>
    </capability>
  </capability>
</device>
<device>
  <name>scsi_host2</name>
  <parent>computer</parent>
  <capability type='scsi_host'>
    <host>2</host>
    <unique_id>1</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000056785678</wwnn>
      <wwpn>1000000056785678</wwpn>
      <fabric_wwn>2000000087658765</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
<device>
  <name>scsi_host11</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000034563456</wwnn>
      <wwpn>1000000034563456</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>
</node>"#;

/// The state of a fresh `test:///default` connection.
pub fn load_default() -> Result<DriverState> {
    let root = parse_document(DEFAULT_NODE, "default").map_err(Error::from)?;
    let mut st = load_node(&root, None)?;
    st.cells = 2;
    Ok(st)
}

/// The state described by the `<node>` file at `path`.
pub fn load_file(path: &str) -> Result<DriverState> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::XML_ERROR,
            Some(format!("failed to parse xml document '{path}'")),
        )
    })?;
    let root = parse_document(&text, path).map_err(Error::from)?;
    if root.name != "node" {
        return Err(Error::new(
            ErrorDomain::DOMAIN,
            ErrorCode::XML_ERROR,
            Some(format!(
                "expecting root element of 'node', not '{}'",
                root.name
            )),
        ));
    }
    let dir = Path::new(path).parent().map(Path::to_path_buf);
    load_node(&root, dir.as_deref())
}

fn xml_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorDomain::TEST, ErrorCode::XML_ERROR, Some(msg.into()))
}

/// Follows `file='...'` references: the named file's root replaces the element.
fn resolve(el: &Element, dir: Option<&Path>) -> Result<Element> {
    let Some(file) = el.attr("file") else {
        return Ok(el.clone());
    };
    let p: PathBuf = match dir {
        Some(d) if !file.starts_with('/') => d.join(file),
        _ => PathBuf::from(file),
    };
    let text = std::fs::read_to_string(&p)
        .map_err(|_| xml_err(format!("failed to parse xml document '{}'", p.display())))?;
    let root = parse_document(&text, &p.display().to_string()).map_err(Error::from)?;
    if root.name != el.name {
        return Err(xml_err(format!(
            "expecting root element of '{}', not '{}'",
            el.name, root.name
        )));
    }
    Ok(root)
}

fn node_u32(root: &Element, path: &[&str], what: &str) -> Result<Option<u32>> {
    let mut cur = root;
    for p in path {
        match cur.child(p) {
            Some(c) => cur = c,
            None => return Ok(None),
        }
    }
    cur.text()
        .trim()
        .parse()
        .map(Some)
        .map_err(|_| xml_err(format!("invalid node {what} value")))
}

/// Extras from the test namespace inside a `<domain>`.
struct TestExtras {
    runstate: DomainState,
    transient: bool,
    has_managed_save: bool,
}

fn test_extras(dom: &Element) -> Result<TestExtras> {
    let mut x = TestExtras {
        runstate: DomainState::Running,
        transient: false,
        has_managed_save: false,
    };
    for c in dom.elements().filter(|c| c.ns.as_deref() == Some(TEST_NS)) {
        match c.local_name() {
            "runstate" => {
                let t = c.text();
                let n: i32 = t.trim().parse().map_err(|_| xml_err("invalid runstate"))?;
                x.runstate = DomainState::from_i32(n)
                    .ok_or_else(|| xml_err(format!("runstate '{n}' out of range'")))?;
            }
            "transient" => x.transient = true,
            "hasmanagedsave" => x.has_managed_save = true,
            _ => {}
        }
    }
    if x.transient && x.runstate == DomainState::Shutoff {
        return Err(xml_err("transient domain cannot have runstate 'shutoff'"));
    }
    if x.has_managed_save && x.runstate != DomainState::Shutoff {
        return Err(xml_err(
            "domain with managedsave data can only have runstate 'shutoff'",
        ));
    }
    Ok(x)
}

fn load_node(root: &Element, dir: Option<&Path>) -> Result<DriverState> {
    let mut st = DriverState {
        next_id: 1,
        node: default_node_info(),
        ..Default::default()
    };
    let nodes = node_u32(root, &["cpu", "nodes"], "cpu nodes")?;
    let sockets = node_u32(root, &["cpu", "sockets"], "cpu sockets")?;
    let cores = node_u32(root, &["cpu", "cores"], "cpu cores")?;
    let threads = node_u32(root, &["cpu", "threads"], "cpu threads")?;
    let active = node_u32(root, &["cpu", "active"], "cpu active")?;
    let mhz = node_u32(root, &["cpu", "mhz"], "cpu mhz")?;
    if let Some(v) = nodes {
        st.node.nodes = v;
    }
    if let Some(v) = sockets {
        st.node.sockets = v;
    }
    if let Some(v) = cores {
        st.node.cores = v;
    }
    if let Some(v) = threads {
        st.node.threads = v;
    }
    st.node.cpus = st.node.cores * st.node.threads * st.node.sockets * st.node.nodes;
    if let Some(a) = active {
        if a < st.node.cpus {
            st.node.cpus = a;
        }
    }
    if let Some(m) = mhz {
        st.node.mhz = m;
    }
    if let Some(model) = root.child("cpu").and_then(|c| c.child_text("model")) {
        if model.len() >= 32 {
            return Err(xml_err(format!("Model {model} too big for destination")));
        }
        st.node.model = model;
    }
    if let Some(mem) = root.child("memory") {
        st.node.memory = mem
            .text()
            .trim()
            .parse()
            .map_err(|_| xml_err("invalid node memory value"))?;
    }
    for d in root.children_named("domain") {
        let d = resolve(d, dir)?;
        let extras = test_extras(&d)?;
        let mut def = DomainDef::from_element(
            &strip_test_ns(&d),
            &ParseCtx { inactive: true },
            &TestDefaults,
        )?;
        if def.id.is_some() {
            def.id = None;
        }
        let mut obj = DomainObj {
            def,
            new_def: None,
            state: DomainState::Shutoff,
            reason: reason::shutoff::UNKNOWN,
            id: -1,
            persistent: !extras.transient,
            autostart: false,
            has_managed_save: extras.has_managed_save,
            snapshots: Vec::new(),
            current_snapshot: None,
        };
        if extras.runstate != DomainState::Shutoff {
            obj.id = st.next_id;
            st.next_id += 1;
            obj.new_def = if obj.persistent {
                Some(obj.def.clone())
            } else {
                None
            };
            obj.def.id = Some(obj.id);
        }
        obj.state = extras.runstate;
        obj.reason = 0;
        if st.domains.find_name(&obj.def.name).is_some()
            || st.domains.find_uuid(&obj.def.uuid).is_some()
        {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::OPERATION_FAILED,
                Some(format!("domain '{}' already exists", obj.def.name)),
            ));
        }
        st.domains.push(obj);
    }
    for n in root.children_named("network") {
        let n = resolve(n, dir)?;
        let def = rvirt_xml::network::NetworkDef::from_element(&n)?;
        st.networks.push(crate::state::NetworkObj {
            def,
            new_def: None,
            active: true,
            persistent: true,
            autostart: false,
        });
    }
    for i in root.children_named("interface") {
        let i = resolve(i, dir)?;
        let def = rvirt_xml::host_interface::InterfaceDef::from_element(&i)?;
        st.interfaces
            .push(crate::state::IfaceObj { def, active: true });
    }
    for p in root.children_named("pool") {
        let p = resolve(p, dir)?;
        let mut def = rvirt_xml::storage::PoolDef::from_element(&p)?;
        crate::storage::fake_sizes(&mut def);
        let mut pool = crate::state::PoolObj {
            def,
            active: true,
            persistent: true,
            autostart: false,
            volumes: Vec::new(),
        };
        for v in p.children_named("volume") {
            let v = resolve(v, dir)?;
            let mut vdef = rvirt_xml::storage::VolDef::from_element(
                &v,
                pool.def.pool_type,
                rvirt_xml::storage::VolParseFlags::default(),
            )?;
            crate::storage::place_volume(&pool.def, &mut vdef, true);
            pool.def.allocation += vdef.allocation;
            pool.def.available = pool.def.capacity.saturating_sub(pool.def.allocation);
            pool.volumes.push(crate::state::VolObj { def: vdef });
        }
        st.pools.push(pool);
    }
    for d in root.children_named("device") {
        let d = resolve(d, dir)?;
        st.node_devices
            .push(rvirt_xml::nodedev::NodeDeviceDef::from_element(
                &d,
                rvirt_xml::nodedev::ParseMode::Existing,
            )?);
    }
    Ok(st)
}

/// The domain element without the test driver's own children, which the generic parser
/// does not know.
fn strip_test_ns(d: &Element) -> Element {
    let mut e = d.clone();
    e.children.retain(|n| match n {
        Node::Element(c) => c.ns.as_deref() != Some(TEST_NS),
        _ => true,
    });
    e
}
