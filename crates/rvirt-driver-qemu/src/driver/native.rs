//! `virConnectDomainXMLToNative` for QEMU: the command line a start of the XML would run,
//! shown rather than run, as libvirt 9.0's QEMU driver shows it.
//!
//! The steps follow libvirt's: the XML is parsed as `define` parses it (defaults,
//! addresses); every interface becomes a plain `ethernet` one keeping only its model, MAC
//! and script (the command line cannot carry a bridge or network set-up) and gets a fresh
//! PCI address; then the definition is prepared as for a start of domain id -1 (aliases,
//! storage indices, socket paths, display ports) without touching the host: no domain
//! directory, no image probing, no tap devices. The builder runs in its pretend mode (see
//! [`crate::command::Runtime::pretend`]) and the result is QEMU's environment and
//! arguments on one line, each quoted for a POSIX shell where it needs to be.

use super::QemuDriver;
use crate::command::{FdNeed, FdSource};
use crate::defaults::CapsLookup;
use rvirt_core::driver::NativeConfigDriver;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::interface_parts::NetSource;
use rvirt_xml::domain::devices::Interface;
use rvirt_xml::domain::{DomainDef, ParseCtx};
use std::os::fd::{AsRawFd, OwnedFd};

/// The one format the QEMU driver converts to.
pub const QEMU_ARGV: &str = "qemu-argv";

impl NativeConfigDriver for QemuDriver {
    fn connect_domain_xml_to_native(&self, format: &str, xml: &str, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::QEMU, flags, 0, "qemuConnectDomainXMLToNative")?;
        if format != QEMU_ARGV {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::INVALID_ARG,
                Some(format!("unsupported config type {format}")),
            ));
        }
        let inner = &self.inner;
        let mut def = DomainDef::parse(xml, &ParseCtx { inactive: true }, &inner.defaults)?;
        let emulator =
            def.devices.emulator.clone().ok_or_else(|| {
                Error::internal(ErrorDomain::QEMU, "no emulator in the definition")
            })?;
        let caps = CapsLookup::caps(&*inner.lookup, &emulator)?;
        to_ethernet(&mut def);
        crate::defaults::pci_assign::assign(&mut def, &caps)?;

        let id = -1;
        def.id = None;
        let dir = inner.paths.domain_dir(id, &def.name);
        let rt = super::start::runtime(inner, id, &def, &dir);
        crate::command::prepare(&mut def, &rt);
        let spice = pretend_ports(&mut def);
        let mut rt = super::start::runtime(inner, id, &def, &dir);
        rt.pretend = true;
        for (i, port) in spice {
            if let Some(g) = rt.graphics.get_mut(i) {
                g.port = Some(port);
            }
        }
        let mut fds = TapNumbers::default();
        let argv = crate::command::build(&def, &caps, &rt, &mut fds)?;
        let env = super::start::qemu_env(&dir, inner.paths.privileged);
        Ok(shell_line(&env, &argv))
    }
}

/// Display ports for a command line only shown: none is reserved; as in libvirt, an
/// autoport VNC display shows 5900 and an autoport SPICE display 5901 (returned, by
/// graphics index, for the runtime). Listens without an address get the default one.
fn pretend_ports(def: &mut DomainDef) -> Vec<(usize, i32)> {
    use rvirt_xml::domain::devices::graphics::{GraphicsKind, ListenType};
    let mut spice = Vec::new();
    for (i, g) in def.devices.graphics.iter_mut().enumerate() {
        match &mut g.kind {
            GraphicsKind::Vnc(vnc) if vnc.autoport => vnc.port = 5900,
            GraphicsKind::Spice(s) if s.autoport => spice.push((i, 5901)),
            _ => {}
        }
        if matches!(g.kind, GraphicsKind::Vnc(_)) {
            for l in g.listens.iter_mut() {
                if l.kind == ListenType::Address && l.address.is_none() {
                    l.address = Some(super::ports::DEFAULT_LISTEN.to_string());
                }
            }
        }
    }
    spice
}

/// libvirt's conversion of every interface for a command line only shown: type
/// `ethernet`, with the model, the MAC address and the script of the original and nothing
/// else (no address: one is assigned afresh; no boot order, alias or tuning).
fn to_ethernet(def: &mut DomainDef) {
    for net in def.devices.interfaces.iter_mut() {
        let old = net.clone();
        *net = Interface {
            mac: old.mac,
            mac_generated: old.mac_generated,
            mac_type: None,
            mac_check: None,
            trust_guest_rx_filters: None,
            source: NetSource::Ethernet,
            host_ip: Default::default(),
            vlan: None,
            virtualport: None,
            bandwidth: None,
            port_isolated: None,
            guest_ip: Default::default(),
            port_forwards: Vec::new(),
            script: old.script,
            downscript: None,
            backend_domain: None,
            target_dev: None,
            target_managed: None,
            guest_dev: None,
            guest_actual: None,
            model: old.model,
            driver: Default::default(),
            virtio: Default::default(),
            backend: Default::default(),
            filterref: None,
            sndbuf: None,
            teaming: None,
            link_state: None,
            mtu: None,
            coalesce_rx_frames: None,
            info: Default::default(),
        };
    }
}

/// Descriptor numbers for a command line only shown. libvirt opens each tap for real and
/// prints the number it got; here the numbers are the ones the daemon would hand out next
/// (descriptors of /dev/null held while the line is built), without making tap devices.
#[derive(Default)]
struct TapNumbers {
    held: Vec<OwnedFd>,
}

impl FdSource for TapNumbers {
    fn fd(&mut self, need: &FdNeed) -> Result<i32> {
        if !matches!(need, FdNeed::Tap { .. }) {
            return Err(Error::internal(
                ErrorDomain::QEMU,
                "a command line only shown passes no descriptor but taps",
            ));
        }
        let f = std::fs::File::open("/dev/null")
            .map_err(|e| Error::system(ErrorDomain::QEMU, "cannot open /dev/null", &e))?;
        let fd = OwnedFd::from(f);
        let n = fd.as_raw_fd();
        self.held.push(fd);
        Ok(n)
    }
}

/// Characters after which a POSIX shell would read a word differently.
const SHELL_SPECIAL: &[char] = &[
    '\r', '\t', '\n', ' ', '!', '"', '#', '$', '&', '\'', '(', ')', '*', ';', '<', '>', '?', '[',
    '\\', ']', '^', '`', '{', '|', '}', '~',
];

/// `s` as one shell word: as it is when nothing in it is special, else single-quoted
/// (a quote inside becomes `'\''`); the empty word is `''`.
pub fn shell_word(s: &str) -> String {
    if s.is_empty() {
        return "''".to_string();
    }
    if !s.contains(SHELL_SPECIAL) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `NAME=value ... argv...` on one line, as libvirt prints a command.
pub fn shell_line(env: &[(String, String)], argv: &[String]) -> String {
    let mut words: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={}", shell_word(v)))
        .collect();
    words.extend(argv.iter().map(|a| shell_word(a)));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(
            shell_word("guest=a,debug-threads=on"),
            "guest=a,debug-threads=on"
        );
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("{\"a\":1}"), "'{\"a\":1}'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("/p/x%y=z+1"), "/p/x%y=z+1");
        let env = [("PATH".to_string(), "/bin:/usr/bin".to_string())];
        assert_eq!(
            shell_line(&env, &["/usr/bin/qemu".to_string(), "-S".to_string()]),
            "PATH=/bin:/usr/bin /usr/bin/qemu -S"
        );
    }
}
