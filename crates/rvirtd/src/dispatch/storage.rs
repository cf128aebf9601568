//! Storage pool and volume procedures.

use super::convert::{check_list_max, list_all, pool_in, pool_out, vol_in, vol_out};
use super::Table;
use crate::client::OpenedStream;
use rvirt_rpc::protocol::remote::*;

/// `REMOTE_STORAGE_POOL_LIST_MAX`.
const POOL_LIST_MAX: i32 = 16384;
/// `REMOTE_STORAGE_VOL_LIST_MAX`.
const VOL_LIST_MAX: i32 = 16384;

pub fn register(t: &mut Table) {
    register_pool_lists(t);
    register_pool_lifecycle(t);
    register_pool_info(t);
    register_volumes(t);
    register_transfers(t);
}

/// Volume upload and download: streams, sparse when the call's flag says so (as
/// libvirtd decides it from the flags).
fn register_transfers(t: &mut Table) {
    use rvirt::flags::{vol_download, vol_upload};
    t.add_stream::<StorageVolUpload>(|c, a| {
        let st = c.conn()?.new_stream(0)?;
        vol_in(c, &a.vol)?.upload(&st, a.offset, a.length, a.flags)?;
        let sparse = a.flags & vol_upload::SPARSE_STREAM != 0;
        Ok(((), OpenedStream::new(st, sparse)))
    });
    t.add_stream::<StorageVolDownload>(|c, a| {
        let st = c.conn()?.new_stream(0)?;
        vol_in(c, &a.vol)?.download(&st, a.offset, a.length, a.flags)?;
        let sparse = a.flags & vol_download::SPARSE_STREAM != 0;
        Ok(((), OpenedStream::new(st, sparse)))
    });
}

fn register_pool_lists(t: &mut Table) {
    t.add::<ConnectListAllStoragePools>(|c, a| {
        let pools = c.conn()?.list_all_storage_pools(a.flags)?;
        let (pools, ret) = list_all(&pools, a.need_results, pool_out);
        Ok(ConnectListAllStoragePoolsRet { pools, ret })
    });
    t.add::<ConnectNumOfStoragePools>(|c, ()| {
        Ok(ConnectNumOfStoragePoolsRet {
            num: c.conn()?.num_of_storage_pools()?,
        })
    });
    t.add::<ConnectListStoragePools>(|c, a| {
        check_list_max(
            a.maxnames,
            POOL_LIST_MAX,
            "maxnames",
            "REMOTE_STORAGE_POOL_LIST_MAX",
        )?;
        Ok(ConnectListStoragePoolsRet {
            names: c.conn()?.list_storage_pools(a.maxnames)?,
        })
    });
    t.add::<ConnectNumOfDefinedStoragePools>(|c, ()| {
        Ok(ConnectNumOfDefinedStoragePoolsRet {
            num: c.conn()?.num_of_defined_storage_pools()?,
        })
    });
    t.add::<ConnectListDefinedStoragePools>(|c, a| {
        check_list_max(
            a.maxnames,
            POOL_LIST_MAX,
            "maxnames",
            "REMOTE_STORAGE_POOL_LIST_MAX",
        )?;
        Ok(ConnectListDefinedStoragePoolsRet {
            names: c.conn()?.list_defined_storage_pools(a.maxnames)?,
        })
    });
    t.add::<ConnectFindStoragePoolSources>(|c, a| {
        Ok(ConnectFindStoragePoolSourcesRet {
            xml: c
                .conn()?
                .find_storage_pool_sources(&a.r#type, a.src_spec.as_deref(), a.flags)?,
        })
    });
    t.add::<ConnectGetStoragePoolCapabilities>(|c, a| {
        Ok(ConnectGetStoragePoolCapabilitiesRet {
            capabilities: c.conn()?.storage_pool_capabilities(a.flags)?,
        })
    });
    t.add::<StoragePoolLookupByName>(|c, a| {
        Ok(StoragePoolLookupByNameRet {
            pool: pool_out(&c.conn()?.storage_pool_lookup_by_name(&a.name)?),
        })
    });
    t.add::<StoragePoolLookupByUuid>(|c, a| {
        Ok(StoragePoolLookupByUuidRet {
            pool: pool_out(&c.conn()?.storage_pool_lookup_by_uuid(&a.uuid)?),
        })
    });
    t.add::<StoragePoolLookupByVolume>(|c, a| {
        Ok(StoragePoolLookupByVolumeRet {
            pool: pool_out(&vol_in(c, &a.vol)?.pool()?),
        })
    });
}

fn register_pool_lifecycle(t: &mut Table) {
    t.add::<StoragePoolDefineXml>(|c, a| {
        Ok(StoragePoolDefineXmlRet {
            pool: pool_out(&c.conn()?.storage_pool_define_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<StoragePoolCreateXml>(|c, a| {
        Ok(StoragePoolCreateXmlRet {
            pool: pool_out(&c.conn()?.storage_pool_create_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<StoragePoolCreate>(|c, a| pool_in(c, &a.pool)?.create(a.flags));
    t.add::<StoragePoolBuild>(|c, a| pool_in(c, &a.pool)?.build(a.flags));
    t.add::<StoragePoolDestroy>(|c, a| pool_in(c, &a.pool)?.destroy());
    t.add::<StoragePoolDelete>(|c, a| pool_in(c, &a.pool)?.delete(a.flags));
    t.add::<StoragePoolUndefine>(|c, a| pool_in(c, &a.pool)?.undefine());
    t.add::<StoragePoolRefresh>(|c, a| pool_in(c, &a.pool)?.refresh(a.flags));
    t.add::<StoragePoolSetAutostart>(|c, a| pool_in(c, &a.pool)?.set_autostart(a.autostart != 0));
}

fn register_pool_info(t: &mut Table) {
    t.add::<StoragePoolGetInfo>(|c, a| {
        let i = pool_in(c, &a.pool)?.info()?;
        Ok(StoragePoolGetInfoRet {
            state: i.state as u32,
            capacity: i.capacity,
            allocation: i.allocation,
            available: i.available,
        })
    });
    t.add::<StoragePoolGetXmlDesc>(|c, a| {
        Ok(StoragePoolGetXmlDescRet {
            xml: pool_in(c, &a.pool)?.xml_desc(a.flags)?,
        })
    });
    t.add::<StoragePoolGetAutostart>(|c, a| {
        Ok(StoragePoolGetAutostartRet {
            autostart: pool_in(c, &a.pool)?.autostart()? as i32,
        })
    });
    t.add::<StoragePoolIsActive>(|c, a| {
        Ok(StoragePoolIsActiveRet {
            active: pool_in(c, &a.pool)?.is_active()? as i32,
        })
    });
    t.add::<StoragePoolIsPersistent>(|c, a| {
        Ok(StoragePoolIsPersistentRet {
            persistent: pool_in(c, &a.pool)?.is_persistent()? as i32,
        })
    });
    t.add::<StoragePoolNumOfVolumes>(|c, a| {
        Ok(StoragePoolNumOfVolumesRet {
            num: pool_in(c, &a.pool)?.num_of_volumes()?,
        })
    });
    t.add::<StoragePoolListVolumes>(|c, a| {
        check_list_max(
            a.maxnames,
            VOL_LIST_MAX,
            "maxnames",
            "REMOTE_STORAGE_VOL_LIST_MAX",
        )?;
        Ok(StoragePoolListVolumesRet {
            names: pool_in(c, &a.pool)?.list_volumes(a.maxnames)?,
        })
    });
    t.add::<StoragePoolListAllVolumes>(|c, a| {
        let vols = pool_in(c, &a.pool)?.list_all_volumes(a.flags)?;
        let (vols, ret) = list_all(&vols, a.need_results, vol_out);
        Ok(StoragePoolListAllVolumesRet { vols, ret })
    });
}

fn register_volumes(t: &mut Table) {
    t.add::<StorageVolLookupByName>(|c, a| {
        Ok(StorageVolLookupByNameRet {
            vol: vol_out(&pool_in(c, &a.pool)?.vol_lookup_by_name(&a.name)?),
        })
    });
    t.add::<StorageVolLookupByKey>(|c, a| {
        Ok(StorageVolLookupByKeyRet {
            vol: vol_out(&c.conn()?.storage_vol_lookup_by_key(&a.key)?),
        })
    });
    t.add::<StorageVolLookupByPath>(|c, a| {
        Ok(StorageVolLookupByPathRet {
            vol: vol_out(&c.conn()?.storage_vol_lookup_by_path(&a.path)?),
        })
    });
    t.add::<StorageVolCreateXml>(|c, a| {
        Ok(StorageVolCreateXmlRet {
            vol: vol_out(&pool_in(c, &a.pool)?.vol_create_xml(&a.xml, a.flags)?),
        })
    });
    t.add::<StorageVolCreateXmlFrom>(|c, a| {
        let pool = pool_in(c, &a.pool)?;
        let from = vol_in(c, &a.clonevol)?;
        Ok(StorageVolCreateXmlFromRet {
            vol: vol_out(&pool.vol_create_xml_from(&a.xml, &from, a.flags)?),
        })
    });
    t.add::<StorageVolDelete>(|c, a| vol_in(c, &a.vol)?.delete(a.flags));
    t.add::<StorageVolWipe>(|c, a| vol_in(c, &a.vol)?.wipe(a.flags));
    t.add::<StorageVolWipePattern>(|c, a| vol_in(c, &a.vol)?.wipe_pattern(a.algorithm, a.flags));
    t.add::<StorageVolGetInfoFlags>(|c, a| {
        let i = vol_in(c, &a.vol)?.info_flags(a.flags)?;
        Ok(StorageVolGetInfoFlagsRet {
            r#type: i.kind,
            capacity: i.capacity,
            allocation: i.allocation,
        })
    });
    t.add::<StorageVolResize>(|c, a| vol_in(c, &a.vol)?.resize(a.capacity, a.flags));
    t.add::<StorageVolGetInfo>(|c, a| {
        let i = vol_in(c, &a.vol)?.info()?;
        Ok(StorageVolGetInfoRet {
            r#type: i.kind,
            capacity: i.capacity,
            allocation: i.allocation,
        })
    });
    t.add::<StorageVolGetXmlDesc>(|c, a| {
        Ok(StorageVolGetXmlDescRet {
            xml: vol_in(c, &a.vol)?.xml_desc(a.flags)?,
        })
    });
    t.add::<StorageVolGetPath>(|c, a| {
        Ok(StorageVolGetPathRet {
            name: vol_in(c, &a.vol)?.path()?,
        })
    });
}
