//! The QEMU program's procedures (`libvirt-qemu`): monitor and agent commands and attach
//! go through the public API like REMOTE calls. None of them runs inline: a monitor
//! command waits on QEMU.

use super::convert::{dom_in, dom_out};
use super::Table;
use crate::client::ClientCtx;
use rvirt_rpc::protocol::qemu::*;
use std::sync::Arc;

pub fn register(t: &mut Table) {
    t.add::<DomainMonitorCommand>(|c, a| {
        let result = dom_in(c, &a.dom)?.qemu_monitor_command(&a.cmd, a.flags)?;
        Ok(QemuDomainMonitorCommandRet { result })
    });
    // A call of this procedure that arrives without descriptors (a plain CALL) is still
    // this function with none, as in libvirtd. Descriptors QEMU would hand back are not
    // sent on (libvirt 9.0's QEMU driver returns none either).
    t.add::<DomainMonitorCommandWithFiles>(|c, a| {
        let passed = crate::client::fds::CallFds::take();
        let (result, _) =
            dom_in(c, &a.dom)?.qemu_monitor_command_with_files(&a.cmd, passed, a.flags)?;
        Ok(QemuDomainMonitorCommandRet { result })
    });
    t.add::<DomainAgentCommand>(|c, a| {
        let result = dom_in(c, &a.dom)?.qemu_agent_command(&a.cmd, a.timeout, a.flags)?;
        Ok(QemuDomainAgentCommandRet { result })
    });
    t.add::<DomainAttach>(|c, a| {
        let d = c.conn()?.qemu_attach(a.pid_value, a.flags)?;
        Ok(QemuDomainAttachRet { dom: dom_out(&d) })
    });
    t.add::<ConnectDomainMonitorEventRegister>(|c, _| monitor_event_register(c));
    t.add::<ConnectDomainMonitorEventDeregister>(|_, a| {
        Err(rvirt::Error::internal(
            rvirt::ErrorDomain::RPC,
            format!(
                "qemu monitor event callback {} not registered",
                a.callback_id
            ),
        ))
    });
}

/// No rvirt driver raises QEMU monitor events yet, so registering gets what libvirt's
/// public API answers for a driver without them: the read-only refusal, else "not
/// supported"; and since nothing is ever registered, deregistering names the id unknown,
/// as libvirtd's own bookkeeping does.
fn monitor_event_register(
    c: &Arc<ClientCtx>,
) -> rvirt::Result<QemuConnectDomainMonitorEventRegisterRet> {
    const F: &str = "virConnectDomainQemuMonitorEventRegister";
    let conn = c.conn()?;
    if conn.is_read_only() {
        return Err(rvirt::Error::read_only(F));
    }
    Err(rvirt::Error::no_support_in(rvirt::ErrorDomain::NONE, F))
}
