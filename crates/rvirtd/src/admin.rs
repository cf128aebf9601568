//! The daemon as a whole and the ADMIN program that `virt-admin` speaks on the admin
//! socket: the list of servers, their worker pools and client limits, their clients (listed,
//! described, disconnected), the daemon's logging and its idle timeout, and renewed TLS
//! certificates. Every change applies at once to the running daemon.

use crate::client::ClientCtx;
use crate::dispatch::Table;
use crate::server::{ClientEntry, Server, ServerShape};
use crate::settings::DaemonSettings;
use rvirt::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::packet::program;
use rvirt_rpc::protocol::admin::*;
use rvirt_rpc::protocol::types::{TypedParam, TypedValue};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

/// The daemon's servers and the settings an administrator changes while it runs.
pub struct Daemon {
    /// The hypervisor API ("rvirtd").
    pub main: Arc<Server>,
    /// The admin program itself ("admin").
    pub admin: Arc<Server>,
    /// Seconds without clients and guests after which the daemon exits; 0 for never.
    pub timeout: AtomicU64,
}

impl Daemon {
    pub fn new(s: &DaemonSettings, timeout: Option<u64>) -> Arc<Daemon> {
        Arc::new_cyclic(|me| Daemon {
            main: Server::main(s),
            admin: Server::new("admin", table(me.clone()), s, ServerShape::admin(s)),
            timeout: AtomicU64::new(timeout.unwrap_or(0)),
        })
    }

    fn servers(&self) -> [&Arc<Server>; 2] {
        [&self.main, &self.admin]
    }

    fn server(&self, srv: &AdminServer) -> Result<&Arc<Server>> {
        self.servers()
            .into_iter()
            .find(|s| s.name == srv.name)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::RPC,
                    ErrorCode::NO_SERVER,
                    format!("No server named '{}'", srv.name),
                )
            })
    }

    fn client(&self, c: &AdminClient) -> Result<Arc<ClientEntry>> {
        self.server(&c.srv)?
            .registry
            .get(c.id)
            .ok_or_else(|| no_client(c.id))
    }

    /// Connected clients of every server.
    pub fn client_count(&self) -> usize {
        self.servers()
            .iter()
            .map(|s| s.clients.load(Ordering::SeqCst))
            .sum()
    }

    /// Changes with every connect and disconnect on any server.
    pub fn activity(&self) -> u64 {
        self.servers()
            .iter()
            .map(|s| s.activity.load(Ordering::SeqCst))
            .sum()
    }
}

/// `VIR_ERR_INVALID_ARG` as `virReportError` words it ("invalid argument: ...").
fn invalid_arg(domain: ErrorDomain, detail: impl Into<String>) -> Error {
    Error::new(domain, ErrorCode::INVALID_ARG, Some(detail.into()))
}

fn no_client(id: u64) -> Error {
    Error::new(
        ErrorDomain::RPC,
        ErrorCode::NO_CLIENT,
        format!("No client with matching ID '{id}'"),
    )
}

fn flags(flags: u32, function: &str) -> Result<()> {
    Error::check_flags(ErrorDomain::ADMIN, flags, 0, function)
}

fn as_admin_client(srv: &Server, e: &ClientEntry) -> AdminClient {
    AdminClient {
        srv: AdminServer {
            name: srv.name.to_string(),
        },
        id: e.id,
        timestamp: e.timestamp,
        transport: e.transport,
    }
}

fn uint(field: &str, v: usize) -> TypedParam {
    TypedParam {
        field: field.to_string(),
        value: TypedValue::UInt(u32::try_from(v).unwrap_or(u32::MAX)),
    }
}

/// The unsigned values `params` sets, each of a name in `allowed`, in `allowed`'s order;
/// libvirt's refusals for unknown names, other types and repeats.
fn uints(params: &[TypedParam], allowed: &[&str]) -> Result<Vec<Option<usize>>> {
    let mut out = vec![None; allowed.len()];
    for p in params {
        let Some(i) = allowed.iter().position(|a| *a == p.field) else {
            return Err(Error::new(
                ErrorDomain::NONE,
                ErrorCode::ARGUMENT_UNSUPPORTED,
                format!("parameter '{}' not supported", p.field),
            ));
        };
        let TypedValue::UInt(v) = p.value else {
            return Err(invalid_arg(
                ErrorDomain::NONE,
                format!(
                    "invalid type '{}' for parameter '{}', expected 'uint'",
                    rvirt_core::types::TypedParam::from(p).value.type_name(),
                    p.field
                ),
            ));
        };
        if out[i].replace(v as usize).is_some() {
            return Err(invalid_arg(
                ErrorDomain::NONE,
                format!("parameter '{}' occurs multiple times", p.field),
            ));
        }
    }
    Ok(out)
}

/// What `client-info` shows, in libvirt's order.
fn client_info(e: &ClientEntry) -> Vec<TypedParam> {
    let mut out = vec![TypedParam {
        field: "readonly".to_string(),
        value: TypedValue::Boolean(e.readonly),
    }];
    let string = |field: &str, v: String| TypedParam {
        field: field.to_string(),
        value: TypedValue::String(v),
    };
    let int = |field: &str, v: i32| TypedParam {
        field: field.to_string(),
        value: TypedValue::Int(v),
    };
    if let Some(addr) = &e.identity.sock_addr {
        out.push(string("sock_addr", addr.clone()));
    }
    if let Some((uid, gid, pid)) = e.identity.unix {
        out.push(int("unix_user_id", uid as i32));
        if let Some(n) = crate::sys::name_of("/etc/passwd", uid) {
            out.push(string("unix_user_name", n));
        }
        out.push(int("unix_group_id", gid as i32));
        if let Some(n) = crate::sys::name_of("/etc/group", gid) {
            out.push(string("unix_group_name", n));
        }
        if let Some(pid) = pid {
            out.push(int("unix_process_id", pid));
        }
    }
    out
}

/// The admin program's procedures. Handlers hold the daemon weakly: the daemon owns the
/// admin server, which owns this table.
fn table(daemon: Weak<Daemon>) -> Table {
    let mut t = Table::for_programs(&[program::ADMIN]);
    // Every call but CONNECT_OPEN needs the connection open and the daemon alive.
    let with = {
        let daemon = daemon.clone();
        move |ctx: &Arc<ClientCtx>| -> Result<Arc<Daemon>> {
            if !ctx.admin_open.load(Ordering::Acquire) {
                return Err(Error::internal(ErrorDomain::RPC, "connection not open"));
            }
            daemon
                .upgrade()
                .ok_or_else(|| Error::internal(ErrorDomain::RPC, "the daemon is shutting down"))
        }
    };
    t.add::<ConnectOpen>(|ctx, a| {
        flags(a.flags, "adminConnectOpen")?;
        ctx.admin_open.store(true, Ordering::Release);
        Ok(())
    });
    t.add::<ConnectClose>(|ctx, ()| {
        ctx.admin_open.store(false, Ordering::Release);
        Ok(())
    });
    let w = with.clone();
    t.add::<ConnectGetLibVersion>(move |ctx, ()| {
        w(ctx)?;
        Ok(AdminConnectGetLibVersionRet {
            lib_ver: rvirt_core::LIB_VERSION,
        })
    });
    let w = with.clone();
    t.add::<ConnectListServers>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminConnectListServers")?;
        let all = d.servers();
        Ok(AdminConnectListServersRet {
            servers: if a.need_results == 0 {
                Vec::new()
            } else {
                all.iter()
                    .map(|s| AdminServer {
                        name: s.name.to_string(),
                    })
                    .collect()
            },
            ret: all.len() as u32,
        })
    });
    let w = with.clone();
    t.add::<ConnectLookupServer>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminConnectLookupServer")?;
        let srv = AdminServer { name: a.name };
        d.server(&srv)?;
        Ok(AdminConnectLookupServerRet { srv })
    });
    let w = with.clone();
    t.add::<ServerGetThreadpoolParameters>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerGetThreadPoolParameters")?;
        let f = d.server(&a.srv)?.limits.workers.figures();
        Ok(AdminParamsRet {
            params: vec![
                uint("minWorkers", f.min),
                uint("maxWorkers", f.max),
                uint("nWorkers", f.current),
                uint("freeWorkers", f.free),
                uint("prioWorkers", f.prio),
                uint("jobQueueDepth", f.queued),
            ],
        })
    });
    let w = with.clone();
    t.add::<ServerSetThreadpoolParameters>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerSetThreadPoolParameters")?;
        let srv = d.server(&a.srv)?;
        let v = uints(&a.params, &["minWorkers", "maxWorkers", "prioWorkers"])?;
        srv.limits
            .workers
            .resize(v[0], v[1], v[2])
            .map_err(|e| invalid_arg(ErrorDomain::NONE, e.to_string()))
    });
    let w = with.clone();
    t.add::<ServerListClients>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerListClients")?;
        let srv = d.server(&a.srv)?;
        let all = srv.registry.list();
        Ok(AdminServerListClientsRet {
            clients: if a.need_results == 0 {
                Vec::new()
            } else {
                all.iter().map(|e| as_admin_client(srv, e)).collect()
            },
            ret: all.len() as u32,
        })
    });
    let w = with.clone();
    t.add::<ServerLookupClient>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerLookupClient")?;
        let srv = d.server(&a.srv)?;
        let e = srv.registry.get(a.id).ok_or_else(|| no_client(a.id))?;
        Ok(AdminServerLookupClientRet {
            clnt: as_admin_client(srv, &e),
        })
    });
    let w = with.clone();
    t.add::<ClientGetInfo>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminClientGetInfo")?;
        Ok(AdminParamsRet {
            params: client_info(&*d.client(&a.clnt)?),
        })
    });
    let w = with.clone();
    t.add::<ClientClose>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminClientClose")?;
        d.client(&a.clnt)?.close();
        Ok(())
    });
    let w = with.clone();
    t.add::<ServerGetClientLimits>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerGetClientLimits")?;
        let srv = d.server(&a.srv)?;
        Ok(AdminParamsRet {
            params: vec![
                uint("nclients_max", srv.max_clients.load(Ordering::SeqCst)),
                uint("nclients", srv.clients.load(Ordering::SeqCst)),
                uint("nclients_unauth_max", srv.max_unauth.load(Ordering::SeqCst)),
                uint("nclients_unauth", srv.registry.unauthenticated()),
            ],
        })
    });
    let w = with.clone();
    t.add::<ServerSetClientLimits>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerSetClientLimits")?;
        let srv = d.server(&a.srv)?;
        let v = uints(&a.params, &["nclients_max", "nclients_unauth_max"])?;
        let max = v[0].unwrap_or_else(|| srv.max_clients.load(Ordering::SeqCst));
        let unauth = v[1].unwrap_or_else(|| srv.max_unauth.load(Ordering::SeqCst));
        if max < unauth {
            return Err(invalid_arg(
                ErrorDomain::RPC,
                format!(
                    "The overall maximum number of clients ({max}) must not be less than the \
                     maximum number of clients waiting for authentication ({unauth})"
                ),
            ));
        }
        srv.max_clients.store(max, Ordering::SeqCst);
        srv.max_unauth.store(unauth, Ordering::SeqCst);
        Ok(())
    });
    let w = with.clone();
    t.add::<ConnectGetLoggingOutputs>(move |ctx, a| {
        w(ctx)?;
        flags(a.flags, "adminConnectGetLoggingOutputs")?;
        let (outputs, n) = crate::logging::outputs();
        Ok(AdminConnectGetLoggingOutputsRet {
            outputs,
            noutputs: n as u32,
        })
    });
    let w = with.clone();
    t.add::<ConnectGetLoggingFilters>(move |ctx, a| {
        w(ctx)?;
        flags(a.flags, "adminConnectGetLoggingFilters")?;
        let (filters, n) = crate::logging::filters();
        Ok(AdminConnectGetLoggingFiltersRet {
            filters: Some(filters),
            nfilters: n as u32,
        })
    });
    let w = with.clone();
    t.add::<ConnectSetLoggingOutputs>(move |ctx, a| {
        w(ctx)?;
        flags(a.flags, "adminConnectSetLoggingOutputs")?;
        crate::logging::set_outputs(a.text.as_deref().unwrap_or_default()).map_err(log_error)
    });
    let w = with.clone();
    t.add::<ConnectSetLoggingFilters>(move |ctx, a| {
        w(ctx)?;
        flags(a.flags, "adminConnectSetLoggingFilters")?;
        crate::logging::set_filters(a.text.as_deref().unwrap_or_default()).map_err(log_error)
    });
    let w = with.clone();
    t.add::<ServerUpdateTlsFiles>(move |ctx, a| {
        let d = w(ctx)?;
        flags(a.flags, "adminServerUpdateTlsFiles")?;
        let srv = d.server(&a.srv)?;
        let tls = srv.tls.lock().unwrap_or_else(|p| p.into_inner());
        let Some(svc) = tls.as_ref() else {
            return Err(Error::internal(
                ErrorDomain::RPC,
                "no tls service found, unable to update tls files",
            ));
        };
        // Nothing changes unless the new files make a whole configuration.
        let cfg = crate::tls::server_config(&svc.settings)
            .map_err(|e| Error::internal(ErrorDomain::RPC, e))?;
        *svc.config.write().unwrap_or_else(|p| p.into_inner()) = cfg;
        tracing::info!(server = srv.name, "TLS certificates read again");
        Ok(())
    });
    t.add::<ConnectSetDaemonTimeout>(move |ctx, a| {
        let d = with(ctx)?;
        flags(a.flags, "adminConnectSetDaemonTimeout")?;
        d.timeout.store(u64::from(a.timeout), Ordering::SeqCst);
        Ok(())
    });
    t
}

fn log_error(e: crate::logging::LogError) -> Error {
    match e {
        crate::logging::LogError::Invalid(m) => invalid_arg(ErrorDomain::NONE, m),
        other => Error::raw(
            ErrorDomain::NONE,
            ErrorCode::SYSTEM_ERROR,
            other.to_string(),
        ),
    }
}
