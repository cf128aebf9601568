//! Storage pools and volumes of the test driver: every pool reports 100 GiB and volumes
//! are bookkeeping only (no files are created).

use crate::domain::Events;
use crate::state::{DriverState, PoolObj, VolObj};
use rvirt_core::event::Event;
use rvirt_core::types::event::object_lifecycle as ev;
use rvirt_core::types::flags::list_pools as L;
use rvirt_core::types::{pool_state, StoragePoolInfo, StorageVolInfo};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, StoragePoolRef, StorageVolRef};
use rvirt_xml::storage::{PoolDef, PoolType, VolDef, VolParseFlags, VolType};

/// What the test driver reports for every pool.
pub const POOL_CAPACITY: u64 = 107_374_182_400;

fn event(p: &PoolObj, e: i32) -> Event {
    Event::PoolLifecycle {
        pool: p.reference(),
        event: e,
        detail: 0,
    }
}

/// Gives a pool definition the test driver's fixed sizes.
pub fn fake_sizes(def: &mut PoolDef) {
    def.capacity = POOL_CAPACITY;
    def.allocation = 0;
    def.available = POOL_CAPACITY;
}

/// The volume type a pool of `t` holds.
pub fn vol_type_for(t: PoolType) -> VolType {
    match t {
        PoolType::Dir | PoolType::Fs | PoolType::Netfs | PoolType::Vstorage => VolType::File,
        PoolType::Sheepdog | PoolType::IscsiDirect | PoolType::Gluster | PoolType::Rbd => {
            VolType::Network
        }
        _ => VolType::Block,
    }
}

/// libvirt's list filters for `virConnectListAllStoragePools`.
pub fn matches(p: &PoolObj, f: u32) -> bool {
    let pick =
        |a: u32, b: u32, x: bool| f & (a | b) == 0 || (f & a != 0 && x) || (f & b != 0 && !x);
    let types = f & !(L::ACTIVE
        | L::INACTIVE
        | L::PERSISTENT
        | L::TRANSIENT
        | L::AUTOSTART
        | L::NO_AUTOSTART);
    pick(L::ACTIVE, L::INACTIVE, p.active)
        && pick(L::PERSISTENT, L::TRANSIENT, p.persistent)
        && pick(L::AUTOSTART, L::NO_AUTOSTART, p.autostart)
        && (types == 0 || types & p.def.pool_type.list_flag() != 0)
}

/// Completes a volume for pool `p`: path under the pool target, key = path, type.
pub fn place_volume(p: &PoolDef, v: &mut VolDef, keep_path: bool) {
    v.vol_type = vol_type_for(p.pool_type);
    if !keep_path || v.target.path.is_none() {
        let base = p.target_path.clone().unwrap_or_default();
        v.target.path = Some(format!("{base}/{}", v.name));
    }
    if v.key.is_none() || !keep_path {
        v.key = v.target.path.clone();
    }
}

fn vol_ref(p: &PoolObj, v: &VolObj) -> StorageVolRef {
    StorageVolRef {
        pool: p.def.name.clone(),
        name: v.def.name.clone(),
        key: v.def.key.clone().unwrap_or_default(),
    }
}

impl DriverState {
    pub fn pool_index(&self, r: &StoragePoolRef) -> Result<usize> {
        self.pools
            .iter()
            .position(|p| p.def.uuid == r.uuid)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_STORAGE_POOL,
                    Some(format!(
                        "no storage pool with matching uuid '{}' ({})",
                        r.uuid.hyphenated(),
                        r.name
                    )),
                )
            })
    }

    fn pool_active(&self, r: &StoragePoolRef) -> Result<usize> {
        let i = self.pool_index(r)?;
        if !self.pools[i].active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("storage pool '{}' is not active", self.pools[i].def.name),
            ));
        }
        Ok(i)
    }

    fn pool_inactive(&self, r: &StoragePoolRef) -> Result<usize> {
        let i = self.pool_index(r)?;
        if self.pools[i].active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("storage pool '{}' is active", self.pools[i].def.name),
            ));
        }
        Ok(i)
    }

    pub fn pool_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        self.pools
            .iter()
            .find(|p| p.def.name == name)
            .map(PoolObj::reference)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_STORAGE_POOL,
                    Some(format!("no storage pool with matching name '{name}'")),
                )
            })
    }

    pub fn pool_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePoolRef> {
        self.pools
            .iter()
            .find(|p| p.def.uuid == *uuid)
            .map(PoolObj::reference)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_STORAGE_POOL,
                    Some(format!(
                        "no storage pool with matching uuid '{}'",
                        uuid.hyphenated()
                    )),
                )
            })
    }

    fn pool_conflicts(&self, def: &PoolDef) -> Result<Option<usize>> {
        if let Some(i) = self.pools.iter().position(|p| p.def.uuid == def.uuid) {
            if self.pools[i].def.name != def.name {
                return Err(Error::new(
                    ErrorDomain::STORAGE,
                    ErrorCode::OPERATION_FAILED,
                    Some(format!(
                        "pool '{}' is already defined with uuid {}",
                        self.pools[i].def.name,
                        def.uuid.hyphenated()
                    )),
                ));
            }
            return Ok(Some(i));
        }
        if let Some(p) = self.pools.iter().find(|p| p.def.name == def.name) {
            return Err(Error::new(
                ErrorDomain::STORAGE,
                ErrorCode::OPERATION_FAILED,
                Some(format!(
                    "pool '{}' already exists with uuid {}",
                    def.name,
                    p.def.uuid.hyphenated()
                )),
            ));
        }
        Ok(None)
    }

    pub fn pool_define(&mut self, xml: &str, flags: u32) -> Result<(StoragePoolRef, Events)> {
        Error::check_flags(ErrorDomain::TEST, flags, 1, "testStoragePoolDefineXML")?;
        let mut def = PoolDef::parse(xml)?;
        fake_sizes(&mut def);
        let i = match self.pool_conflicts(&def)? {
            Some(i) => {
                let p = &mut self.pools[i];
                def.allocation = p.def.allocation;
                def.available = p.def.available;
                p.def = def;
                p.persistent = true;
                i
            }
            None => {
                self.pools.push(PoolObj {
                    def,
                    active: false,
                    persistent: true,
                    autostart: false,
                    volumes: Vec::new(),
                });
                self.pools.len() - 1
            }
        };
        let p = &self.pools[i];
        Ok((p.reference(), vec![event(p, ev::DEFINED)]))
    }

    pub fn pool_create_xml(&mut self, xml: &str, flags: u32) -> Result<(StoragePoolRef, Events)> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStoragePoolCreateXML")?;
        let mut def = PoolDef::parse(xml)?;
        fake_sizes(&mut def);
        let i = match self.pool_conflicts(&def)? {
            Some(i) => {
                if self.pools[i].active {
                    return Err(Error::operation_invalid(
                        ErrorDomain::STORAGE,
                        format!("pool is already active as '{}'", def.name),
                    ));
                }
                self.pools[i].def = def;
                self.pools[i].active = true;
                i
            }
            None => {
                self.pools.push(PoolObj {
                    def,
                    active: true,
                    persistent: false,
                    autostart: false,
                    volumes: Vec::new(),
                });
                self.pools.len() - 1
            }
        };
        let p = &self.pools[i];
        Ok((p.reference(), vec![event(p, ev::STARTED)]))
    }

    pub fn pool_start(&mut self, r: &StoragePoolRef, flags: u32) -> Result<Events> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStoragePoolCreate")?;
        let i = self.pool_inactive(r)?;
        self.pools[i].active = true;
        Ok(vec![event(&self.pools[i], ev::STARTED)])
    }

    pub fn pool_destroy(&mut self, r: &StoragePoolRef) -> Result<Events> {
        let i = self.pool_active(r)?;
        self.pools[i].active = false;
        let e = event(&self.pools[i], ev::STOPPED);
        if !self.pools[i].persistent {
            self.pools.remove(i);
        }
        Ok(vec![e])
    }

    pub fn pool_undefine(&mut self, r: &StoragePoolRef) -> Result<Events> {
        let i = self.pool_inactive(r)?;
        let e = event(&self.pools[i], ev::UNDEFINED);
        self.pools.remove(i);
        Ok(vec![e])
    }

    /// Build and delete only check the state in the test driver.
    pub fn pool_build_or_delete(
        &mut self,
        r: &StoragePoolRef,
        flags: u32,
        name: &str,
    ) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 7, name)?;
        self.pool_inactive(r).map(|_| ())
    }

    pub fn pool_refresh(&mut self, r: &StoragePoolRef, flags: u32) -> Result<Events> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStoragePoolRefresh")?;
        let i = self.pool_active(r)?;
        Ok(vec![Event::PoolRefresh {
            pool: self.pools[i].reference(),
        }])
    }

    pub fn pool_info(&self, r: &StoragePoolRef) -> Result<StoragePoolInfo> {
        let i = self.pool_index(r)?;
        let p = &self.pools[i];
        Ok(StoragePoolInfo {
            state: if p.active {
                pool_state::RUNNING
            } else {
                pool_state::INACTIVE
            },
            capacity: p.def.capacity,
            allocation: p.def.allocation,
            available: p.def.available,
        })
    }

    pub fn pool_xml(&self, r: &StoragePoolRef, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStoragePoolGetXMLDesc")?;
        Ok(self.pools[self.pool_index(r)?].def.format())
    }

    pub fn pool_set_autostart(&mut self, r: &StoragePoolRef, on: bool) -> Result<()> {
        let i = self.pool_index(r)?;
        if !self.pools[i].persistent {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::INVALID_ARG,
                Some("pool has no config file".to_string()),
            ));
        }
        self.pools[i].autostart = on;
        Ok(())
    }

    pub fn pool_volumes(&self, r: &StoragePoolRef) -> Result<Vec<StorageVolRef>> {
        let i = self.pool_index(r)?;
        let p = &self.pools[i];
        if !p.active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                "storage pool is not active",
            ));
        }
        Ok(p.volumes.iter().map(|v| vol_ref(p, v)).collect())
    }

    pub fn pool_num_volumes(&self, r: &StoragePoolRef) -> Result<i32> {
        let i = self.pool_active(r)?;
        Ok(self.pools[i].volumes.len() as i32)
    }

    fn no_vol(what: &str, value: &str) -> Error {
        Error::new(
            ErrorDomain::TEST,
            ErrorCode::NO_STORAGE_VOL,
            Some(format!("no storage vol with matching {what} '{value}'")),
        )
    }

    pub fn vol_by_name(&self, r: &StoragePoolRef, name: &str) -> Result<StorageVolRef> {
        let i = self.pool_active(r)?;
        let p = &self.pools[i];
        p.volumes
            .iter()
            .find(|v| v.def.name == name)
            .map(|v| vol_ref(p, v))
            .ok_or_else(|| Self::no_vol("name", name))
    }

    pub fn vol_by_key_or_path(&self, value: &str, by_key: bool) -> Result<StorageVolRef> {
        for p in self.pools.iter().filter(|p| p.active) {
            for v in &p.volumes {
                let hit = if by_key {
                    v.def.key.as_deref() == Some(value)
                } else {
                    v.def.target.path.as_deref() == Some(value)
                };
                if hit {
                    return Ok(vol_ref(p, v));
                }
            }
        }
        Err(Self::no_vol(if by_key { "key" } else { "path" }, value))
    }

    /// The (pool, volume) indexes a volume reference names, requiring an active pool.
    fn vol_index(&self, r: &StorageVolRef) -> Result<(usize, usize)> {
        let pi = self
            .pools
            .iter()
            .position(|p| p.def.name == r.pool)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_STORAGE_POOL,
                    Some(format!("no storage pool with matching name '{}'", r.pool)),
                )
            })?;
        if !self.pools[pi].active {
            return Err(Error::operation_invalid(
                ErrorDomain::TEST,
                format!("storage pool '{}' is not active", r.pool),
            ));
        }
        let vi = self.pools[pi]
            .volumes
            .iter()
            .position(|v| v.def.name == r.name)
            .ok_or_else(|| Self::no_vol("name", &r.name))?;
        Ok((pi, vi))
    }

    pub fn vol_create(
        &mut self,
        r: &StoragePoolRef,
        xml: &str,
        clone_of: Option<&StorageVolRef>,
        flags: u32,
    ) -> Result<StorageVolRef> {
        let f = if clone_of.is_some() {
            "testStorageVolCreateXMLFrom"
        } else {
            "testStorageVolCreateXML"
        };
        Error::check_flags(ErrorDomain::TEST, flags, 4, f)?;
        let pi = self.pool_active(r)?;
        let ptype = self.pools[pi].def.pool_type;
        let mut def = VolDef::parse(xml, ptype, VolParseFlags::default())?;
        if let Some(src) = clone_of {
            self.vol_index(src)?;
        }
        let p = &mut self.pools[pi];
        if p.volumes.iter().any(|v| v.def.name == def.name) {
            return Err(Error::new(
                ErrorDomain::TEST,
                ErrorCode::OPERATION_FAILED,
                Some("storage vol already exists".to_string()),
            ));
        }
        if p.def.allocation + def.allocation > p.def.capacity {
            return Err(Error::internal(
                ErrorDomain::TEST,
                format!("Not enough free space in pool for volume '{}'", def.name),
            ));
        }
        place_volume(&p.def, &mut def, false);
        p.def.allocation += def.allocation;
        p.def.available = p.def.capacity - p.def.allocation;
        let obj = VolObj { def };
        let vr = vol_ref(p, &obj);
        p.volumes.push(obj);
        Ok(vr)
    }

    pub fn vol_delete(&mut self, r: &StorageVolRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStorageVolDelete")?;
        let (pi, vi) = self.vol_index(r)?;
        let p = &mut self.pools[pi];
        let v = p.volumes.remove(vi);
        p.def.allocation = p.def.allocation.saturating_sub(v.def.allocation);
        p.def.available = p.def.capacity - p.def.allocation;
        Ok(())
    }

    pub fn vol_info(&self, r: &StorageVolRef) -> Result<StorageVolInfo> {
        let (pi, vi) = self.vol_index(r)?;
        let v = &self.pools[pi].volumes[vi].def;
        Ok(StorageVolInfo {
            kind: v.vol_type as i32,
            capacity: v.capacity,
            allocation: v.allocation,
        })
    }

    pub fn vol_xml(&self, r: &StorageVolRef, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::TEST, flags, 0, "testStorageVolGetXMLDesc")?;
        let (pi, vi) = self.vol_index(r)?;
        Ok(self.pools[pi].volumes[vi].def.format())
    }

    pub fn vol_path(&self, r: &StorageVolRef) -> Result<String> {
        let (pi, vi) = self.vol_index(r)?;
        Ok(self.pools[pi].volumes[vi]
            .def
            .target
            .path
            .clone()
            .unwrap_or_default())
    }

    pub fn vol_pool(&self, r: &StorageVolRef) -> Result<StoragePoolRef> {
        self.pools
            .iter()
            .find(|p| p.def.name == r.pool && p.active)
            .map(PoolObj::reference)
            .ok_or_else(|| {
                Error::new(
                    ErrorDomain::TEST,
                    ErrorCode::NO_STORAGE_POOL,
                    Some(format!("no storage pool with matching name '{}'", r.pool)),
                )
            })
    }
}

/// What the test driver "discovers" for `logical` pools.
const LOGICAL_SOURCES: &str = "<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
";

/// `virConnectFindStoragePoolSources` as libvirt 9.0's test driver answers it: fixed
/// documents for `logical` and (given a host) `netfs` pools, "not supported" for other
/// types. `dir`, the first pool type, is refused as unknown (libvirt tests the type number
/// for zero).
pub fn find_pool_sources(kind: &str, src_spec: Option<&str>, flags: u32) -> Result<String> {
    Error::check_flags(
        ErrorDomain::TEST,
        flags,
        0,
        "testConnectFindStoragePoolSources",
    )?;
    let ty = <PoolType as rvirt_xml::XmlEnum>::from_xml(kind);
    if ty == Some(PoolType::Dir) {
        return Err(Error::internal(
            ErrorDomain::TEST,
            format!("unknown storage pool type {kind}"),
        ));
    }
    let source = match src_spec {
        None => None,
        Some(spec) => {
            let root =
                rvirt_xml::parse_document(spec, "storage_source_specification").map_err(|e| {
                    let mut e: Error = e.into();
                    e.domain = ErrorDomain::STORAGE;
                    e
                })?;
            if root.name != "source" {
                return Err(Error::new(
                    ErrorDomain::XML,
                    ErrorCode::XML_ERROR,
                    Some(format!(
                        "expecting root element of 'source', not '{}'",
                        root.name
                    )),
                ));
            }
            let Some(ty) = ty else {
                return Err(Error::internal(
                    ErrorDomain::STORAGE,
                    "missing backend for pool type -1",
                ));
            };
            Some(rvirt_xml::storage::PoolSource::parse(&root, ty)?)
        }
    };
    match ty {
        Some(PoolType::Logical) => Ok(LOGICAL_SOURCES.to_string()),
        Some(PoolType::Netfs) => {
            // libvirt reads the first host without checking there is one; the test driver
            // then crashes. A missing host is reported like a missing source.
            let host = source
                .as_ref()
                .and_then(|s| s.hosts.first())
                .map(|h| h.name.clone())
                .ok_or_else(|| {
                    Error::new(
                        ErrorDomain::TEST,
                        ErrorCode::INVALID_ARG,
                        Some("hostname must be specified for netfs sources".to_string()),
                    )
                })?;
            Ok(format!(
                "<sources>\n  <source>\n    <host name='{host}'/>\n    <dir path='/testshare'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n"
            ))
        }
        _ => Err(Error::new(
            ErrorDomain::TEST,
            ErrorCode::NO_SUPPORT,
            Some(format!(
                "pool type '{kind}' does not support source discovery"
            )),
        )),
    }
}
