//! The daemon's procedure table: one handler per REMOTE procedure, each turning decoded
//! arguments into calls on the public API (so read-only rules and argument checks apply
//! exactly as for local users) and the result into the reply.

pub mod connect;
pub mod convert;
pub mod devices;
pub mod domain;
pub mod domstats;
pub mod events;
pub mod iface;
pub mod legacy;
pub mod network;
pub mod nodedev;
pub mod qemu;
pub mod stats;
pub mod storage;

use crate::client::{error_reply, rpc_error, ClientCtx, OpenedStream};
use rvirt_rpc::packet::{encode_packet, Header, Status};
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::xdr;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

type Handler = Box<dyn Fn(&Arc<ClientCtx>, &[u8]) -> rvirt::Result<Answer> + Send + Sync>;

/// A handler's answer: the reply's body, and the stream the call opened.
struct Answer {
    body: Vec<u8>,
    stream: Option<OpenedStream>,
}

/// A call's outcome: the reply packet, and the stream the call opened (registered by the
/// client before the reply is queued).
pub struct Dispatched {
    pub reply: Vec<u8>,
    pub stream: Option<OpenedStream>,
}

impl Dispatched {
    pub fn reply(reply: Vec<u8>) -> Dispatched {
        Dispatched {
            reply,
            stream: None,
        }
    }
}

/// Queries that libvirt marks low priority only because its QEMU driver may ask the guest's
/// monitor for them; rvirt's drivers answer them from memory (see `rvirt_core::driver`), so
/// they run inline like the high-priority queries.
/// (Capabilities are not among them: the QEMU driver may have to probe a binary first.)
const INLINE_QUERIES: [i32; 2] = [
    14, // DOMAIN_GET_XML_DESC
    16, // DOMAIN_GET_INFO
];

/// Procedures a client may call before it has authenticated.
const AUTH_PROCS: [i32; 5] = [66, 67, 68, 69, 70];

/// Handlers by procedure number, per program.
#[derive(Default)]
pub struct Table {
    handlers: HashMap<(u32, i32), Handler>,
    /// Procedures answered on the client's own task (see [`Table::runs_inline`]).
    inline: HashSet<(u32, i32)>,
    /// Procedures libvirt marks high priority, which the pool's priority workers may run.
    high: HashSet<(u32, i32)>,
    /// The programs this table answers; calls to others get "Cannot find program".
    programs: Vec<u32>,
}

impl Table {
    /// Everything the hypervisor server serves: the REMOTE program and its QEMU and LXC
    /// companions (procedures without a handler get libvirt's "unknown procedure").
    pub fn new() -> Table {
        use rvirt_rpc::packet::program;
        let mut t = Table {
            programs: vec![program::REMOTE, program::QEMU, program::LXC],
            ..Table::default()
        };
        connect::register(&mut t);
        domain::register(&mut t);
        events::register(&mut t);
        network::register(&mut t);
        storage::register(&mut t);
        nodedev::register(&mut t);
        iface::register(&mut t);
        legacy::register(&mut t);
        stats::register(&mut t);
        qemu::register(&mut t);
        devices::register(&mut t);
        domstats::register(&mut t);
        t
    }

    /// Adds the handler of procedure `P`.
    pub fn add<P: Procedure>(
        &mut self,
        f: impl Fn(&Arc<ClientCtx>, P::Args) -> rvirt::Result<P::Ret> + Send + Sync + 'static,
    ) {
        let h: Handler = Box::new(move |ctx, payload| {
            let args: P::Args = xdr::from_bytes(payload).map_err(|e| {
                // libvirt's words for the client; the detail goes to the log.
                tracing::debug!(client = ctx.id, "arguments of {}: {e}", P::NAME);
                rpc_error("Unable to decode message payload")
            })?;
            let ret = f(ctx, args)?;
            Ok(Answer {
                body: xdr::to_bytes(&ret),
                stream: None,
            })
        });
        self.handlers.insert((P::PROG, P::NUM), h);
        if P::HIGH_PRIORITY {
            self.high.insert((P::PROG, P::NUM));
        }
        if inline_rule(P::PROG, P::NUM, P::HIGH_PRIORITY) {
            self.inline.insert((P::PROG, P::NUM));
        } else {
            self.inline.remove(&(P::PROG, P::NUM));
        }
    }

    /// Adds the handler of a stream-opening procedure `P`: it returns the reply and the
    /// stream. These calls always run on the worker pool, never inline: opening may wait,
    /// and the stream must be registered before its reply is queued.
    pub fn add_stream<P: Procedure>(
        &mut self,
        f: impl Fn(&Arc<ClientCtx>, P::Args) -> rvirt::Result<(P::Ret, OpenedStream)>
            + Send
            + Sync
            + 'static,
    ) {
        let h: Handler = Box::new(move |ctx, payload| {
            let args: P::Args = xdr::from_bytes(payload).map_err(|e| {
                tracing::debug!(client = ctx.id, "arguments of {}: {e}", P::NAME);
                rpc_error("Unable to decode message payload")
            })?;
            let (ret, stream) = f(ctx, args)?;
            Ok(Answer {
                body: xdr::to_bytes(&ret),
                stream: Some(stream),
            })
        });
        self.handlers.insert((P::PROG, P::NUM), h);
        self.inline.remove(&(P::PROG, P::NUM));
    }

    /// A table for exactly these programs, to fill with [`Table::add`].
    pub fn for_programs(programs: &[u32]) -> Table {
        Table {
            programs: programs.to_vec(),
            ..Table::default()
        }
    }

    pub fn serves(&self, prog: u32) -> bool {
        self.programs.contains(&prog)
    }

    pub fn is_high_priority(&self, prog: u32, proc_: i32) -> bool {
        self.high.contains(&(prog, proc_))
    }

    /// Where a call runs: answered at once on the client's own task, or queued to the
    /// worker pool because it may wait (a guest starting, a monitor command, disk I/O).
    ///
    /// Answering cheap calls in place saves two thread hand-offs per call, which is most of
    /// a call's cost; anything that may block goes to the pool so other clients never wait
    /// on it.
    pub fn runs_inline(&self, prog: u32, proc_: i32) -> bool {
        self.inline.contains(&(prog, proc_))
    }

    /// Runs one call and returns the reply packet.
    pub fn dispatch(&self, ctx: &Arc<ClientCtx>, h: &Header, payload: &[u8]) -> Dispatched {
        if !ctx.authenticated.load(Ordering::Acquire) && !AUTH_PROCS.contains(&h.proc_) {
            return Dispatched::reply(error_reply(h, &rpc_error("authentication required")));
        }
        if ctx.readonly {
            if let Some(e) = read_only_refusal(h.prog, h.proc_) {
                return Dispatched::reply(error_reply(h, &e));
            }
        }
        let Some(f) = self.handlers.get(&(h.prog, h.proc_)) else {
            return Dispatched::reply(error_reply(h, &unserved(h.prog, h.proc_)));
        };
        match f(ctx, payload) {
            Ok(a) => {
                let rh = h.reply(Status::Ok);
                // A reply to a call that passed descriptors starts with how many come
                // back; rvirtd hands none back.
                let reply = if rh.kind == rvirt_rpc::packet::MsgType::ReplyWithFds as i32 {
                    let mut body = Vec::with_capacity(4 + a.body.len());
                    body.extend_from_slice(&0u32.to_be_bytes());
                    body.extend_from_slice(&a.body);
                    encode_packet(&rh, &body)
                } else {
                    encode_packet(&rh, &a.body)
                };
                Dispatched {
                    reply,
                    stream: a.stream,
                }
            }
            Err(e) => Dispatched::reply(error_reply(h, &e)),
        }
    }
}

/// Whether a procedure is answered on the client's own task.
///
/// libvirt's high priority says a call never waits on a guest, yet it marks calls that change
/// something high too (destroy, define, undefine, autostart): in a real driver those may kill
/// a QEMU process and wait for it, or fsync a definition, and one of them on the I/O task
/// would stall every other call and the keepalive of that client. So a call runs inline only
/// when it is a query: high priority and allowed on a read-only connection (the measured
/// read-only table is the project's definition of "changes nothing"), or one of
/// [`INLINE_QUERIES`]. CONNECT_OPEN is high priority but may initialise a driver, and other
/// programs (QEMU, LXC) carry monitor commands, so neither runs inline.
fn inline_rule(prog: u32, num: i32, high_priority: bool) -> bool {
    prog == rvirt_rpc::packet::program::REMOTE
        && num != 1
        && ((high_priority && !rvirt_rpc::readonly::refused_on_read_only(num))
            || INLINE_QUERIES.contains(&num))
}

/// The answer for a procedure no handler serves: libvirt's "not supported" naming the public
/// function when the number is a REMOTE call libvirt knows (so clients see what a driver
/// without that entry point says), otherwise libvirt's "unknown procedure".
fn unserved(prog: u32, proc_: i32) -> rvirt::Error {
    let name = (prog == rvirt_rpc::packet::program::REMOTE)
        .then(|| rvirt_rpc::names::remote_procedure_name(proc_))
        .flatten()
        // Event messages travel only from daemon to client.
        .filter(|n| n.starts_with("CONNECT_") || !n.contains("_EVENT_"));
    let Some(name) = name else {
        return rpc_error(format!("unknown procedure: {proc_}"));
    };
    let mut e = rvirt::Error::no_support(&public_function(name));
    e.domain = family_domain(name);
    e
}

/// libvirt's refusal of a call that changes something on a read-only connection. Its
/// public API refuses these before looking at the arguments or asking a driver, so the
/// daemon does the same for every procedure, served or not, naming the procedure's own
/// function (`virDomainCreateWithFlags`, not the `virDomainCreate` it may share code with).
fn read_only_refusal(prog: u32, proc_: i32) -> Option<rvirt::Error> {
    if prog != rvirt_rpc::packet::program::REMOTE
        || !rvirt_rpc::readonly::refused_on_read_only(proc_)
    {
        return None;
    }
    let name = rvirt_rpc::names::remote_procedure_name(proc_)?;
    let mut e = rvirt::Error::read_only(&public_function(name));
    e.domain = family_domain(name);
    Some(e)
}

/// `DOMAIN_GET_XML_DESC` -> `virDomainGetXMLDesc`: the public function behind a procedure.
pub fn public_function(proc_name: &str) -> String {
    let mut out = String::from("vir");
    for word in proc_name.split('_') {
        match word {
            "CPU" | "UUID" | "XML" | "ID" | "URI" | "SEV" | "FS" | "DHCP" | "FD" | "MAC"
            | "WWN" | "SCSI" | "HMP" => out.push_str(word),
            "IOTHREAD" => out.push_str("IOThread"),
            "NMI" | "PM" | "SSH" => out.push_str(word),
            "FSINFO" => out.push_str("FSInfo"),
            "FSTRIM" => out.push_str("FSTrim"),
            "FSFREEZE" => out.push_str("FSFreeze"),
            "FSTHAW" => out.push_str("FSThaw"),
            "IOTHREADS" => out.push_str("IOThreads"),
            "NWFILTER" => out.push_str("NWFilter"),
            _ => {
                let mut cs = word.chars();
                if let Some(c) = cs.next() {
                    out.push(c);
                    out.extend(cs.map(|c| c.to_ascii_lowercase()));
                }
            }
        }
    }
    out
}

/// The error domain of the public API file a procedure's function lives in. Connection
/// and node calls belong to the family they name (`CONNECT_LIST_ALL_SECRETS` is in
/// `libvirt-secret.c`); the rest are in `libvirt-host.c` or `libvirt-domain.c`, which both
/// report `VIR_FROM_DOMAIN`.
fn family_domain(proc_name: &str) -> rvirt::ErrorDomain {
    use rvirt::ErrorDomain as D;
    // Snapshot and checkpoint calls have files of their own (`virDomainRevertToSnapshot`
    // and `virDomainListAllCheckpoints` included).
    if proc_name.contains("SNAPSHOT") {
        return D::DOMAIN_SNAPSHOT;
    }
    if proc_name.contains("CHECKPOINT") {
        return D::DOMAIN_CHECKPOINT;
    }
    let prefixes = [
        ("DOMAIN_", D::DOMAIN),
        ("NETWORK_", D::NETWORK),
        ("STORAGE_", D::STORAGE),
        ("NODE_DEVICE_", D::NODEDEV),
        ("INTERFACE_", D::INTERFACE),
        ("SECRET_", D::SECRET),
        ("NWFILTER_", D::NWFILTER),
    ];
    if let Some((_, d)) = prefixes.iter().find(|(p, _)| proc_name.starts_with(p)) {
        return *d;
    }
    let families = [
        ("NWFILTER", D::NWFILTER),
        ("SECRET", D::SECRET),
        ("STORAGE", D::STORAGE),
        ("NODE_DEVICE", D::NODEDEV),
        ("NODE_NUM_OF_DEVICES", D::NODEDEV),
        ("NODE_LIST_DEVICES", D::NODEDEV),
        ("INTERFACE", D::INTERFACE),
        ("NETWORK", D::NETWORK),
    ];
    families
        .iter()
        .find(|(k, _)| proc_name.contains(k))
        .map(|(_, d)| *d)
        .unwrap_or(D::DOMAIN)
}

#[cfg(test)]
mod tests {
    use super::public_function;

    /// Calls that change something never run on the I/O task, whatever libvirt's priority.
    #[test]
    fn changing_calls_never_run_inline() {
        use rvirt_rpc::packet::program::{QEMU, REMOTE};
        use rvirt_rpc::protocol::remote::TABLE;
        let t = super::Table::new();
        for (num, name, high) in TABLE {
            let inline = t.runs_inline(REMOTE, *num);
            if rvirt_rpc::readonly::refused_on_read_only(*num) {
                assert!(!inline, "{name} changes something but runs inline");
            } else if *high && *num != 1 && t.handlers.contains_key(&(REMOTE, *num)) {
                assert!(
                    inline,
                    "{name} is a high-priority query but runs on the pool"
                );
            }
        }
        // destroy, define, undefine, set autostart: high priority in libvirt.
        for n in [12, 11, 35, 29, 234, 231, 350] {
            assert!(!super::inline_rule(REMOTE, n, true), "{n}");
        }
        assert!(super::inline_rule(REMOTE, 23, true));
        assert!(super::inline_rule(REMOTE, 14, false));
        assert!(!super::inline_rule(REMOTE, 1, true));
        assert!(!super::inline_rule(QEMU, 1, true));
    }

    #[test]
    fn public_function_names_follow_libvirt_spelling() {
        for (p, f) in [
            ("DOMAIN_GET_XML_DESC", "virDomainGetXMLDesc"),
            ("DOMAIN_GET_VCPUS", "virDomainGetVcpus"),
            ("DOMAIN_PIN_IOTHREAD", "virDomainPinIOThread"),
            ("NODE_GET_CPU_STATS", "virNodeGetCPUStats"),
            ("NWFILTER_BINDING_CREATE_XML", "virNWFilterBindingCreateXML"),
            ("CONNECT_GET_URI", "virConnectGetURI"),
            ("DOMAIN_INJECT_NMI", "virDomainInjectNMI"),
            ("DOMAIN_PM_WAKEUP", "virDomainPMWakeup"),
            ("DOMAIN_FSTRIM", "virDomainFSTrim"),
            ("DOMAIN_FSFREEZE", "virDomainFSFreeze"),
        ] {
            assert_eq!(public_function(p), f);
        }
    }
}
