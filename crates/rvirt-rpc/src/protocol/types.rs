//! Types shared by many procedures: object references, typed parameters, the error record,
//! and the few structs whose wire form is not a plain field list.

use crate::xdr::{CharArray, Reader, Writer, Xdr, XdrError};
use crate::xdr_struct;
use uuid::Uuid;

xdr_struct! {
    /// `remote_nonnull_domain`: `id` is -1 for an inactive domain.
    pub struct Dom {
        pub name: String,
        pub uuid: Uuid,
        pub id: i32,
    }
}

xdr_struct! {
    /// `remote_nonnull_network`.
    pub struct Net {
        pub name: String,
        pub uuid: Uuid,
    }
}

xdr_struct! {
    /// `remote_nonnull_storage_pool`.
    pub struct Pool {
        pub name: String,
        pub uuid: Uuid,
    }
}

xdr_struct! {
    /// `remote_nonnull_storage_vol`.
    pub struct Vol {
        pub pool: String,
        pub name: String,
        pub key: String,
    }
}

xdr_struct! {
    /// `remote_nonnull_interface`.
    pub struct Iface {
        pub name: String,
        pub mac: String,
    }
}

xdr_struct! {
    /// `remote_nonnull_node_device`.
    pub struct NodeDev {
        pub name: String,
    }
}

xdr_struct! {
    /// `remote_nonnull_secret`.
    pub struct Secret {
        pub uuid: Uuid,
        pub usage_type: i32,
        pub usage_id: String,
    }
}

xdr_struct! {
    /// `remote_nonnull_nwfilter`.
    pub struct NwFilter {
        pub name: String,
        pub uuid: Uuid,
    }
}

xdr_struct! {
    /// `remote_nonnull_domain_snapshot`.
    pub struct Snap {
        pub name: String,
        pub dom: Dom,
    }
}

xdr_struct! {
    /// `remote_error`: what an error reply carries.
    pub struct RemoteError {
        pub code: i32,
        pub domain: i32,
        pub message: Option<String>,
        pub level: i32,
        pub dom: Option<Dom>,
        pub str1: Option<String>,
        pub str2: Option<String>,
        pub str3: Option<String>,
        pub int1: i32,
        pub int2: i32,
        pub net: Option<Net>,
    }
}

impl From<&rvirt_core::Error> for RemoteError {
    fn from(e: &rvirt_core::Error) -> RemoteError {
        RemoteError {
            code: e.code.0,
            domain: e.domain.0,
            message: Some(e.message.clone()),
            level: e.level.0,
            dom: None,
            str1: e.str1.clone(),
            str2: e.str2.clone(),
            str3: e.str3.clone(),
            int1: e.int1,
            int2: e.int2,
            net: None,
        }
    }
}

impl From<RemoteError> for rvirt_core::Error {
    fn from(r: RemoteError) -> rvirt_core::Error {
        rvirt_core::Error {
            code: rvirt_core::ErrorCode(r.code),
            domain: rvirt_core::ErrorDomain(r.domain),
            level: rvirt_core::ErrorLevel(r.level),
            message: r.message.unwrap_or_default(),
            str1: r.str1,
            str2: r.str2,
            str3: r.str3,
            int1: r.int1,
            int2: r.int2,
        }
    }
}

/// A typed parameter's value (`remote_typed_param_value`).
#[derive(Clone, Debug, PartialEq)]
pub enum TypedValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    String(String),
}

impl Default for TypedValue {
    fn default() -> TypedValue {
        TypedValue::Int(0)
    }
}

/// `remote_typed_param`: a named value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypedParam {
    pub field: String,
    pub value: TypedValue,
}

impl Xdr for TypedParam {
    fn encode(&self, w: &mut Writer) {
        w.string(&self.field);
        match &self.value {
            TypedValue::Int(v) => {
                w.i32(1);
                w.i32(*v);
            }
            TypedValue::UInt(v) => {
                w.i32(2);
                w.u32(*v);
            }
            TypedValue::LLong(v) => {
                w.i32(3);
                w.i64(*v);
            }
            TypedValue::ULLong(v) => {
                w.i32(4);
                w.u64(*v);
            }
            TypedValue::Double(v) => {
                w.i32(5);
                w.f64(*v);
            }
            TypedValue::Boolean(v) => {
                w.i32(6);
                w.i32(*v as i32);
            }
            TypedValue::String(v) => {
                w.i32(7);
                w.string(v);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<TypedParam, XdrError> {
        let field = r.string()?;
        let value = match r.i32()? {
            1 => TypedValue::Int(r.i32()?),
            2 => TypedValue::UInt(r.u32()?),
            3 => TypedValue::LLong(r.i64()?),
            4 => TypedValue::ULLong(r.u64()?),
            5 => TypedValue::Double(r.f64()?),
            6 => TypedValue::Boolean(r.i32()? != 0),
            7 => TypedValue::String(r.string()?),
            t => {
                return Err(XdrError::BadValue {
                    what: "typed parameter type",
                    value: t.into(),
                })
            }
        };
        Ok(TypedParam { field, value })
    }
    const MIN_SIZE: usize = 12;
}

xdr_struct! {
    /// `remote_node_get_cpu_stats` / `remote_node_get_memory_stats`.
    pub struct NodeStat {
        pub field: String,
        pub value: u64,
    }
}

xdr_struct! {
    /// `remote_vcpu_info`.
    pub struct VcpuInfo {
        pub number: u32,
        pub state: i32,
        pub cpu_time: u64,
        pub cpu: i32,
    }
}

xdr_struct! {
    /// `remote_domain_memory_stat`.
    pub struct MemoryStat {
        pub tag: i32,
        pub val: u64,
    }
}

xdr_struct! {
    /// `remote_domain_stats_record`.
    pub struct DomainStatsRecord {
        pub dom: Dom,
        pub params: Vec<TypedParam>,
    }
}

xdr_struct! {
    /// `remote_domain_ip_addr`.
    pub struct DomainIpAddr {
        pub r#type: i32,
        pub addr: String,
        pub prefix: u32,
    }
}

xdr_struct! {
    /// `remote_domain_interface`.
    pub struct DomainInterface {
        pub name: String,
        pub hwaddr: Option<String>,
        pub addrs: Vec<DomainIpAddr>,
    }
}

/// `remote_node_get_info_ret`: its `char model[32]` goes as 32 four-byte ints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeGetInfoRet {
    pub model: CharArray,
    pub memory: u64,
    pub cpus: i32,
    pub mhz: i32,
    pub nodes: i32,
    pub sockets: i32,
    pub cores: i32,
    pub threads: i32,
}

impl Xdr for NodeGetInfoRet {
    fn encode(&self, w: &mut Writer) {
        self.model.encode_fixed(w, 32);
        w.u64(self.memory);
        for v in [
            self.cpus,
            self.mhz,
            self.nodes,
            self.sockets,
            self.cores,
            self.threads,
        ] {
            w.i32(v);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<NodeGetInfoRet, XdrError> {
        Ok(NodeGetInfoRet {
            model: CharArray::decode_fixed(r, 32)?,
            memory: r.u64()?,
            cpus: r.i32()?,
            mhz: r.i32()?,
            nodes: r.i32()?,
            sockets: r.i32()?,
            cores: r.i32()?,
            threads: r.i32()?,
        })
    }
    const MIN_SIZE: usize = 160;
}

xdr_struct! {
    /// `remote_domain_get_job_info_ret`.
    pub struct DomainGetJobInfoRet {
        pub r#type: i32,
        pub time_elapsed: u64,
        pub time_remaining: u64,
        pub data_total: u64,
        pub data_processed: u64,
        pub data_remaining: u64,
        pub mem_total: u64,
        pub mem_processed: u64,
        pub mem_remaining: u64,
        pub file_total: u64,
        pub file_processed: u64,
        pub file_remaining: u64,
    }
}

xdr_struct! {
    /// `remote_domain_event_lifecycle_msg`.
    pub struct DomainEventLifecycleMsg {
        pub dom: Dom,
        pub event: i32,
        pub detail: i32,
    }
}

xdr_struct! {
    /// `remote_domain_event_callback_lifecycle_msg`.
    pub struct DomainEventCallbackLifecycleMsg {
        pub callback_id: i32,
        pub msg: DomainEventLifecycleMsg,
    }
}

xdr_struct! {
    /// `remote_domain_event_callback_reboot_msg`.
    pub struct DomainEventCallbackRebootMsg {
        pub callback_id: i32,
        pub dom: Dom,
    }
}

xdr_struct! {
    /// `remote_domain_event_callback_device_removed_msg`.
    pub struct DomainEventCallbackDeviceRemovedMsg {
        pub callback_id: i32,
        pub dom: Dom,
        pub dev_alias: String,
    }
}

xdr_struct! {
    /// `remote_connect_event_connection_closed_msg`.
    pub struct ConnectEventConnectionClosedMsg {
        pub reason: i32,
    }
}

xdr_struct! {
    /// `virNetStreamHole`: the body of a sparse stream's hole packet.
    pub struct StreamHole {
        pub length: i64,
        pub flags: u32,
    }
}

impl From<&rvirt_core::types::TypedParam> for TypedParam {
    fn from(p: &rvirt_core::types::TypedParam) -> TypedParam {
        use rvirt_core::types::TypedValue as V;
        TypedParam {
            field: p.field.clone(),
            value: match &p.value {
                V::Int(v) => TypedValue::Int(*v),
                V::UInt(v) => TypedValue::UInt(*v),
                V::LLong(v) => TypedValue::LLong(*v),
                V::ULLong(v) => TypedValue::ULLong(*v),
                V::Double(v) => TypedValue::Double(*v),
                V::Boolean(v) => TypedValue::Boolean(*v),
                V::String(v) => TypedValue::String(v.clone()),
            },
        }
    }
}

impl From<&TypedParam> for rvirt_core::types::TypedParam {
    fn from(p: &TypedParam) -> rvirt_core::types::TypedParam {
        use rvirt_core::types::TypedValue as V;
        rvirt_core::types::TypedParam {
            field: p.field.clone(),
            value: match &p.value {
                TypedValue::Int(v) => V::Int(*v),
                TypedValue::UInt(v) => V::UInt(*v),
                TypedValue::LLong(v) => V::LLong(*v),
                TypedValue::ULLong(v) => V::ULLong(*v),
                TypedValue::Double(v) => V::Double(*v),
                TypedValue::Boolean(v) => V::Boolean(*v),
                TypedValue::String(v) => V::String(v.clone()),
            },
        }
    }
}
