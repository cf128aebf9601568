//! The daemon's procedure table: one handler per REMOTE procedure, each turning decoded
//! arguments into calls on the public API (so read-only rules and argument checks apply
//! exactly as for local users) and the result into the reply.

pub mod connect;
pub mod convert;
pub mod domain;
pub mod events;
pub mod iface;
pub mod legacy;
pub mod network;
pub mod nodedev;
pub mod storage;

use crate::client::{error_reply, rpc_error, ClientCtx};
use rvirt_rpc::packet::{encode_packet, Header, Status};
use rvirt_rpc::protocol::Procedure;
use rvirt_rpc::xdr;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

type Handler = Box<dyn Fn(&Arc<ClientCtx>, &[u8]) -> rvirt::Result<Vec<u8>> + Send + Sync>;

/// Procedures a client may call before it has authenticated.
const AUTH_PROCS: [i32; 5] = [66, 67, 68, 69, 70];

/// Handlers by procedure number, per program.
#[derive(Default)]
pub struct Table {
    handlers: HashMap<(u32, i32), Handler>,
}

impl Table {
    /// The full table of everything the daemon serves.
    pub fn new() -> Table {
        let mut t = Table::default();
        connect::register(&mut t);
        domain::register(&mut t);
        events::register(&mut t);
        network::register(&mut t);
        storage::register(&mut t);
        nodedev::register(&mut t);
        iface::register(&mut t);
        legacy::register(&mut t);
        t
    }

    /// Adds the handler of procedure `P`.
    pub fn add<P: Procedure>(
        &mut self,
        f: impl Fn(&Arc<ClientCtx>, P::Args) -> rvirt::Result<P::Ret> + Send + Sync + 'static,
    ) {
        let h: Handler = Box::new(move |ctx, payload| {
            let args: P::Args = xdr::from_bytes(payload).map_err(|e| {
                rpc_error(format!(
                    "Unable to decode arguments of procedure {}: {e}",
                    P::NAME
                ))
            })?;
            let ret = f(ctx, args)?;
            Ok(xdr::to_bytes(&ret))
        });
        self.handlers.insert((P::PROG, P::NUM), h);
    }

    /// Runs one call and returns the reply packet.
    pub fn dispatch(&self, ctx: &Arc<ClientCtx>, h: &Header, payload: &[u8]) -> Vec<u8> {
        if !ctx.authenticated.load(Ordering::Acquire) && !AUTH_PROCS.contains(&h.proc_) {
            return error_reply(h, &rpc_error("authentication required"));
        }
        let Some(f) = self.handlers.get(&(h.prog, h.proc_)) else {
            return error_reply(h, &rpc_error(format!("unknown procedure: {}", h.proc_)));
        };
        match f(ctx, payload) {
            Ok(body) => encode_packet(&h.reply(Status::Ok), &body),
            Err(e) => error_reply(h, &e),
        }
    }
}
