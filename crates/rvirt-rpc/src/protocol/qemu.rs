//! The QEMU program (`0x20008087`, the `libvirt-qemu` API): monitor and agent commands,
//! attaching to a QEMU started elsewhere, and monitor events. Its calls share the REMOTE
//! program's connection and serial counter. Field order is that of libvirt's
//! `qemu_protocol.x`.

#![allow(missing_docs)]

use super::types::Dom;
use crate::xdr_struct;

xdr_struct! {
    pub struct QemuDomainMonitorCommandArgs {
        pub dom: Dom,
        pub cmd: String,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct QemuDomainMonitorCommandRet {
        pub result: String,
    }
}

xdr_struct! {
    pub struct QemuDomainAttachArgs {
        pub pid_value: u32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct QemuDomainAttachRet {
        pub dom: Dom,
    }
}

xdr_struct! {
    pub struct QemuDomainAgentCommandArgs {
        pub dom: Dom,
        pub cmd: String,
        pub timeout: i32,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct QemuDomainAgentCommandRet {
        pub result: Option<String>,
    }
}

xdr_struct! {
    pub struct QemuConnectDomainMonitorEventRegisterArgs {
        pub dom: Option<Dom>,
        pub event: Option<String>,
        pub flags: u32,
    }
}

xdr_struct! {
    pub struct QemuConnectDomainMonitorEventRegisterRet {
        pub callback_id: i32,
    }
}

xdr_struct! {
    pub struct QemuConnectDomainMonitorEventDeregisterArgs {
        pub callback_id: i32,
    }
}

super::procedures! {
    crate::packet::program::QEMU;
    DomainMonitorCommand = 1, QemuDomainMonitorCommandArgs => QemuDomainMonitorCommandRet, low;
    DomainAttach = 2, QemuDomainAttachArgs => QemuDomainAttachRet, low;
    DomainAgentCommand = 3, QemuDomainAgentCommandArgs => QemuDomainAgentCommandRet, low;
    ConnectDomainMonitorEventRegister = 4, QemuConnectDomainMonitorEventRegisterArgs => QemuConnectDomainMonitorEventRegisterRet, high;
    ConnectDomainMonitorEventDeregister = 5, QemuConnectDomainMonitorEventDeregisterArgs => (), high;
    DomainMonitorCommandWithFiles = 7, QemuDomainMonitorCommandArgs => QemuDomainMonitorCommandRet, low;
}

/// The public function behind each procedure, for "not supported" and "read only" answers
/// (procedure 6 is the monitor event message, which only the daemon sends).
pub fn public_function(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "virDomainQemuMonitorCommand",
        2 => "virDomainQemuAttach",
        3 => "virDomainQemuAgentCommand",
        4 => "virConnectDomainQemuMonitorEventRegister",
        5 => "virConnectDomainQemuMonitorEventDeregister",
        7 => "virDomainQemuMonitorCommandWithFiles",
        _ => return None,
    })
}
