//! Interfaces: a `-netdev` (the host side: a tap descriptor, user networking, a socket...)
//! named `host` + alias, then the guest NIC `-device` that uses it.

use super::boot::boot_indexes;
use super::json::Props;
use super::virtio::{self, Flavour};
use super::{address, alias, unsupported, Cmd, FdNeed};
use rvirt_core::Result;
use rvirt_xml::domain::devices::interface_parts::{
    NetModel, NetModelKind, NetSource, SocketSource, TeamingType, TxMode, VhostUserMode,
};
use rvirt_xml::domain::devices::Interface;
use rvirt_xml::domain::info::DeviceInfo;
use std::net::IpAddr;

/// `rombar` and `romfile` of a PCI device's option ROM settings.
pub fn rom_props(p: &mut Props, info: &DeviceInfo) {
    let Some(rom) = &info.rom else {
        return;
    };
    if rom.enabled == Some(false) {
        p.str("romfile", "");
        return;
    }
    p.opt_num("rombar", rom.bar.map(u8::from))
        .opt_str("romfile", rom.file.as_deref());
}

fn socket_addr(s: &SocketSource) -> String {
    format!("{}:{}", s.address.as_deref().unwrap_or(""), s.port)
}

/// The host side of interface number `i`.
fn netdev(c: &mut Cmd, i: usize, net: &Interface, id: &str) -> Result<Props> {
    let mut p = Props::new();
    let mut tap = false;
    match &net.source {
        NetSource::Bridge { .. }
        | NetSource::Network { .. }
        | NetSource::Direct { .. }
        | NetSource::Ethernet => {
            if net.script.is_some() && !matches!(net.source, NetSource::Ethernet) {
                return Err(unsupported(format!(
                    "scripts are not supported on interfaces of type {}",
                    net.source.type_name()
                )));
            }
            if net.driver.queues.is_some_and(|q| q > 1) {
                return Err(unsupported(
                    "multiqueue interfaces are not supported by rvirt's QEMU driver yet",
                ));
            }
            let fd = c.fd(FdNeed::Tap { net: i })?;
            p.str("type", "tap").str("fd", &fd.to_string());
            tap = true;
        }
        NetSource::User | NetSource::Internal { .. } => {
            p.str("type", "user");
            if matches!(net.source, NetSource::User) {
                for ip in &net.guest_ip.ips {
                    match ip.address {
                        IpAddr::V4(a) => {
                            let v = if ip.prefix > 0 {
                                format!("{a}/{}", ip.prefix)
                            } else {
                                a.to_string()
                            };
                            p.str("net", &v);
                        }
                        IpAddr::V6(a) => {
                            p.str("ipv6-prefix", &a.to_string());
                            if ip.prefix > 0 {
                                p.num("ipv6-prefixlen", ip.prefix);
                            }
                        }
                    }
                }
            }
        }
        NetSource::Client(s) => {
            p.str("type", "socket").str("connect", &socket_addr(s));
        }
        NetSource::Server(s) => {
            p.str("type", "socket").str("listen", &socket_addr(s));
        }
        NetSource::Mcast(s) => {
            p.str("type", "socket").str("mcast", &socket_addr(s));
        }
        NetSource::Udp(s) => {
            let (la, lp) = s.local.clone().unwrap_or_default();
            p.str("type", "socket")
                .str("udp", &socket_addr(s))
                .str("localaddr", &format!("{la}:{lp}"));
        }
        NetSource::VhostUser { path, mode, .. } => {
            let mut chardev = format!(
                "socket,id=char{id},path={}",
                super::json::escape_comma(path)
            );
            if *mode == VhostUserMode::Server {
                chardev.push_str(",server=on");
            }
            c.pair("-chardev", chardev);
            p.str("type", "vhost-user")
                .str("chardev", &format!("char{id}"));
            if let Some(q) = net.driver.queues.filter(|q| *q > 1) {
                p.num("queues", q);
            }
        }
        other => {
            return Err(unsupported(format!(
                "interfaces of type '{}' are not supported by rvirt's QEMU driver yet",
                other.type_name()
            )))
        }
    }
    if tap {
        p.opt_num("sndbuf", net.sndbuf);
    }
    p.str("id", &format!("host{id}"));
    Ok(p)
}

/// The guest NIC of an interface.
fn nic(c: &Cmd, net: &Interface, id: &str, bootindex: u32) -> Result<Props> {
    let model = net.model.as_ref();
    let mut p = if model.is_some_and(NetModel::is_virtio) {
        let flavour = match model {
            Some(NetModel::Known(NetModelKind::VirtioTransitional)) => Flavour::Transitional,
            Some(NetModel::Known(NetModelKind::VirtioNonTransitional)) => Flavour::NonTransitional,
            _ => Flavour::Plain,
        };
        let d = &net.driver;
        let mut p = virtio::props("virtio-net", &net.info, flavour, &net.virtio, true)?;
        let tx = d.txmode.map(|t| match t {
            TxMode::Iothread => "bh",
            TxMode::Timer => "timer",
        });
        p.opt_str("tx", tx)
            .opt_bool("ioeventfd", d.ioeventfd)
            .opt_bool("event_idx", d.event_idx)
            .opt_bool("csum", d.host.csum)
            .opt_bool("gso", d.host.gso)
            .opt_bool("host_tso4", d.host.tso4)
            .opt_bool("host_tso6", d.host.tso6)
            .opt_bool("host_ecn", d.host.ecn)
            .opt_bool("host_ufo", d.host.ufo)
            .opt_bool("mrg_rxbuf", d.host.mrg_rxbuf)
            .opt_bool("guest_csum", d.guest.csum)
            .opt_bool("guest_tso4", d.guest.tso4)
            .opt_bool("guest_tso6", d.guest.tso6)
            .opt_bool("guest_ecn", d.guest.ecn)
            .opt_bool("guest_ufo", d.guest.ufo)
            .opt_num("rx_queue_size", d.rx_queue_size)
            .opt_num("tx_queue_size", d.tx_queue_size)
            .opt_num("host_mtu", net.mtu.filter(|m| *m != 0))
            .opt_bool(
                "failover",
                net.teaming
                    .as_ref()
                    .filter(|t| t.kind == TeamingType::Persistent)
                    .map(|_| true),
            );
        p
    } else {
        let name = model
            .map(NetModel::name)
            .ok_or_else(|| unsupported("interfaces without a model are not supported"))?;
        let mut p = Props::new();
        p.str("driver", name);
        p
    };
    p.str("netdev", &format!("host{id}"))
        .str("id", id)
        .str("mac", &net.mac.to_string())
        .nonzero("bootindex", bootindex);
    address::add(&mut p, c.def, &net.info, None)?;
    rom_props(&mut p, &net.info);
    Ok(p)
}

/// Every interface but host-device ones (which are host devices).
pub fn interfaces(c: &mut Cmd) -> Result<()> {
    let boot = boot_indexes(c.def).nets;
    for (i, net) in c.def.devices.interfaces.iter().enumerate() {
        if matches!(net.source, NetSource::Hostdev(_)) {
            continue;
        }
        let id = alias(&net.info, "interface")?;
        let n = netdev(c, i, net, id)?;
        c.pair("-netdev", n.text());
        let d = nic(c, net, id, boot.get(i).copied().unwrap_or(0))?;
        c.device(&d);
    }
    Ok(())
}
