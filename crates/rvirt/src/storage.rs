//! [`StoragePool`] and [`StorageVol`].

use crate::{Connect, Stream};
use rvirt_core::types::{StoragePoolInfo, StorageVolInfo};
use rvirt_core::{Error, ErrorDomain, Result, StoragePoolRef, StorageVolRef};

/// A storage pool, like libvirt's `virStoragePoolPtr`.
#[derive(Clone, Debug)]
pub struct StoragePool {
    conn: Connect,
    r: StoragePoolRef,
}

impl StoragePool {
    pub(crate) fn new(conn: Connect, r: StoragePoolRef) -> StoragePool {
        StoragePool { conn, r }
    }

    pub fn from_ref(conn: Connect, r: StoragePoolRef) -> StoragePool {
        StoragePool { conn, r }
    }

    pub fn reference(&self) -> &StoragePoolRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn uuid(&self) -> uuid::Uuid {
        self.r.uuid
    }

    pub fn uuid_string(&self) -> String {
        self.r.uuid.hyphenated().to_string()
    }

    fn w(&self, f: &str) -> Result<()> {
        self.conn.writable(f, ErrorDomain::STORAGE)
    }

    pub fn create(&self, flags: u32) -> Result<()> {
        self.w("virStoragePoolCreate")?;
        self.conn
            .storage("virStoragePoolCreate")?
            .storage_pool_create(&self.r, flags)
    }

    pub fn build(&self, flags: u32) -> Result<()> {
        self.w("virStoragePoolBuild")?;
        self.conn
            .storage("virStoragePoolBuild")?
            .storage_pool_build(&self.r, flags)
    }

    pub fn destroy(&self) -> Result<()> {
        self.w("virStoragePoolDestroy")?;
        self.conn
            .storage("virStoragePoolDestroy")?
            .storage_pool_destroy(&self.r)
    }

    pub fn delete(&self, flags: u32) -> Result<()> {
        self.w("virStoragePoolDelete")?;
        self.conn
            .storage("virStoragePoolDelete")?
            .storage_pool_delete(&self.r, flags)
    }

    pub fn undefine(&self) -> Result<()> {
        self.w("virStoragePoolUndefine")?;
        self.conn
            .storage("virStoragePoolUndefine")?
            .storage_pool_undefine(&self.r)
    }

    pub fn refresh(&self, flags: u32) -> Result<()> {
        self.w("virStoragePoolRefresh")?;
        self.conn
            .storage("virStoragePoolRefresh")?
            .storage_pool_refresh(&self.r, flags)
    }

    pub fn info(&self) -> Result<StoragePoolInfo> {
        self.conn
            .storage("virStoragePoolGetInfo")?
            .storage_pool_get_info(&self.r)
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn
            .storage("virStoragePoolGetXMLDesc")?
            .storage_pool_get_xml_desc(&self.r, flags)
    }

    pub fn autostart(&self) -> Result<bool> {
        self.conn
            .storage("virStoragePoolGetAutostart")?
            .storage_pool_get_autostart(&self.r)
    }

    pub fn set_autostart(&self, autostart: bool) -> Result<()> {
        self.w("virStoragePoolSetAutostart")?;
        self.conn
            .storage("virStoragePoolSetAutostart")?
            .storage_pool_set_autostart(&self.r, autostart)
    }

    pub fn is_active(&self) -> Result<bool> {
        self.conn
            .storage("virStoragePoolIsActive")?
            .storage_pool_is_active(&self.r)
    }

    pub fn is_persistent(&self) -> Result<bool> {
        self.conn
            .storage("virStoragePoolIsPersistent")?
            .storage_pool_is_persistent(&self.r)
    }

    pub fn num_of_volumes(&self) -> Result<i32> {
        self.conn
            .storage("virStoragePoolNumOfVolumes")?
            .storage_pool_num_of_volumes(&self.r)
    }

    pub fn list_all_volumes(&self, flags: u32) -> Result<Vec<StorageVol>> {
        Ok(self
            .conn
            .storage("virStoragePoolListAllVolumes")?
            .storage_pool_list_all_volumes(&self.r, flags)?
            .into_iter()
            .map(|r| StorageVol::new(self.conn.clone(), r))
            .collect())
    }

    pub fn vol_lookup_by_name(&self, name: &str) -> Result<StorageVol> {
        let r = self
            .conn
            .storage("virStorageVolLookupByName")?
            .storage_vol_lookup_by_name(&self.r, name)?;
        Ok(StorageVol::new(self.conn.clone(), r))
    }

    pub fn vol_create_xml(&self, xml: &str, flags: u32) -> Result<StorageVol> {
        self.w("virStorageVolCreateXML")?;
        let r = self
            .conn
            .storage("virStorageVolCreateXML")?
            .storage_vol_create_xml(&self.r, xml, flags)?;
        Ok(StorageVol::new(self.conn.clone(), r))
    }

    pub fn vol_create_xml_from(
        &self,
        xml: &str,
        clone_of: &StorageVol,
        flags: u32,
    ) -> Result<StorageVol> {
        self.w("virStorageVolCreateXMLFrom")?;
        let r = self
            .conn
            .storage("virStorageVolCreateXMLFrom")?
            .storage_vol_create_xml_from(&self.r, xml, clone_of.reference(), flags)?;
        Ok(StorageVol::new(self.conn.clone(), r))
    }
}

/// A storage volume, like libvirt's `virStorageVolPtr`.
#[derive(Clone, Debug)]
pub struct StorageVol {
    conn: Connect,
    r: StorageVolRef,
}

impl StorageVol {
    pub(crate) fn new(conn: Connect, r: StorageVolRef) -> StorageVol {
        StorageVol { conn, r }
    }

    pub fn from_ref(conn: Connect, r: StorageVolRef) -> StorageVol {
        StorageVol { conn, r }
    }

    pub fn reference(&self) -> &StorageVolRef {
        &self.r
    }

    pub fn name(&self) -> &str {
        &self.r.name
    }

    pub fn key(&self) -> &str {
        &self.r.key
    }

    pub fn pool_name(&self) -> &str {
        &self.r.pool
    }

    pub fn pool(&self) -> Result<StoragePool> {
        let r = self
            .conn
            .storage("virStoragePoolLookupByVolume")?
            .storage_pool_lookup_by_volume(&self.r)?;
        Ok(StoragePool::new(self.conn.clone(), r))
    }

    pub fn delete(&self, flags: u32) -> Result<()> {
        self.conn
            .writable("virStorageVolDelete", ErrorDomain::STORAGE)?;
        self.conn
            .storage("virStorageVolDelete")?
            .storage_vol_delete(&self.r, flags)
    }

    pub fn info(&self) -> Result<StorageVolInfo> {
        self.conn
            .storage("virStorageVolGetInfo")?
            .storage_vol_get_info(&self.r)
    }

    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        self.conn
            .storage("virStorageVolGetXMLDesc")?
            .storage_vol_get_xml_desc(&self.r, flags)
    }

    pub fn path(&self) -> Result<String> {
        self.conn
            .storage("virStorageVolGetPath")?
            .storage_vol_get_path(&self.r)
    }

    pub fn resize(&self, capacity: u64, flags: u32) -> Result<()> {
        self.conn
            .writable("virStorageVolResize", ErrorDomain::STORAGE)?;
        self.conn
            .storage("virStorageVolResize")?
            .storage_vol_resize(&self.r, capacity, flags)
    }

    /// The checks of volume upload and download before the driver: a writable
    /// connection, a stream of this volume's connection, not yet used.
    fn stream_checks(&self, st: &Stream, function: &str) -> Result<()> {
        self.conn.writable(function, ErrorDomain::STORAGE)?;
        if !st.belongs_to(&self.conn) {
            return Err(Error::invalid_arg(
                ErrorDomain::STORAGE,
                format!(
                    "stream in {function} must match connection of volume '{}'",
                    self.r.name
                ),
            ));
        }
        st.check_unused()
    }

    /// `virStorageVolUpload`: attaches a write stream into the volume (from `offset`, at
    /// most `length` bytes, 0 for no limit) to `st`.
    pub fn upload(&self, st: &Stream, offset: u64, length: u64, flags: u32) -> Result<()> {
        self.stream_checks(st, "virStorageVolUpload")?;
        let ds = self
            .conn
            .storage("virStorageVolUpload")?
            .storage_vol_upload(&self.r, offset, length, flags)?;
        st.attach(ds)
    }

    /// `virStorageVolDownload`: attaches a read stream of the volume (from `offset`, at
    /// most `length` bytes, 0 for no limit) to `st`.
    pub fn download(&self, st: &Stream, offset: u64, length: u64, flags: u32) -> Result<()> {
        self.stream_checks(st, "virStorageVolDownload")?;
        let ds = self
            .conn
            .storage("virStorageVolDownload")?
            .storage_vol_download(&self.r, offset, length, flags)?;
        st.attach(ds)
    }
}

/// The legacy name listing, answered from the list-all entry point.
impl StoragePool {
    /// `virStoragePoolListVolumes`: names of at most `max` volumes of the pool.
    pub fn list_volumes(&self, max: i32) -> Result<Vec<String>> {
        if max < 0 {
            return Err(rvirt_core::Error::invalid_arg(
                ErrorDomain::STORAGE,
                "maxnames in virStoragePoolListVolumes must be greater than or equal to 0",
            ));
        }
        Ok(self
            .conn
            .storage("virStoragePoolListVolumes")?
            .storage_pool_list_all_volumes(&self.r, 0)?
            .into_iter()
            .take(max as usize)
            .map(|r| r.name)
            .collect())
    }
}

impl StorageVol {
    pub fn wipe(&self, flags: u32) -> Result<()> {
        self.conn
            .writable("virStorageVolWipe", ErrorDomain::STORAGE)?;
        self.conn
            .storage("virStorageVolWipe")?
            .storage_vol_wipe(&self.r, flags)
    }

    pub fn wipe_pattern(&self, algorithm: u32, flags: u32) -> Result<()> {
        self.conn
            .writable("virStorageVolWipePattern", ErrorDomain::STORAGE)?;
        self.conn
            .storage("virStorageVolWipePattern")?
            .storage_vol_wipe_pattern(&self.r, algorithm, flags)
    }

    /// `virStorageVolGetInfoFlags`.
    pub fn info_flags(&self, flags: u32) -> Result<StorageVolInfo> {
        self.conn
            .storage("virStorageVolGetInfoFlags")?
            .storage_vol_get_info_flags(&self.r, flags)
    }
}
