//! The storage driver's side of [`StorageDriver`]: one value per connection over the
//! daemon's shared pool table, so a connection's event registrations end with it.

use crate::state::{self, no_pool_uuid, no_vol, not_active, st_err, Pool, Shared, Vol};
use crate::stream::{Download, OnEnd, Upload};
use crate::{backend, diskpool, filevol, lvpool};
use rvirt_core::driver::StorageDriver;
use rvirt_core::event::{Event, EventCallback, EventFamily};
use rvirt_core::stream::DriverStream;
use rvirt_core::types::event::object_lifecycle as ev;
use rvirt_core::types::{pool_state, StoragePoolInfo, StorageVolInfo};
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result, StoragePoolRef, StorageVolRef};
use rvirt_xml::storage::{PoolDef, PoolType, VolDef, VolParseFlags, VolType};
use std::sync::{Arc, Mutex};

/// `virStoragePoolCreateFlags`.
const CREATE_WITH_BUILD: u32 = 1 << 0;
const CREATE_WITH_BUILD_OVERWRITE: u32 = 1 << 1;
const CREATE_WITH_BUILD_NO_OVERWRITE: u32 = 1 << 2;
/// `VIR_STORAGE_POOL_DEFINE_VALIDATE` and `VIR_STORAGE_VOL_CREATE_VALIDATE`.
const DEFINE_VALIDATE: u32 = 1 << 0;
const VOL_CREATE_VALIDATE: u32 = 1 << 2;
/// `VIR_STORAGE_VOL_GET_PHYSICAL`.
const GET_PHYSICAL: u32 = 1 << 0;
const SPARSE_STREAM: u32 = 1 << 0;

pub struct StorageConn {
    sh: Arc<Shared>,
    callbacks: Mutex<Vec<i32>>,
}

impl StorageConn {
    pub fn new(sh: Arc<Shared>) -> StorageConn {
        StorageConn {
            sh,
            callbacks: Mutex::new(Vec::new()),
        }
    }
}

impl Drop for StorageConn {
    fn drop(&mut self) {
        let ids = std::mem::take(&mut *self.callbacks.lock().unwrap_or_else(|p| p.into_inner()));
        for id in ids {
            self.sh.events.deregister(id);
        }
    }
}

fn pool_mut<'a>(t: &'a mut state::Table<'_>, r: &StoragePoolRef) -> Result<&'a mut Pool> {
    Shared::find_uuid(t, &r.uuid).ok_or_else(|| no_pool_uuid(r))
}

fn active_pool<'a>(t: &'a mut state::Table<'_>, r: &StoragePoolRef) -> Result<&'a mut Pool> {
    let p = pool_mut(t, r)?;
    if !p.active {
        return Err(not_active(&p.def.name));
    }
    Ok(p)
}

fn busy_jobs(p: &Pool) -> Result<()> {
    if p.jobs > 0 {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!("pool '{}' has asynchronous jobs running.", p.def.name),
        ));
    }
    Ok(())
}

/// The pool and index of a volume reference (its pool must be active).
fn vol_mut<'a>(t: &'a mut state::Table<'_>, r: &StorageVolRef) -> Result<(&'a mut Pool, usize)> {
    let p = t.iter_mut().find(|p| p.def.name == r.pool).ok_or_else(|| {
        st_err(
            ErrorCode::NO_STORAGE_POOL,
            format!("no storage pool with matching name '{}'", r.pool),
        )
    })?;
    if !p.active {
        return Err(not_active(&p.def.name));
    }
    let i = p.vol(&r.name).ok_or_else(|| no_vol("name", &r.name))?;
    Ok((p, i))
}

/// Info and XML show the file as it is now (a running guest writes into it), as
/// libvirt re-reads the volume for both. A file gone meanwhile keeps its last figures.
fn reread(p: &mut Pool, i: usize) {
    let dir = pool_dir(p);
    let _ = filevol::refresh(&mut p.vols[i].def, &dir, false);
}

fn not_busy(v: &Vol) -> Result<()> {
    if v.building {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!("volume '{}' is still being allocated.", v.def.name),
        ));
    }
    if v.in_use > 0 {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!("volume '{}' is still in use.", v.def.name),
        ));
    }
    Ok(())
}

fn pool_dir(p: &Pool) -> String {
    p.def.target_path.clone().unwrap_or_default()
}

impl StorageConn {
    /// Checks a new definition against the known pools; the index of the pool it
    /// redefines, if any.
    fn conflicts(t: &state::Table<'_>, def: &PoolDef) -> Result<Option<usize>> {
        if let Some(i) = t.iter().position(|p| p.def.uuid == def.uuid) {
            if t[i].def.name != def.name {
                return Err(st_err(
                    ErrorCode::OPERATION_FAILED,
                    format!(
                        "pool '{}' is already defined with uuid {}",
                        t[i].def.name,
                        def.uuid.hyphenated()
                    ),
                ));
            }
            return Ok(Some(i));
        }
        if let Some(p) = t.iter().find(|p| p.def.name == def.name) {
            return Err(st_err(
                ErrorCode::OPERATION_FAILED,
                format!(
                    "pool '{}' already exists with uuid {}",
                    def.name,
                    p.def.uuid.hyphenated()
                ),
            ));
        }
        if let Some(p) = t.iter().find(|p| backend::same_source(&p.def, def)) {
            return Err(st_err(
                ErrorCode::OPERATION_FAILED,
                format!("Storage source conflict with pool: '{}'", p.def.name),
            ));
        }
        Ok(None)
    }

    fn parse_pool(xml: &str) -> Result<PoolDef> {
        let def = PoolDef::parse(xml)?;
        if !backend::supported(def.pool_type) {
            return Err(backend::unsupported_type(def.pool_type));
        }
        Ok(def)
    }

    /// Runs a volume job outside the lock with `pool`'s job count held, then settles it
    /// under the lock again.
    fn vol_job<T>(
        &self,
        pool: uuid::Uuid,
        work: impl FnOnce() -> Result<T>,
        settle: impl FnOnce(&mut Pool, &Result<T>),
    ) -> Result<T> {
        let r = work();
        let mut t = self.sh.lock();
        if let Some(p) = Shared::find_uuid(&mut t, &pool) {
            p.jobs = p.jobs.saturating_sub(1);
            settle(p, &r);
            p.update_sizes();
        }
        r
    }
}

fn settle_new(name: String, dir: String) -> impl FnOnce(&mut Pool, &Result<()>) {
    move |p, r| {
        let Some(i) = p.vol(&name) else { return };
        if r.is_err() {
            p.vols.remove(i);
            return;
        }
        let v = &mut p.vols[i];
        v.building = false;
        let _ = filevol::refresh(&mut v.def, &dir, false);
    }
}

fn release_src(p: &mut Pool, src: &str) {
    if let Some(i) = p.vol(src) {
        p.vols[i].in_use = p.vols[i].in_use.saturating_sub(1);
    }
}

impl StorageDriver for StorageConn {
    fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePoolRef>> {
        use rvirt_core::types::flags::list_pools as L;
        let t = self.sh.lock();
        let pick = |a: u32, b: u32, x: bool| {
            flags & (a | b) == 0 || (flags & a != 0 && x) || (flags & b != 0 && !x)
        };
        let types = flags
            & !(L::ACTIVE
                | L::INACTIVE
                | L::PERSISTENT
                | L::TRANSIENT
                | L::AUTOSTART
                | L::NO_AUTOSTART);
        Ok(t.iter()
            .filter(|p| {
                pick(L::ACTIVE, L::INACTIVE, p.active)
                    && pick(L::PERSISTENT, L::TRANSIENT, p.persistent)
                    && pick(L::AUTOSTART, L::NO_AUTOSTART, p.autostart)
                    && (types == 0 || types & p.def.pool_type.list_flag() != 0)
            })
            .map(Pool::reference)
            .collect())
    }

    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        self.sh
            .lock()
            .iter()
            .find(|p| p.def.name == name)
            .map(Pool::reference)
            .ok_or_else(|| {
                st_err(
                    ErrorCode::NO_STORAGE_POOL,
                    format!("no storage pool with matching name '{name}'"),
                )
            })
    }

    fn storage_pool_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePoolRef> {
        self.sh
            .lock()
            .iter()
            .find(|p| p.def.uuid == *uuid)
            .map(Pool::reference)
            .ok_or_else(|| {
                st_err(
                    ErrorCode::NO_STORAGE_POOL,
                    format!("no storage pool with matching uuid '{}'", uuid.hyphenated()),
                )
            })
    }

    fn storage_pool_lookup_by_volume(&self, vol: &StorageVolRef) -> Result<StoragePoolRef> {
        self.storage_pool_lookup_by_name(&vol.pool)
    }

    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            DEFINE_VALIDATE,
            "storagePoolDefineXML",
        )?;
        let def = Self::parse_pool(xml)?;
        let mut t = self.sh.lock();
        let at = Self::conflicts(&t, &def)?;
        self.sh.save_config(&def)?;
        let i = match at {
            Some(i) => {
                let p = &mut t[i];
                if p.active {
                    p.next = Some(def);
                } else {
                    p.def = def;
                }
                p.persistent = true;
                i
            }
            None => {
                t.push(Pool {
                    def,
                    next: None,
                    active: false,
                    persistent: true,
                    autostart: false,
                    live_perms: None,
                    vols: Vec::new(),
                    jobs: 0,
                });
                t.len() - 1
            }
        };
        self.sh.emit(&t[i], ev::DEFINED);
        Ok(t[i].reference())
    }

    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE,
            "storagePoolCreateXML",
        )?;
        let def = Self::parse_pool(xml)?;
        let mut t = self.sh.lock();
        if let Some(i) = Self::conflicts(&t, &def)? {
            if t[i].active {
                return Err(Error::operation_invalid(
                    ErrorDomain::STORAGE,
                    format!("storage pool '{}' is already active", def.name),
                ));
            }
        }
        build_for_create(&def, flags)?;
        let mut p = Pool {
            def,
            next: None,
            active: false,
            persistent: false,
            autostart: false,
            live_perms: None,
            vols: Vec::new(),
            jobs: 0,
        };
        state::start_pool(&self.sh, &mut p)?;
        let r = p.reference();
        self.sh.emit(&p, ev::STARTED);
        t.push(p);
        Ok(r)
    }

    fn storage_pool_undefine(&self, pool: &StoragePoolRef) -> Result<()> {
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if !p.persistent {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("storage pool '{}' is not persistent", p.def.name),
            ));
        }
        if p.active {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("storage pool '{}' is still active", p.def.name),
            ));
        }
        busy_jobs(p)?;
        self.sh.delete_config(&p.def.name)?;
        self.sh.emit(p, ev::UNDEFINED);
        let uuid = p.def.uuid;
        t.retain(|p| p.def.uuid != uuid);
        Ok(())
    }

    fn storage_pool_create(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE,
            "storagePoolCreate",
        )?;
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if p.active {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("storage pool '{}' is already active", p.def.name),
            ));
        }
        build_for_create(&p.def, flags)?;
        state::start_pool(&self.sh, p)?;
        self.sh.emit(p, ev::STARTED);
        Ok(())
    }

    fn storage_pool_build(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            backend::BUILD_OVERWRITE | backend::BUILD_NO_OVERWRITE,
            "storagePoolBuild",
        )?;
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if p.active {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("storage pool '{}' is already active", p.def.name),
            ));
        }
        backend::build(&p.def, flags)?;
        self.sh.emit(p, ev::CREATED);
        Ok(())
    }

    fn storage_pool_destroy(&self, pool: &StoragePoolRef) -> Result<()> {
        let mut t = self.sh.lock();
        let p = active_pool(&mut t, pool)?;
        busy_jobs(p)?;
        if let Some(v) = p.vols.iter().find(|v| v.in_use > 0 || v.building) {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!(
                    "volume '{}' of pool '{}' is still in use.",
                    v.def.name, p.def.name
                ),
            ));
        }
        backend::stop(&p.def)?;
        p.active = false;
        p.vols.clear();
        p.live_perms = None;
        if let Some(n) = p.next.take() {
            p.def = n;
        }
        self.sh.remove_state(&p.def.name);
        self.sh.emit(p, ev::STOPPED);
        if !p.persistent {
            let uuid = p.def.uuid;
            t.retain(|p| p.def.uuid != uuid);
        }
        Ok(())
    }

    fn storage_pool_delete(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::STORAGE, flags, 0, "storagePoolDelete")?;
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if p.active {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("storage pool '{}' is still active", p.def.name),
            ));
        }
        backend::delete(&p.def)?;
        self.sh.emit(p, ev::DELETED);
        Ok(())
    }

    fn storage_pool_refresh(&self, pool: &StoragePoolRef, flags: u32) -> Result<()> {
        Error::check_flags(ErrorDomain::STORAGE, flags, 0, "storagePoolRefresh")?;
        let mut t = self.sh.lock();
        let p = active_pool(&mut t, pool)?;
        busy_jobs(p)?;
        state::refresh_pool(p);
        self.sh.events.emit(Event::PoolRefresh {
            pool: p.reference(),
        });
        Ok(())
    }

    fn storage_pool_get_info(&self, pool: &StoragePoolRef) -> Result<StoragePoolInfo> {
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if !p.active {
            return Ok(StoragePoolInfo {
                state: pool_state::INACTIVE,
                ..Default::default()
            });
        }
        Ok(StoragePoolInfo {
            state: pool_state::RUNNING,
            capacity: p.def.capacity,
            allocation: p.def.allocation,
            available: p.def.available,
        })
    }

    fn storage_pool_get_xml_desc(&self, pool: &StoragePoolRef, flags: u32) -> Result<String> {
        use rvirt_core::types::flags::storage_xml::INACTIVE;
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            INACTIVE,
            "storagePoolGetXMLDesc",
        )?;
        let mut t = self.sh.lock();
        Ok(pool_mut(&mut t, pool)?.xml(flags & INACTIVE != 0))
    }

    fn storage_pool_get_autostart(&self, pool: &StoragePoolRef) -> Result<bool> {
        let mut t = self.sh.lock();
        Ok(pool_mut(&mut t, pool)?.autostart)
    }

    fn storage_pool_set_autostart(&self, pool: &StoragePoolRef, autostart: bool) -> Result<()> {
        let mut t = self.sh.lock();
        let p = pool_mut(&mut t, pool)?;
        if !p.persistent {
            return Err(st_err(
                ErrorCode::INTERNAL_ERROR,
                "cannot set autostart for transient pool",
            ));
        }
        if p.autostart != autostart {
            self.sh.set_autostart_link(&p.def.name, autostart)?;
            p.autostart = autostart;
        }
        Ok(())
    }

    fn storage_pool_is_active(&self, pool: &StoragePoolRef) -> Result<bool> {
        let mut t = self.sh.lock();
        Ok(pool_mut(&mut t, pool)?.active)
    }

    fn storage_pool_is_persistent(&self, pool: &StoragePoolRef) -> Result<bool> {
        let mut t = self.sh.lock();
        Ok(pool_mut(&mut t, pool)?.persistent)
    }

    fn storage_pool_num_of_volumes(&self, pool: &StoragePoolRef) -> Result<i32> {
        let mut t = self.sh.lock();
        Ok(active_pool(&mut t, pool)?.vols.len() as i32)
    }

    fn storage_pool_list_all_volumes(
        &self,
        pool: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        Error::check_flags(ErrorDomain::STORAGE, flags, 0, "storagePoolListAllVolumes")?;
        let mut t = self.sh.lock();
        let p = active_pool(&mut t, pool)?;
        Ok(p.vols.iter().map(|v| p.vol_ref(v)).collect())
    }

    fn storage_vol_lookup_by_name(
        &self,
        pool: &StoragePoolRef,
        name: &str,
    ) -> Result<StorageVolRef> {
        let mut t = self.sh.lock();
        let p = active_pool(&mut t, pool)?;
        p.vol(name)
            .map(|i| p.vol_ref(&p.vols[i]))
            .ok_or_else(|| no_vol("name", name))
    }

    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        let t = self.sh.lock();
        t.iter()
            .filter(|p| p.active)
            .find_map(|p| {
                p.vols
                    .iter()
                    .find(|v| v.def.key.as_deref() == Some(key))
                    .map(|v| p.vol_ref(v))
            })
            .ok_or_else(|| no_vol("key", key))
    }

    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        let clean = clean_path(path);
        let t = self.sh.lock();
        t.iter()
            .filter(|p| p.active)
            .find_map(|p| {
                p.vols
                    .iter()
                    .find(|v| v.def.target.path.as_deref() == Some(clean.as_str()))
                    .map(|v| p.vol_ref(v))
            })
            .ok_or_else(|| no_vol("path", path))
    }

    fn storage_vol_create_xml(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> Result<StorageVolRef> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            filevol::PREALLOC_METADATA | VOL_CREATE_VALIDATE,
            "storageVolCreateXML",
        )?;
        let (def, uuid, dir, r) = {
            let mut t = self.sh.lock();
            let p = active_pool(&mut t, pool)?;
            let mut def = VolDef::parse(
                xml,
                p.def.pool_type,
                VolParseFlags {
                    no_capacity: false,
                    opt_capacity: true,
                },
            )?;
            if p.vol(&def.name).is_some() {
                return Err(st_err(
                    ErrorCode::STORAGE_VOL_EXIST,
                    format!("'{}'", def.name),
                ));
            }
            if p.def.pool_type == PoolType::Disk {
                let i = diskpool::create(p, &def)?;
                let r = p.vol_ref(&p.vols[i]);
                self.sh.save_state(p);
                return Ok(r);
            }
            if p.def.pool_type == PoolType::Logical {
                let i = lvpool::create(p, &def)?;
                return Ok(p.vol_ref(&p.vols[i]));
            }
            check_name(&def.name)?;
            place(p, &mut def);
            not_there(&def)?;
            let v = Vol {
                def: def.clone(),
                building: true,
                in_use: 0,
            };
            let r = p.vol_ref(&v);
            p.vols.push(v);
            p.jobs += 1;
            (def, p.def.uuid, pool_dir(p), r)
        };
        let name = def.name.clone();
        self.vol_job(uuid, || filevol::create(&def, flags), settle_new(name, dir))?;
        Ok(r)
    }

    fn storage_vol_create_xml_from(
        &self,
        pool: &StoragePoolRef,
        xml: &str,
        clone_of: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolRef> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            filevol::PREALLOC_METADATA | VOL_CREATE_VALIDATE,
            "storageVolCreateXMLFrom",
        )?;
        let (def, src, uuid, src_uuid, dir, r) = {
            let mut t = self.sh.lock();
            let (sp, si) = vol_mut(&mut t, clone_of)?;
            let src_uuid = sp.def.uuid;
            if sp.vols[si].building {
                return Err(Error::operation_invalid(
                    ErrorDomain::STORAGE,
                    format!("volume '{}' is still being allocated.", clone_of.name),
                ));
            }
            let src = sp.vols[si].def.clone();
            let p = active_pool(&mut t, pool)?;
            let mut def = VolDef::parse(
                xml,
                p.def.pool_type,
                VolParseFlags {
                    no_capacity: true,
                    opt_capacity: false,
                },
            )?;
            if p.vol(&def.name).is_some() {
                return Err(Error::internal(
                    ErrorDomain::STORAGE,
                    format!("storage volume name '{}' already in use.", def.name),
                ));
            }
            def.capacity = src.capacity;
            let src_path = src.target.path.clone().unwrap_or_default();
            if p.def.pool_type == PoolType::Disk {
                let i = diskpool::create_from(p, &def, &src_path)?;
                return Ok(p.vol_ref(&p.vols[i]));
            }
            if p.def.pool_type == PoolType::Logical {
                let i = lvpool::create_from(p, &def, &src_path)?;
                return Ok(p.vol_ref(&p.vols[i]));
            }
            check_name(&def.name)?;
            if def.backing_store.is_none() {
                def.backing_store = src.backing_store.clone();
            }
            place(p, &mut def);
            not_there(&def)?;
            let v = Vol {
                def: def.clone(),
                building: true,
                in_use: 0,
            };
            let r = p.vol_ref(&v);
            p.vols.push(v);
            p.jobs += 1;
            let (uuid, dir) = (p.def.uuid, pool_dir(p));
            if let Some(sp) = Shared::find_uuid(&mut t, &src_uuid) {
                if let Some(i) = sp.vol(&src.name) {
                    sp.vols[i].in_use += 1;
                }
            }
            (def, src, uuid, src_uuid, dir, r)
        };
        let name = def.name.clone();
        let res = self.vol_job(
            uuid,
            || filevol::create_from(&def, &src, flags),
            settle_new(name, dir),
        );
        let mut t = self.sh.lock();
        if let Some(sp) = Shared::find_uuid(&mut t, &src_uuid) {
            release_src(sp, &src.name);
        }
        res.map(|()| r)
    }

    fn storage_vol_delete(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        let ty = p.def.pool_type;
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            0,
            match ty {
                PoolType::Disk => "virStorageBackendDiskDeleteVol",
                PoolType::Logical => "virStorageBackendLogicalDeleteVol",
                _ => "virStorageBackendVolDeleteLocal",
            },
        )?;
        not_busy(&p.vols[i])?;
        match ty {
            PoolType::Disk => return diskpool::delete(p, i),
            PoolType::Logical => return lvpool::delete(p, i),
            _ => {}
        }
        filevol::delete(&p.vols[i].def)?;
        p.vols.remove(i);
        p.update_sizes();
        Ok(())
    }

    fn storage_vol_get_info(&self, vol: &StorageVolRef) -> Result<StorageVolInfo> {
        self.storage_vol_get_info_flags(vol, 0)
    }

    fn storage_vol_get_info_flags(
        &self,
        vol: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolInfo> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            GET_PHYSICAL,
            "storageVolGetInfoFlags",
        )?;
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        reread(p, i);
        let d = &p.vols[i].def;
        Ok(StorageVolInfo {
            kind: d.vol_type as i32,
            capacity: d.capacity,
            allocation: if flags & GET_PHYSICAL != 0 {
                d.physical
            } else {
                d.allocation
            },
        })
    }

    fn storage_vol_get_xml_desc(&self, vol: &StorageVolRef, flags: u32) -> Result<String> {
        Error::check_flags(ErrorDomain::STORAGE, flags, 0, "storageVolGetXMLDesc")?;
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        reread(p, i);
        Ok(p.vols[i].def.format())
    }

    fn storage_vol_get_path(&self, vol: &StorageVolRef) -> Result<String> {
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        Ok(p.vols[i].def.target.path.clone().unwrap_or_default())
    }

    fn storage_vol_resize(&self, vol: &StorageVolRef, capacity: u64, flags: u32) -> Result<()> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            filevol::RESIZE_ALLOCATE | filevol::RESIZE_DELTA | filevol::RESIZE_SHRINK,
            "storageVolResize",
        )?;
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        if matches!(p.def.pool_type, PoolType::Disk | PoolType::Logical) {
            return Err(diskpool::no_resize());
        }
        not_busy(&p.vols[i])?;
        let want = filevol::resize_target(&p.vols[i].def, capacity, flags, p.def.available)?;
        filevol::resize(&p.vols[i].def, want, flags)?;
        let dir = pool_dir(p);
        let _ = filevol::refresh(&mut p.vols[i].def, &dir, false);
        p.update_sizes();
        Ok(())
    }

    fn storage_vol_upload(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            SPARSE_STREAM,
            "storageVolUpload",
        )?;
        let (path, end) = self.hold(vol)?;
        let up = Upload::open(&path, offset, length, end)?;
        Ok(DriverStream::writer(Arc::new(up)).sparse(flags & SPARSE_STREAM != 0))
    }

    fn storage_vol_download(
        &self,
        vol: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            SPARSE_STREAM,
            "storageVolDownload",
        )?;
        let (path, end) = self.hold(vol)?;
        let down = Download::open(&path, offset, length, flags & SPARSE_STREAM != 0, end)?;
        Ok(DriverStream::reader(Arc::new(down)).sparse(flags & SPARSE_STREAM != 0))
    }

    fn storage_pool_event_register_any(
        &self,
        pool: Option<&StoragePoolRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        let id = self.sh.events.register(
            EventFamily::StoragePool,
            event_id,
            pool.map(|p| p.uuid),
            callback,
        );
        self.callbacks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id);
        Ok(id)
    }

    fn storage_pool_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        let mut ids = self.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        let Some(i) = ids.iter().position(|&x| x == callback_id) else {
            return Err(Error::new(
                ErrorDomain::STORAGE,
                ErrorCode::INVALID_ARG,
                Some(format!(
                    "could not find event callback {callback_id} for deletion"
                )),
            ));
        };
        ids.remove(i);
        self.sh.events.deregister(callback_id);
        Ok(())
    }

    fn connect_get_storage_pool_capabilities(&self, flags: u32) -> Result<String> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            0,
            "storageConnectGetStoragePoolCapabilities",
        )?;
        Ok(crate::caps::StoragePoolCaps::of_this_driver().to_xml())
    }

    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        _src: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Error::check_flags(
            ErrorDomain::STORAGE,
            flags,
            0,
            "storageConnectFindStoragePoolSources",
        )?;
        if kind == "logical" {
            return crate::logical::find_sources();
        }
        Err(st_err(
            ErrorCode::NO_SUPPORT,
            format!("pool type '{kind}' does not support source discovery"),
        ))
    }

    fn storage_vol_wipe(&self, vol: &StorageVolRef, flags: u32) -> Result<()> {
        self.storage_vol_wipe_pattern(vol, 0, flags)
    }

    fn storage_vol_wipe_pattern(
        &self,
        vol: &StorageVolRef,
        algorithm: u32,
        flags: u32,
    ) -> Result<()> {
        Error::check_flags(ErrorDomain::STORAGE, flags, 0, "storageVolWipePattern")?;
        let (path, alloc, uuid, name) = {
            let mut t = self.sh.lock();
            let (p, i) = vol_mut(&mut t, vol)?;
            not_busy(&p.vols[i])?;
            if p.vols[i].def.vol_type == VolType::Dir {
                return Err(st_err(
                    ErrorCode::NO_SUPPORT,
                    "cannot wipe a directory volume",
                ));
            }
            if p.def.pool_type == PoolType::Disk && diskpool::is_extended(&p.vols[i].def) {
                return Err(st_err(
                    ErrorCode::NO_SUPPORT,
                    format!(
                        "cannot wipe extended partition '{}'",
                        p.vols[i].def.target.path.as_deref().unwrap_or_default()
                    ),
                ));
            }
            p.vols[i].in_use += 1;
            p.jobs += 1;
            let path = p.vols[i].def.target.path.clone().unwrap_or_default();
            let alloc = p.vols[i].def.allocation;
            (path, alloc, p.def.uuid, p.vols[i].def.name.clone())
        };
        self.vol_job(
            uuid,
            || filevol::wipe(&path, algorithm, alloc),
            move |p, _| p.release_vol(&name),
        )
    }
}

impl StorageConn {
    /// Marks a volume in use by a stream; the returned hook releases and re-reads it.
    fn hold(&self, vol: &StorageVolRef) -> Result<(String, OnEnd)> {
        let mut t = self.sh.lock();
        let (p, i) = vol_mut(&mut t, vol)?;
        if p.vols[i].building {
            return Err(Error::operation_invalid(
                ErrorDomain::STORAGE,
                format!("volume '{}' is still being allocated.", vol.name),
            ));
        }
        p.vols[i].in_use += 1;
        let path = p.vols[i].def.target.path.clone().unwrap_or_default();
        let (sh, uuid, name) = (Arc::downgrade(&self.sh), p.def.uuid, vol.name.clone());
        let end = OnEnd::new(move || {
            let Some(sh) = sh.upgrade() else { return };
            let mut t = sh.lock();
            if let Some(p) = Shared::find_uuid(&mut t, &uuid) {
                p.release_vol(&name);
                p.update_sizes();
            }
        });
        Ok((path, end))
    }
}

fn build_for_create(def: &PoolDef, flags: u32) -> Result<()> {
    if flags & CREATE_WITH_BUILD_OVERWRITE != 0 && flags & CREATE_WITH_BUILD_NO_OVERWRITE != 0 {
        return backend::build(def, backend::BUILD_OVERWRITE | backend::BUILD_NO_OVERWRITE);
    }
    if flags & CREATE_WITH_BUILD_OVERWRITE != 0 {
        backend::build(def, backend::BUILD_OVERWRITE)
    } else if flags & CREATE_WITH_BUILD_NO_OVERWRITE != 0 {
        backend::build(def, backend::BUILD_NO_OVERWRITE)
    } else if flags & CREATE_WITH_BUILD != 0 {
        backend::build(def, 0)
    } else {
        Ok(())
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.contains('/') {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!("volume name '{name}' cannot contain '/'"),
        ));
    }
    Ok(())
}

/// A new file volume's path must be free: a file the pool does not list as a volume
/// (or `.`) is not overwritten.
fn not_there(v: &VolDef) -> Result<()> {
    let path = v.target.path.as_deref().unwrap_or_default();
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::operation_invalid(
            ErrorDomain::STORAGE,
            format!("volume target path '{path}' already exists"),
        ));
    }
    Ok(())
}

/// A new volume's place in the pool: path and key under the target directory.
fn place(p: &Pool, v: &mut VolDef) {
    let path = format!("{}/{}", pool_dir(p), v.name);
    v.vol_type = if matches!(
        v.target.format,
        Some(rvirt_xml::storage::VolFormat::File(
            rvirt_xml::storage::FileFormat::Dir
        ))
    ) {
        VolType::Dir
    } else {
        VolType::File
    };
    v.target.path = Some(path.clone());
    v.key = Some(path);
}

/// `//a/./b/` → `/a/b`, as libvirt tidies paths before comparing them.
fn clean_path(p: &str) -> String {
    let abs = p.starts_with('/');
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let j = parts.join("/");
    if abs {
        format!("/{j}")
    } else {
        j
    }
}
