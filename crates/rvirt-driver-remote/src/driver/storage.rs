//! Storage pools and volumes over the wire.

use super::{yes, Remote, StreamDir};
use crate::convert::*;
use crate::events::Remote as RemoteKey;
use rvirt_core::driver::StorageDriver;
use rvirt_core::event::{EventCallback, EventFamily};
use rvirt_core::refs::*;
use rvirt_core::stream::DriverStream;
use rvirt_core::types::{StoragePoolInfo, StorageVolInfo};
use rvirt_core::Result;
use rvirt_rpc::protocol::remote::*;

impl StorageDriver for Remote {
    fn connect_list_all_storage_pools(&self, flags: u32) -> Result<Vec<StoragePoolRef>> {
        let r = self.call::<ConnectListAllStoragePools>(ConnectListAllStoragePoolsArgs {
            need_results: 1,
            flags,
        })?;
        Ok(r.pools.into_iter().map(pool_ref).collect())
    }
    fn storage_pool_lookup_by_name(&self, name: &str) -> Result<StoragePoolRef> {
        Ok(pool_ref(
            self.call::<StoragePoolLookupByName>(StoragePoolLookupByNameArgs {
                name: name.to_string(),
            })?
            .pool,
        ))
    }
    fn storage_pool_lookup_by_uuid(&self, uuid: &uuid::Uuid) -> Result<StoragePoolRef> {
        Ok(pool_ref(
            self.call::<StoragePoolLookupByUuid>(StoragePoolLookupByUuidArgs { uuid: *uuid })?
                .pool,
        ))
    }
    fn storage_pool_lookup_by_volume(&self, v: &StorageVolRef) -> Result<StoragePoolRef> {
        Ok(pool_ref(
            self.call::<StoragePoolLookupByVolume>(StoragePoolLookupByVolumeArgs { vol: vol(v) })?
                .pool,
        ))
    }
    fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        Ok(pool_ref(
            self.call::<StoragePoolDefineXml>(StoragePoolDefineXmlArgs {
                xml: xml.to_string(),
                flags,
            })?
            .pool,
        ))
    }
    fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<StoragePoolRef> {
        Ok(pool_ref(
            self.call::<StoragePoolCreateXml>(StoragePoolCreateXmlArgs {
                xml: xml.to_string(),
                flags,
            })?
            .pool,
        ))
    }
    fn storage_pool_undefine(&self, p: &StoragePoolRef) -> Result<()> {
        self.call::<StoragePoolUndefine>(StoragePoolUndefineArgs { pool: pool(p) })
    }
    fn storage_pool_create(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.call::<StoragePoolCreate>(StoragePoolCreateArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_build(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.call::<StoragePoolBuild>(StoragePoolBuildArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_destroy(&self, p: &StoragePoolRef) -> Result<()> {
        self.call::<StoragePoolDestroy>(StoragePoolDestroyArgs { pool: pool(p) })
    }
    fn storage_pool_delete(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.call::<StoragePoolDelete>(StoragePoolDeleteArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_refresh(&self, p: &StoragePoolRef, flags: u32) -> Result<()> {
        self.call::<StoragePoolRefresh>(StoragePoolRefreshArgs {
            pool: pool(p),
            flags,
        })
    }
    fn storage_pool_get_info(&self, p: &StoragePoolRef) -> Result<StoragePoolInfo> {
        let r = self.call::<StoragePoolGetInfo>(StoragePoolGetInfoArgs { pool: pool(p) })?;
        Ok(StoragePoolInfo {
            state: r.state as i32,
            capacity: r.capacity,
            allocation: r.allocation,
            available: r.available,
        })
    }
    fn storage_pool_get_xml_desc(&self, p: &StoragePoolRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<StoragePoolGetXmlDesc>(StoragePoolGetXmlDescArgs {
                pool: pool(p),
                flags,
            })?
            .xml)
    }
    fn storage_pool_get_autostart(&self, p: &StoragePoolRef) -> Result<bool> {
        Ok(yes(self
            .call::<StoragePoolGetAutostart>(StoragePoolGetAutostartArgs { pool: pool(p) })?
            .autostart))
    }
    fn storage_pool_set_autostart(&self, p: &StoragePoolRef, autostart: bool) -> Result<()> {
        self.call::<StoragePoolSetAutostart>(StoragePoolSetAutostartArgs {
            pool: pool(p),
            autostart: autostart as i32,
        })
    }
    fn storage_pool_is_active(&self, p: &StoragePoolRef) -> Result<bool> {
        Ok(yes(self
            .call::<StoragePoolIsActive>(StoragePoolIsActiveArgs { pool: pool(p) })?
            .active))
    }
    fn storage_pool_is_persistent(&self, p: &StoragePoolRef) -> Result<bool> {
        Ok(yes(self
            .call::<StoragePoolIsPersistent>(StoragePoolIsPersistentArgs { pool: pool(p) })?
            .persistent))
    }
    fn storage_pool_num_of_volumes(&self, p: &StoragePoolRef) -> Result<i32> {
        Ok(self
            .call::<StoragePoolNumOfVolumes>(StoragePoolNumOfVolumesArgs { pool: pool(p) })?
            .num)
    }
    fn storage_pool_list_all_volumes(
        &self,
        p: &StoragePoolRef,
        flags: u32,
    ) -> Result<Vec<StorageVolRef>> {
        let r = self.call::<StoragePoolListAllVolumes>(StoragePoolListAllVolumesArgs {
            pool: pool(p),
            need_results: 1,
            flags,
        })?;
        Ok(r.vols.into_iter().map(vol_ref).collect())
    }
    fn storage_vol_lookup_by_name(&self, p: &StoragePoolRef, name: &str) -> Result<StorageVolRef> {
        Ok(vol_ref(
            self.call::<StorageVolLookupByName>(StorageVolLookupByNameArgs {
                pool: pool(p),
                name: name.to_string(),
            })?
            .vol,
        ))
    }
    fn storage_vol_lookup_by_key(&self, key: &str) -> Result<StorageVolRef> {
        Ok(vol_ref(
            self.call::<StorageVolLookupByKey>(StorageVolLookupByKeyArgs {
                key: key.to_string(),
            })?
            .vol,
        ))
    }
    fn storage_vol_lookup_by_path(&self, path: &str) -> Result<StorageVolRef> {
        Ok(vol_ref(
            self.call::<StorageVolLookupByPath>(StorageVolLookupByPathArgs {
                path: path.to_string(),
            })?
            .vol,
        ))
    }
    fn storage_vol_create_xml(
        &self,
        p: &StoragePoolRef,
        xml: &str,
        flags: u32,
    ) -> Result<StorageVolRef> {
        Ok(vol_ref(
            self.call::<StorageVolCreateXml>(StorageVolCreateXmlArgs {
                pool: pool(p),
                xml: xml.to_string(),
                flags,
            })?
            .vol,
        ))
    }
    fn storage_vol_create_xml_from(
        &self,
        p: &StoragePoolRef,
        xml: &str,
        clone_of: &StorageVolRef,
        flags: u32,
    ) -> Result<StorageVolRef> {
        Ok(vol_ref(
            self.call::<StorageVolCreateXmlFrom>(StorageVolCreateXmlFromArgs {
                pool: pool(p),
                xml: xml.to_string(),
                clonevol: vol(clone_of),
                flags,
            })?
            .vol,
        ))
    }
    fn storage_vol_delete(&self, v: &StorageVolRef, flags: u32) -> Result<()> {
        self.call::<StorageVolDelete>(StorageVolDeleteArgs { vol: vol(v), flags })
    }
    fn storage_vol_get_info(&self, v: &StorageVolRef) -> Result<StorageVolInfo> {
        let r = self.call::<StorageVolGetInfo>(StorageVolGetInfoArgs { vol: vol(v) })?;
        Ok(StorageVolInfo {
            kind: r.r#type,
            capacity: r.capacity,
            allocation: r.allocation,
        })
    }
    fn storage_vol_get_xml_desc(&self, v: &StorageVolRef, flags: u32) -> Result<String> {
        Ok(self
            .call::<StorageVolGetXmlDesc>(StorageVolGetXmlDescArgs { vol: vol(v), flags })?
            .xml)
    }
    fn storage_vol_get_path(&self, v: &StorageVolRef) -> Result<String> {
        Ok(self
            .call::<StorageVolGetPath>(StorageVolGetPathArgs { vol: vol(v) })?
            .name)
    }
    fn storage_vol_resize(&self, v: &StorageVolRef, capacity: u64, flags: u32) -> Result<()> {
        self.call::<StorageVolResize>(StorageVolResizeArgs {
            vol: vol(v),
            capacity,
            flags,
        })
    }
    fn storage_vol_upload(
        &self,
        v: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        let args = StorageVolUploadArgs {
            vol: vol(v),
            offset,
            length,
            flags,
        };
        let sparse = flags & rvirt_core::types::flags::vol_upload::SPARSE_STREAM != 0;
        Ok(self
            .open_stream::<StorageVolUpload>(args, StreamDir::Write, sparse)?
            .1)
    }
    fn storage_vol_download(
        &self,
        v: &StorageVolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<DriverStream> {
        let args = StorageVolDownloadArgs {
            vol: vol(v),
            offset,
            length,
            flags,
        };
        let sparse = flags & rvirt_core::types::flags::vol_download::SPARSE_STREAM != 0;
        Ok(self
            .open_stream::<StorageVolDownload>(args, StreamDir::Read, sparse)?
            .1)
    }
    fn connect_find_storage_pool_sources(
        &self,
        kind: &str,
        src_spec: Option<&str>,
        flags: u32,
    ) -> Result<String> {
        Ok(self
            .call::<ConnectFindStoragePoolSources>(ConnectFindStoragePoolSourcesArgs {
                r#type: kind.to_string(),
                src_spec: src_spec.map(str::to_string),
                flags,
            })?
            .xml)
    }
    fn connect_get_storage_pool_capabilities(&self, flags: u32) -> Result<String> {
        Ok(self
            .call::<ConnectGetStoragePoolCapabilities>(ConnectGetStoragePoolCapabilitiesArgs {
                flags,
            })?
            .capabilities)
    }
    fn storage_vol_wipe(&self, v: &StorageVolRef, flags: u32) -> Result<()> {
        self.call::<StorageVolWipe>(StorageVolWipeArgs { vol: vol(v), flags })
    }
    fn storage_vol_wipe_pattern(
        &self,
        v: &StorageVolRef,
        algorithm: u32,
        flags: u32,
    ) -> Result<()> {
        self.call::<StorageVolWipePattern>(StorageVolWipePatternArgs {
            vol: vol(v),
            algorithm,
            flags,
        })
    }
    fn storage_vol_get_info_flags(&self, v: &StorageVolRef, flags: u32) -> Result<StorageVolInfo> {
        let r =
            self.call::<StorageVolGetInfoFlags>(StorageVolGetInfoFlagsArgs { vol: vol(v), flags })?;
        Ok(StorageVolInfo {
            kind: r.r#type,
            capacity: r.capacity,
            allocation: r.allocation,
        })
    }
    fn storage_pool_event_register_any(
        &self,
        p: Option<&StoragePoolRef>,
        event_id: i32,
        callback: EventCallback,
    ) -> Result<i32> {
        let only = p.map(|p| p.uuid);
        self.register(EventFamily::StoragePool, event_id, only, callback, |_| {
            let r = self.call::<ConnectStoragePoolEventRegisterAny>(
                ConnectStoragePoolEventRegisterAnyArgs {
                    event_id,
                    pool: p.map(pool),
                },
            )?;
            Ok(RemoteKey::Callback(r.callback_id))
        })
    }
    fn storage_pool_event_deregister_any(&self, callback_id: i32) -> Result<()> {
        self.deregister(EventFamily::StoragePool, callback_id, |_, reg| {
            match reg.remote {
                RemoteKey::Callback(id) => self.call::<ConnectStoragePoolEventDeregisterAny>(
                    ConnectStoragePoolEventDeregisterAnyArgs { callback_id: id },
                ),
                RemoteKey::Legacy => Ok(()),
            }
        })
    }
}
