//! The QEMU program's calls (`libvirt-qemu`), sent on the same connection and serial
//! counter as REMOTE calls, as libvirt's client sends them.

use super::Remote;
use crate::convert::{dom, dom_ref};
use rvirt_core::refs::DomainRef;
use rvirt_core::Result;
use rvirt_rpc::protocol::qemu::*;

impl Remote {
    pub(super) fn qemu_monitor_command(
        &self,
        d: &DomainRef,
        cmd: &str,
        flags: u32,
    ) -> Result<String> {
        let r = self.call::<DomainMonitorCommand>(QemuDomainMonitorCommandArgs {
            dom: dom(d),
            cmd: cmd.to_string(),
            flags,
        })?;
        Ok(r.result)
    }

    pub(super) fn qemu_monitor_command_with_files(
        &self,
        d: &DomainRef,
        cmd: &str,
        files: Vec<std::os::fd::OwnedFd>,
        flags: u32,
    ) -> Result<(String, Vec<std::os::fd::OwnedFd>)> {
        use std::os::fd::AsFd;
        let fds: Vec<_> = files.iter().map(|f| f.as_fd()).collect();
        let r = self.call_with_fds::<DomainMonitorCommandWithFiles>(
            QemuDomainMonitorCommandArgs {
                dom: dom(d),
                cmd: cmd.to_string(),
                flags,
            },
            &fds,
        )?;
        Ok((r.result, Vec::new()))
    }

    pub(super) fn qemu_agent_command(
        &self,
        d: &DomainRef,
        cmd: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<Option<String>> {
        let r = self.call::<DomainAgentCommand>(QemuDomainAgentCommandArgs {
            dom: dom(d),
            cmd: cmd.to_string(),
            timeout,
            flags,
        })?;
        Ok(r.result)
    }

    pub(super) fn qemu_attach(&self, pid_value: u32, flags: u32) -> Result<DomainRef> {
        let r = self.call::<DomainAttach>(QemuDomainAttachArgs { pid_value, flags })?;
        Ok(dom_ref(r.dom))
    }
}
