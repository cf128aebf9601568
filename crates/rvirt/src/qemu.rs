//! The QEMU-specific calls of `libvirt-qemu.so`: raw monitor commands. That file reports
//! its errors without an error domain (`VIR_FROM_NONE`), so the read-only refusal here
//! does too.

use crate::{Connect, Domain};
use rvirt_core::{Error, ErrorDomain, Result};
use std::os::fd::OwnedFd;

/// `virDomainQemuMonitorCommandFlags`.
pub mod monitor_command {
    /// The command is HMP text rather than QMP JSON.
    pub const HMP: u32 = 1;
}

impl Domain {
    /// `virDomainQemuMonitorCommand`: QEMU's answer to a QMP command (or an HMP one with
    /// [`monitor_command::HMP`]). Refused on read-only connections.
    pub fn qemu_monitor_command(&self, cmd: &str, flags: u32) -> Result<String> {
        self.connect()
            .writable("virDomainQemuMonitorCommand", ErrorDomain::NONE)?;
        self.connect()
            .hv()
            .domain_qemu_monitor_command(self.reference(), cmd, flags)
    }

    /// `virDomainQemuMonitorCommandWithFiles`: the same, passing `files` to QEMU with the
    /// command; returns the answer and any descriptors QEMU handed back.
    pub fn qemu_monitor_command_with_files(
        &self,
        cmd: &str,
        files: Vec<OwnedFd>,
        flags: u32,
    ) -> Result<(String, Vec<OwnedFd>)> {
        self.connect()
            .writable("virDomainQemuMonitorCommandWithFiles", ErrorDomain::NONE)?;
        self.connect().hv().domain_qemu_monitor_command_with_files(
            self.reference(),
            cmd,
            files,
            flags,
        )
    }
}

impl Domain {
    /// `virDomainQemuAgentCommand`: the guest agent's answer to a raw command, waiting up
    /// to `timeout` seconds (or one of libvirt's special values). Refused on read-only
    /// connections.
    pub fn qemu_agent_command(
        &self,
        cmd: &str,
        timeout: i32,
        flags: u32,
    ) -> Result<Option<String>> {
        self.connect()
            .writable("virDomainQemuAgentCommand", ErrorDomain::NONE)?;
        self.connect()
            .hv()
            .domain_qemu_agent_command(self.reference(), cmd, timeout, flags)
    }
}

impl Connect {
    /// `virDomainQemuAttach`: adopts the QEMU process `pid`. The pid is checked before the
    /// read-only refusal, as libvirt checks it.
    pub fn qemu_attach(&self, pid: u32, flags: u32) -> Result<Domain> {
        const F: &str = "virDomainQemuAttach";
        if pid == 0 {
            return Err(Error::invalid_arg(
                ErrorDomain::NONE,
                format!("pid_value in {F} must not be zero"),
            ));
        }
        self.writable(F, ErrorDomain::NONE)?;
        let r = self.hv().connect_qemu_attach(pid, flags)?;
        Ok(Domain::from_ref(self.clone(), r))
    }
}
