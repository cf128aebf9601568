//! The driver traits over a [`Client`]: one [`Remote`] per connection implements every
//! family, each method one (sometimes two) wire calls.

mod checks;
mod domstats;
mod hypervisor;
mod network;
mod other;
mod qemu;
mod storage;

use crate::client::{Client, KEEPALIVE_COUNT, KEEPALIVE_INTERVAL};
use crate::events::{Reg, Registrations, Remote as RemoteKey};
use crate::target::{self, Env, Transport};
use rvirt_core::driver::DriverSet;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::stream::DriverStream;
use rvirt_core::{ConnectUri, Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::protocol::remote::*;
use rvirt_rpc::protocol::Procedure;
use std::sync::Arc;
use std::time::Duration;

/// `virDrvFeature` numbers the handshake asks about.
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;
const FEATURE_REMOTE_EVENT_CALLBACK: i32 = 14;
const FEATURE_REMOTE_CLOSE_CALLBACK: i32 = 15;

/// `remote_auth_type` values.
const AUTH_NONE: i32 = 0;
const AUTH_SASL: i32 = 1;
const AUTH_POLKIT: i32 = 2;

/// Which way a stream's data flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamDir {
    Read,
    Write,
    Both,
}

/// Client-side settings of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Ping the server after this long without traffic; zero turns keepalive off (as
    /// virsh's `-k 0`).
    pub keepalive_interval: Duration,
    /// Give the connection up after this many unanswered pings.
    pub keepalive_count: u32,
}

impl Default for Options {
    /// virsh's defaults: 5 seconds, 6 pings.
    fn default() -> Options {
        Options {
            keepalive_interval: KEEPALIVE_INTERVAL,
            keepalive_count: KEEPALIVE_COUNT,
        }
    }
}

/// One open connection to a daemon, implementing every driver family.
pub struct Remote {
    client: Client,
    /// The URI as the caller gave it (what `virConnectGetURI` reports).
    uri: String,
    transport: Transport,
    /// Whether the server takes callback-style event registrations (feature 14).
    callback_events: bool,
    events: Registrations,
}

impl Remote {
    /// Connects, authenticates and opens `uri` on the daemon, as libvirt's client does:
    /// `AUTH_LIST`, the keepalive feature check, `CONNECT_OPEN`, then the event-callback
    /// and close-callback feature checks.
    pub fn open(uri: &ConnectUri, flags: u32, options: &Options) -> Result<Remote> {
        let t = target::resolve(uri, flags, &Env::current())?;
        let transport = t.transport;
        let name = t.name.clone();
        let client = Client::connect(t)?;
        let auth = client.call::<AuthList>(())?;
        check_auth(&auth.types)?;
        // Asked only when keepalive is wanted, as libvirt's client does.
        if !options.keepalive_interval.is_zero() {
            let keepalive = client
                .call::<ConnectSupportsFeature>(ConnectSupportsFeatureArgs {
                    feature: FEATURE_PROGRAM_KEEPALIVE,
                })
                .map(|r| r.supported != 0)
                .unwrap_or(false);
            if keepalive {
                client.start_keepalive(options.keepalive_interval, options.keepalive_count)?;
            }
        }
        client.call::<ConnectOpen>(ConnectOpenArgs {
            name: (!name.is_empty()).then_some(name),
            flags,
        })?;
        client.set_opened();
        let feature = |f: i32| {
            client
                .call::<ConnectSupportsFeature>(ConnectSupportsFeatureArgs { feature: f })
                .map(|r| r.supported != 0)
                .unwrap_or(false)
        };
        let callback_events = feature(FEATURE_REMOTE_EVENT_CALLBACK);
        let _close_callback = feature(FEATURE_REMOTE_CLOSE_CALLBACK);
        Ok(Remote {
            client,
            uri: uri.as_str().to_string(),
            transport,
            callback_events,
            events: Registrations::default(),
        })
    }

    /// The connection as a driver set (every family served by the daemon).
    pub fn into_driver_set(self) -> DriverSet {
        let r = Arc::new(self);
        DriverSet {
            hypervisor: r.clone(),
            network: Some(r.clone()),
            storage: Some(r.clone()),
            interface: Some(r.clone()),
            node_device: Some(r.clone()),
            secret: Some(r.clone()),
            nwfilter: Some(r.clone()),
            native: Some(r),
        }
    }

    /// Calls procedure `P`.
    fn call<P: Procedure>(&self, args: P::Args) -> Result<P::Ret> {
        self.client.call::<P>(args)
    }

    /// Calls procedure `P` with descriptors passed beside it.
    fn call_with_fds<P: Procedure>(
        &self,
        args: P::Args,
        fds: &[std::os::fd::BorrowedFd<'_>],
    ) -> Result<P::Ret> {
        self.client.call_with_fds::<P>(args, fds)
    }

    /// Calls stream-opening procedure `P`: its reply and the stream, with the halves its
    /// direction has (both for consoles and channels, which carry input and output).
    fn open_stream<P: Procedure>(
        &self,
        args: P::Args,
        dir: StreamDir,
        sparse: bool,
    ) -> Result<(P::Ret, DriverStream)> {
        let (ret, st) = self.client.open_stream::<P>(args, sparse)?;
        let ds = match dir {
            StreamDir::Read => DriverStream::reader(st),
            StreamDir::Write => DriverStream::writer(st),
            StreamDir::Both => DriverStream::duplex(st.clone(), st),
        };
        Ok((ret, ds.sparse(sparse)))
    }

    /// Records a local event registration whose server side `remote` sets up (called with
    /// the table locked, see [`crate::events`]), starting the dispatcher on first use.
    fn register(
        &self,
        family: EventFamily,
        event_id: i32,
        only: Option<uuid::Uuid>,
        callback: EventCallback,
        remote: impl FnOnce(&crate::events::Table) -> Result<RemoteKey>,
    ) -> Result<i32> {
        let mut table = self.events.lock();
        if !self.client.has_event_sink() {
            if let Some(tx) = self.events.start_dispatcher() {
                self.client.set_event_sink(tx);
            }
        }
        let key = remote(&table)?;
        Ok(table.insert(Reg {
            family,
            event_id,
            only,
            remote: key,
            callback,
        }))
    }

    /// Removes local registration `id` of `family`; `remote` undoes its server side.
    fn deregister(
        &self,
        family: EventFamily,
        id: i32,
        remote: impl FnOnce(&crate::events::Table, &Reg) -> Result<()>,
    ) -> Result<()> {
        let mut table = self.events.lock();
        let found = table.get(id).is_some_and(|r| r.family == family);
        let Some(reg) = found.then(|| table.remove(id)).flatten() else {
            return Err(Error::invalid_arg(
                ErrorDomain::NONE,
                format!("could not find event callback {id} for deletion"),
            ));
        };
        if let Err(e) = remote(&table, &reg) {
            table.restore(id, reg);
            return Err(e);
        }
        Ok(())
    }
}

/// Accepts the server's authentication list when it offers "none" first (or nothing);
/// SASL and polkit are not implemented by this client.
fn check_auth(types: &[i32]) -> Result<()> {
    let unavailable = |what: &str| {
        Err(Error::new(
            ErrorDomain::AUTH,
            ErrorCode::AUTH_FAILED,
            Some(format!(
                "the server requires {what} authentication, which rvirt's remote driver does not support (it speaks only auth type 'none'); connect through a socket or listener configured with auth none, e.g. over ssh or TLS"
            )),
        ))
    };
    match types.first() {
        None | Some(&AUTH_NONE) => Ok(()),
        Some(&AUTH_SASL) => unavailable("SASL"),
        Some(&AUTH_POLKIT) => unavailable("polkit"),
        Some(other) => Err(Error::new(
            ErrorDomain::AUTH,
            ErrorCode::AUTH_FAILED,
            Some(format!("unsupported authentication type {other}")),
        )),
    }
}

/// Maps a wire boolean (an `int`) to `bool`.
fn yes(v: i32) -> bool {
    v != 0
}

/// The client-side bound check libvirt applies to list sizes before asking.
fn check_max(what: &str, n: i32, max: i32) -> Result<()> {
    if n > max {
        return Err(Error::raw(
            ErrorDomain::RPC,
            ErrorCode::RPC,
            format!("Too many {what} '{n}' for limit '{max}'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_none_or_empty_is_accepted_sasl_and_polkit_are_explained() {
        assert!(check_auth(&[]).is_ok());
        assert!(check_auth(&[0]).is_ok());
        let e = check_auth(&[1]).expect_err("sasl refused");
        assert_eq!(e.code, ErrorCode::AUTH_FAILED);
        assert!(e.message.contains("SASL"), "{}", e.message);
        assert!(check_auth(&[2])
            .expect_err("polkit refused")
            .message
            .contains("polkit"));
    }
}
