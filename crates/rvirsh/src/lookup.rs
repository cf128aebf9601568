//! Finding the object a command argument names, with virsh's search order and messages.
//!
//! Domains are tried by id, UUID and name (each command picks which); a failed domain
//! lookup prints one line and discards the library error. Networks and pools are tried by
//! UUID then name and keep the library error, so a second `error:` line follows. Volumes
//! are tried by name inside `--pool`, then by key, then by path.

use crate::cli::parser::Cmd;
use crate::cli::values::parse_c_long;
use crate::ctl::Ctl;
use rvirt::{Domain, Network, StoragePool, StorageVol};

pub const BY_ID: u8 = 1;
pub const BY_UUID: u8 = 2;
pub const BY_NAME: u8 = 4;
pub const BY_ANY: u8 = BY_ID | BY_UUID | BY_NAME;

/// Length of a UUID in its 36-character text form.
const UUID_LEN: usize = 36;

/// The domain named by the command's `--domain` option, and the text as typed.
pub fn domain(ctl: &mut Ctl, cmd: &Cmd, flags: u8) -> Option<(Domain, String)> {
    let name = cmd.string(ctl, "domain").ok()??.to_string();
    ctl.debug(
        1,
        &format!("{}: found option <domain>: {}\n", cmd.def.name, name),
    );
    let d = domain_by(ctl, cmd.def.name, &name, flags)?;
    Some((d, name))
}

/// Looks a domain up by the given text.
pub fn domain_by(ctl: &mut Ctl, cmdname: &str, name: &str, flags: u8) -> Option<Domain> {
    let conn = ctl.conn()?;
    let mut dom = None;
    if flags & BY_ID != 0 {
        if let Some(id) = parse_c_long(name).and_then(|v| i32::try_from(v).ok()) {
            if id >= 0 {
                ctl.debug(0, &format!("{cmdname}: <domain> looks like ID\n"));
                dom = conn.domain_lookup_by_id(id).ok();
            }
        }
    }
    if dom.is_none() && flags & BY_UUID != 0 && name.len() == UUID_LEN {
        ctl.debug(0, &format!("{cmdname}: <domain> trying as domain UUID\n"));
        dom = conn.domain_lookup_by_uuid_string(name).ok();
    }
    if dom.is_none() && flags & BY_NAME != 0 {
        ctl.debug(0, &format!("{cmdname}: <domain> trying as domain NAME\n"));
        dom = conn.domain_lookup_by_name(name).ok();
    }
    ctl.reset_error();
    if dom.is_none() {
        ctl.error(&format!("failed to get domain '{name}'"));
    }
    dom
}

/// The network named by `--network`.
pub fn network(ctl: &mut Ctl, cmd: &Cmd, flags: u8) -> Option<(Network, String)> {
    let conn = ctl.conn()?;
    let n = cmd.string(ctl, "network").ok()??.to_string();
    let cn = cmd.def.name;
    ctl.debug(1, &format!("{cn}: found option <network>: {n}\n"));
    let mut net = None;
    if flags & BY_UUID != 0 && n.len() == UUID_LEN {
        ctl.debug(0, &format!("{cn}: <network> trying as network UUID\n"));
        net = ctl.check(conn.network_lookup_by_uuid_string(&n));
    }
    if net.is_none() && flags & BY_NAME != 0 {
        ctl.debug(0, &format!("{cn}: <network> trying as network NAME\n"));
        net = ctl.check(conn.network_lookup_by_name(&n));
    }
    if net.is_none() {
        ctl.error(&format!("failed to get network '{n}'"));
    }
    Some((net?, n))
}

/// The pool named by option `optname`.
pub fn pool(ctl: &mut Ctl, cmd: &Cmd, optname: &str, flags: u8) -> Option<(StoragePool, String)> {
    let n = cmd.string(ctl, optname).ok()??.to_string();
    let p = pool_by(ctl, cmd.def.name, optname, &n, flags)?;
    Some((p, n))
}

/// Looks a pool up by the text given for option `optname` of command `cn`.
fn pool_by(ctl: &mut Ctl, cn: &str, optname: &str, n: &str, flags: u8) -> Option<StoragePool> {
    let conn = ctl.conn()?;
    ctl.debug(1, &format!("{cn}: found option <{optname}>: {n}\n"));
    let mut pool = None;
    if flags & BY_UUID != 0 && n.len() == UUID_LEN {
        ctl.debug(0, &format!("{cn}: <{optname}> trying as pool UUID\n"));
        pool = ctl.check(conn.storage_pool_lookup_by_uuid_string(n));
    }
    if pool.is_none() && flags & BY_NAME != 0 {
        ctl.debug(0, &format!("{cn}: <{optname}> trying as pool NAME\n"));
        pool = ctl.check(conn.storage_pool_lookup_by_name(n));
    }
    if pool.is_none() {
        ctl.error(&format!("failed to get pool '{n}'"));
    }
    pool
}

/// The volume named by `optname`, optionally inside the pool named by `pool_opt`.
pub fn vol(
    ctl: &mut Ctl,
    cmd: &Cmd,
    optname: &str,
    pool_opt: Option<&str>,
    flags: u8,
) -> Option<(StorageVol, String)> {
    let conn = ctl.conn()?;
    let n = cmd.string(ctl, optname).ok()??.to_string();
    let p = match pool_opt {
        Some(po) => cmd.string(ctl, po).ok()?.map(str::to_string),
        None => None,
    };
    let cn = cmd.def.name;
    let mut pool = None;
    if let (Some(pname), Some(po)) = (&p, pool_opt) {
        let pl = pool_by(ctl, cn, po, pname, flags)?;
        let active = pl.is_active();
        if !matches!(active, Ok(true)) {
            if let Err(e) = active {
                ctl.set_error(e);
            }
            ctl.error(&format!("pool '{pname}' is not active"));
            return None;
        }
        pool = Some(pl);
    }
    ctl.debug(0, &format!("{cn}: found option <{optname}>: {n}\n"));
    let mut vol = None;
    if let Some(pl) = &pool {
        if flags & BY_NAME != 0 {
            ctl.debug(0, &format!("{cn}: <{optname}> trying as vol name\n"));
            vol = ctl.check(pl.vol_lookup_by_name(&n));
        }
    }
    if vol.is_none() && flags & BY_UUID != 0 {
        ctl.debug(0, &format!("{cn}: <{optname}> trying as vol key\n"));
        vol = ctl.check(conn.storage_vol_lookup_by_key(&n));
    }
    if vol.is_none() && flags & BY_UUID != 0 {
        ctl.debug(0, &format!("{cn}: <{optname}> trying as vol path\n"));
        vol = ctl.check(conn.storage_vol_lookup_by_path(&n));
    }
    let Some(v) = vol else {
        match (pool.is_some(), pool_opt) {
            (false, Some(po)) => ctl.error(&format!(
                "failed to get vol '{n}', specifying --{po} might help"
            )),
            _ => ctl.error(&format!("failed to get vol '{n}'")),
        }
        return None;
    };
    // Found: the failed attempts before are forgotten, as virsh does.
    ctl.reset_error();
    if let Some(pl) = &pool {
        if v.pool_name() != pl.name() {
            ctl.error(&format!(
                "Requested volume '{n}' is not in pool '{}'",
                pl.name()
            ));
            return None;
        }
    }
    Some((v, n))
}
