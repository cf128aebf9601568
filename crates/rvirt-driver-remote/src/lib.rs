//! The remote client driver: rvirt's driver traits served by a daemon — `rvirtd` or a real
//! `libvirtd` — over libvirt's wire protocol.
//!
//! # Design
//!
//! The driver traits are synchronous, and so is the connection underneath: a call does
//! its own I/O on the calling thread, without handing anything to another thread, so a
//! round trip costs what the socket costs (one write, one read) and not two thread
//! wake-ups on top.
//!
//! - **A connection** ([`client`]) works on one connected socket, read by one thread
//!   while others write. A call (from any thread, many at once) takes the next serial,
//!   registers a reply slot and writes its whole packet under a write lock. Then, if no
//!   thread is reading the socket, it takes the *reader role* and reads until its own
//!   reply arrives, filing other callers' replies in their slots (matched by serial,
//!   whatever the order), handing event messages to the event thread and answering the
//!   server's keepalive pings; it then hands the role to a caller still waiting. A call
//!   that finds the role taken sleeps until its reply is filed or the role is handed to
//!   it. This is libvirt's own client design ("passing the buck").
//! - **A watcher thread** per connection reads while no call does: once the role has been
//!   free for a few milliseconds ([`client::IDLE`]) it polls the socket and an eventfd, so
//!   events, pings and the end of the connection are seen between calls; a call that finds
//!   it reading pokes the eventfd to get the role back. A program calling in a loop never
//!   meets it. It also runs the client's keepalive when the server supports it (feature
//!   10): a ping after 5 seconds without traffic, the connection given up after 6
//!   unanswered pings, virsh's defaults, also while a long call is in flight.
//! - **Transports** ([`transport`]) all end in a socket: UNIX and TCP sockets as they
//!   are; `ssh` and `+ext` children get a socket pair as standard input and output; TLS
//!   runs on a pump thread ([`tls`]) between the TCP connection and a socket pair, which
//!   costs a thread hop per message (TLS is not the fast path). No async runtime is
//!   involved.
//! - **Events** ([`events`]) are decoded by whichever thread reads them and delivered to
//!   the registered [`rvirt_core::event::EventCallback`]s on a per-connection dispatcher
//!   thread, so callbacks may call back into the connection. When the server supports
//!   feature 14 the callback-style registrations are used (one server registration per
//!   local one, events carry its id); otherwise the legacy style, with the per-domain
//!   filter applied locally.
//! - **Streams** ([`client::RemoteStream`]) live in slots of the connection keyed by the
//!   opening call's serial; incoming stream packets are filed there by whoever reads, as
//!   replies are, and a receiver reads the socket itself when nobody does. The watcher
//!   leaves data in the socket once a stream holds 4 MiB nobody received.
//! - **Errors** from replies become [`rvirt_core::Error`] with the wire's exact code,
//!   domain, level, message, `str1..3` and `int1..2`. A broken connection fails the calls
//!   in flight with what happened ("End of file while reading data: Input/output error",
//!   "Cannot recv data: ...", with what ssh printed when it was ssh) and later calls with
//!   libvirt's "internal error: client socket is closed".
//!
//! # URIs and transports
//!
//! [`target`] turns a URI into an endpoint and the name sent in `CONNECT_OPEN` (the URI
//! without `+transport`, host, port and the parameters the driver consumes):
//!
//! - `driver+unix:///path[?socket=PATH]` (also every local URI no in-process driver
//!   serves): without `socket=`, rvirtd's socket (`/run/rvirt/rvirt-sock`,
//!   `$XDG_RUNTIME_DIR/rvirt/rvirt-sock` for session URIs) when it exists, else libvirtd's
//!   (`/var/run/libvirt/libvirt-sock`, `$XDG_RUNTIME_DIR/libvirt/libvirt-sock`); the `-ro`
//!   socket for read-only system connections.
//! - `driver+tcp://host[:port]/path` (port 16509).
//! - `driver+tls://host[:port]/path` (port 16514; also any URI with a host and no
//!   transport): rustls, libvirt's certificate files and selection rules ([`tls`]),
//!   `?pkipath=`, `?no_verify=1`, `?no_sanity=1`, and the server's one-byte confirmation.
//! - `driver+ssh://[user@]host[:port]/path`: runs `ssh` (or `?command=`) with libvirt's
//!   argv (`-p`, `-l`, `-i ?keyfile=`, `-T -e none`, `-o BatchMode=yes` for `?no_tty=1`,
//!   `-o StrictHostKeyChecking=no` for `?no_verify=1`, `--`, host, one command string).
//!   The far side runs `sh -c` with libvirt's netcat script (`nc`, or `?netcat=`) against
//!   `?socket=`, or by default against rvirtd's system socket if the far host has one and
//!   libvirtd's (`/var/run/libvirt/libvirt-sock[-ro]`) otherwise, so both kinds of hosts
//!   work without parameters. `?proxy=native|auto` selects libvirt's `virt-ssh-helper`
//!   forms instead.
//! - `driver+ext:///path?command=PROG`: runs PROG; its standard input and output are the
//!   connection.
//!
//! Child processes get a socket pair as standard input and output, so the end of a
//! connection reads as it does on a socket, and their standard error is kept for error
//! messages.
//!
//! # Handshake
//!
//! As libvirt's client: `AUTH_LIST` (only "none" is supported: a server asking for SASL or
//! polkit gets a clear error saying so), `CONNECT_SUPPORTS_FEATURE(10)` for keepalive,
//! `CONNECT_OPEN(name, flags)`, then features 14 and 15. Closing sends `CONNECT_CLOSE`.
//! The close-callback registration virsh adds (procedure 360) is not made: rvirt's API has
//! no close callbacks.
//!
//! # Local URIs
//!
//! Registered after the in-process drivers, the remote driver also takes local URIs no
//! in-process driver serves (`qemu:///system`) and sends them to the local daemon, as
//! libvirt does. Inside the daemon that would loop back to the daemon itself, so it is
//! switched off there with [`set_local_routing`] (rvirtd calls it at start-up).

mod autostart;
pub mod client;
mod convert;
mod driver;
pub mod events;
pub mod target;
pub mod tls;
pub mod transport;

pub use driver::{Options, Remote};

use rvirt_core::driver::{ConnectDriver, DriverSet};
use rvirt_core::{ConnectUri, Result};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether local URIs (no transport, no host) that no in-process driver serves go to the
/// local daemon: true in every client, false in the daemon itself.
static LOCAL_ROUTING: AtomicBool = AtomicBool::new(true);

/// Turns routing of local URIs to the local daemon on or off. A daemon turns it off at
/// start-up so it never connects to itself.
pub fn set_local_routing(on: bool) {
    LOCAL_ROUTING.store(on, Ordering::Relaxed);
}

fn local_routing() -> bool {
    LOCAL_ROUTING.load(Ordering::Relaxed)
}

/// The registry entry of the remote driver.
#[derive(Default)]
pub struct RemoteConnectDriver {
    pub options: Options,
}

impl ConnectDriver for RemoteConnectDriver {
    fn name(&self) -> &'static str {
        "remote"
    }

    /// Every URI with a transport or a host, the `remote` scheme, and (outside the daemon)
    /// any other local URI.
    fn accepts(&self, uri: &ConnectUri) -> bool {
        uri.transport.is_some()
            || uri.host.as_deref().is_some_and(|h| !h.is_empty())
            || uri.driver == "remote"
            || local_routing()
    }

    fn open(&self, uri: &ConnectUri, flags: u32) -> Result<DriverSet> {
        Ok(Remote::open(uri, flags, &self.options)?.into_driver_set())
    }
}
