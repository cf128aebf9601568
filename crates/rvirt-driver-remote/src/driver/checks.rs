//! The checks libvirt's remote client makes around the statistics, placement and scheduler
//! calls, before sending (room the protocol can carry) and after the reply (what a server
//! may answer), and the conversions of what those calls carry.

use rvirt_core::types::{MemoryStat, NodeStat, TypedParam, VcpuInfo};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_rpc::protocol::types as wire;

/// `REMOTE_VCPUINFO_MAX`.
pub const VCPUINFO_MAX: i32 = 16384;
/// `REMOTE_CPUMAPS_MAX`.
pub const CPUMAPS_MAX: i64 = 8_388_608;
/// `REMOTE_DOMAIN_MEMORY_STATS_MAX`.
pub const MEMORY_STATS_MAX: u32 = 1024;
/// `REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX`.
pub const SCHEDULER_PARAMETERS_MAX: usize = 16;
/// `REMOTE_NODE_CPU_STATS_MAX` and `REMOTE_NODE_MEMORY_STATS_MAX`.
pub const NODE_STATS_MAX: usize = 16;
/// Room for a parameter or statistic name, its terminating NUL included
/// (`VIR_TYPED_PARAM_FIELD_LENGTH`, `VIR_NODE_CPU_STATS_FIELD_LENGTH`, ...).
const FIELD_LENGTH: usize = 80;

/// A `VIR_ERR_RPC` error of the remote driver itself (`VIR_FROM_REMOTE`).
pub fn rpc(msg: String) -> Error {
    Error::new(ErrorDomain::REMOTE, ErrorCode::RPC, Some(msg))
}

/// A `VIR_ERR_RPC` error of libvirt's typed-parameter (de)serialisation, which reports
/// without an error domain.
fn params_rpc(msg: String) -> Error {
    Error::new(ErrorDomain::NONE, ErrorCode::RPC, Some(msg))
}

/// Whether `count` maps of `maplen` bytes fit in one reply.
pub fn vcpu_room(count: i32, maplen: i32) -> Result<()> {
    if count > VCPUINFO_MAX {
        return Err(rpc(format!(
            "vCPU count exceeds maximum: {count} > {VCPUINFO_MAX}"
        )));
    }
    let fits = count
        .checked_mul(maplen)
        .is_some_and(|len| i64::from(len) <= CPUMAPS_MAX);
    if !fits {
        return Err(rpc(format!(
            "vCPU map buffer length exceeds maximum: {} > {CPUMAPS_MAX}",
            count.wrapping_mul(maplen)
        )));
    }
    Ok(())
}

/// Refuses a reply reporting more vCPUs, or more map bytes, than the caller made room for.
pub fn vcpu_reply(reported: i64, map_bytes: usize, room: i32, maplen: i32) -> Result<()> {
    if reported > i64::from(room) {
        return Err(rpc(format!(
            "host reports too many vCPUs: {reported} > {room}"
        )));
    }
    let buffer = i64::from(room) * i64::from(maplen);
    if map_bytes as i64 > buffer {
        return Err(rpc(format!(
            "host reports map buffer length exceeds maximum: {map_bytes} > {buffer}"
        )));
    }
    Ok(())
}

/// The maps of `count` vCPUs, `maplen` bytes each: what the server sent, zero-filled where
/// it sent less (the rest of the caller's buffer is not part of the answer).
pub fn vcpu_maps(mut maps: Vec<u8>, count: usize, maplen: i32) -> Vec<u8> {
    maps.resize(count * maplen.max(0) as usize, 0);
    maps
}

pub fn vcpu_info(v: wire::VcpuInfo) -> VcpuInfo {
    VcpuInfo {
        number: v.number,
        state: v.state,
        cpu_time: v.cpu_time,
        cpu: v.cpu,
    }
}

/// `nr_stats` balloon statistics must fit in one reply.
pub fn memory_stats_room(nr_stats: u32) -> Result<()> {
    if nr_stats > MEMORY_STATS_MAX {
        return Err(rpc(format!(
            "too many memory stats requested: {nr_stats} > {MEMORY_STATS_MAX}"
        )));
    }
    Ok(())
}

pub fn memory_stat(s: wire::MemoryStat) -> MemoryStat {
    MemoryStat {
        tag: s.tag,
        val: s.val,
    }
}

/// A host statistics reply holding at most `room` values (`function` names the client
/// function in the error, as libvirt's does).
pub fn node_stats(list: Vec<wire::NodeStat>, room: i32, function: &str) -> Result<Vec<NodeStat>> {
    if list.len() > NODE_STATS_MAX || list.len() as i64 > i64::from(room) {
        return Err(rpc(format!(
            "{function}: returned number of stats exceeds limit"
        )));
    }
    list.into_iter()
        .map(|s| {
            if s.field.len() >= FIELD_LENGTH {
                return Err(Error::internal(
                    ErrorDomain::REMOTE,
                    format!("Stats {} too big for destination", s.field),
                ));
            }
            Ok(NodeStat {
                field: s.field,
                value: s.value,
            })
        })
        .collect()
}

/// Typed parameters received into room for `room` of them, at most `limit` on the wire.
pub fn params_in(list: Vec<wire::TypedParam>, limit: usize, room: i32) -> Result<Vec<TypedParam>> {
    if list.len() > limit {
        return Err(params_rpc(format!(
            "too many parameters '{}' for limit '{limit}'",
            list.len()
        )));
    }
    if list.len() as i64 > i64::from(room) {
        return Err(params_rpc(format!(
            "too many parameters '{}' for nparams '{room}'",
            list.len()
        )));
    }
    list.iter()
        .map(|p| {
            if p.field.len() >= FIELD_LENGTH {
                return Err(Error::internal(
                    ErrorDomain::NONE,
                    format!("parameter {} too big for destination", p.field),
                ));
            }
            Ok(TypedParam::from(p))
        })
        .collect()
}

/// Typed parameters to send, at most `limit` of them.
pub fn params_out(params: &[TypedParam], limit: usize) -> Result<Vec<wire::TypedParam>> {
    if params.len() > limit {
        return Err(params_rpc(format!(
            "too many parameters '{}' for limit '{limit}'",
            params.len()
        )));
    }
    Ok(params.iter().map(wire::TypedParam::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvirt_core::types::TypedValue;

    #[test]
    fn vcpu_room_follows_the_protocol_limits() {
        assert!(vcpu_room(16384, 512).is_ok());
        let e = vcpu_room(16385, 1).expect_err("too many vCPUs");
        assert_eq!(e.message, "vCPU count exceeds maximum: 16385 > 16384");
        assert_eq!((e.code, e.domain), (ErrorCode::RPC, ErrorDomain::REMOTE));
        let e = vcpu_room(16384, 513).expect_err("maps too large");
        assert_eq!(
            e.message,
            "vCPU map buffer length exceeds maximum: 8404992 > 8388608"
        );
        assert!(vcpu_room(2, i32::MAX).is_err());
    }

    #[test]
    fn vcpu_replies_larger_than_the_room_are_refused_and_maps_are_sized_to_the_answer() {
        assert!(vcpu_reply(2, 8, 4, 2).is_ok());
        assert_eq!(
            vcpu_reply(5, 0, 4, 2).expect_err("count").message,
            "host reports too many vCPUs: 5 > 4"
        );
        assert_eq!(
            vcpu_reply(4, 9, 4, 2).expect_err("maps").message,
            "host reports map buffer length exceeds maximum: 9 > 8"
        );
        assert_eq!(vcpu_maps(vec![1, 2, 3, 0, 0, 0], 2, 2), vec![1, 2, 3, 0]);
        assert_eq!(vcpu_maps(vec![7], 2, 2), vec![7, 0, 0, 0]);
    }

    #[test]
    fn node_stats_replies_are_bounded_by_the_room_and_the_protocol() {
        let stat = |f: &str| wire::NodeStat {
            field: f.to_string(),
            value: 1,
        };
        assert_eq!(
            node_stats(vec![stat("user")], 1, "f").expect("fits"),
            vec![NodeStat {
                field: "user".to_string(),
                value: 1
            }]
        );
        let e = node_stats(vec![stat("a"), stat("b")], 1, "remoteNodeGetCPUStats")
            .expect_err("more than asked");
        assert_eq!(
            e.message,
            "remoteNodeGetCPUStats: returned number of stats exceeds limit"
        );
        assert!(node_stats(vec![stat("a"); 17], 20, "f").is_err());
        let e = node_stats(vec![stat(&"x".repeat(80))], 1, "f").expect_err("long name");
        assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
        assert!(node_stats(vec![stat(&"x".repeat(79))], 1, "f").is_ok());
    }

    #[test]
    fn typed_parameters_are_bounded_both_ways() {
        let p = |f: &str| TypedParam {
            field: f.to_string(),
            value: TypedValue::UInt(50),
        };
        let wire_n = |n: usize| vec![wire::TypedParam::from(&p("weight")); n];
        assert_eq!(
            params_in(wire_n(1), 16, 1).expect("fits"),
            vec![p("weight")]
        );
        assert_eq!(
            params_in(wire_n(2), 16, 1).expect_err("room").message,
            "too many parameters '2' for nparams '1'"
        );
        let e = params_in(wire_n(17), 16, 20).expect_err("limit");
        assert_eq!(e.message, "too many parameters '17' for limit '16'");
        assert_eq!((e.code, e.domain), (ErrorCode::RPC, ErrorDomain::NONE));
        assert!(params_out(&vec![p("weight"); 16], 16).is_ok());
        assert_eq!(
            params_out(&vec![p("weight"); 17], 16)
                .expect_err("limit")
                .message,
            "too many parameters '17' for limit '16'"
        );
    }
}
