//! `<disk type='volume'>`: at start the storage driver says where its pool keeps each
//! named volume, and QEMU is given that path. The definition keeps naming the pool and
//! the volume, so a volume can move (a pool redefined elsewhere) between starts.

use rvirt_core::driver::StorageDriver;
use rvirt_core::types::vol_type as vol_kind;
use rvirt_core::{Error, ErrorCode, ErrorDomain, Result};
use rvirt_xml::domain::devices::disk_source::{ActualVolume, SourceKind, StorageFormat};
use rvirt_xml::domain::devices::Disk;
use rvirt_xml::storage::{PoolDef, PoolType, VolDef, VolFormat, VolParseFlags};
use rvirt_xml::XmlEnum;

/// Fills in where every volume disk of `disks` is, and its format when the disk does not
/// say. `storage` is `None` where the daemon runs no storage driver; a connection to it is
/// made only for a domain that has volume disks.
pub fn resolve(storage: Option<&crate::StorageFactory>, disks: &mut [Disk]) -> Result<()> {
    let mut conn: Option<std::sync::Arc<dyn StorageDriver>> = None;
    for d in disks.iter_mut() {
        let SourceKind::Volume(Some(v)) = &d.source.kind else {
            continue;
        };
        if conn.is_none() {
            conn = storage.map(|make| make());
        }
        let Some(storage) = conn.as_deref() else {
            return Err(Error::new(
                ErrorDomain::QEMU,
                ErrorCode::NO_SUPPORT,
                Some(format!(
                    "disk '{}' names volume '{}' of pool '{}', but this daemon runs no storage driver",
                    d.target.dev, v.volume, v.pool
                )),
            ));
        };
        let pool = storage.storage_pool_lookup_by_name(&v.pool)?;
        if !storage.storage_pool_is_active(&pool)? {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::CONFIG_UNSUPPORTED,
                Some(format!(
                    "storage pool '{}' containing volume '{}' is not active",
                    v.pool, v.volume
                )),
            ));
        }
        let vol = storage.storage_vol_lookup_by_name(&pool, &v.volume)?;
        let info = storage.storage_vol_get_info(&vol)?;
        let pool_def = PoolDef::parse(&storage.storage_pool_get_xml_desc(&pool, 0)?)
            .map_err(|e| Error::internal(ErrorDomain::QEMU, format!("pool '{}': {e}", v.pool)))?;
        if v.mode.is_some() && pool_def.pool_type != PoolType::Iscsi {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::XML_ERROR,
                Some("disk source mode is only valid when storage pool is of iscsi type".into()),
            ));
        }
        if d.source.startup_policy.is_some() && info.kind != vol_kind::FILE {
            return Err(Error::new(
                ErrorDomain::DOMAIN,
                ErrorCode::XML_ERROR,
                Some("'startupPolicy' is only valid for 'file' type volume".into()),
            ));
        }
        let block = match info.kind {
            vol_kind::FILE | vol_kind::PLOOP => false,
            vol_kind::BLOCK => true,
            vol_kind::DIR => {
                return Err(Error::new(
                    ErrorDomain::QEMU,
                    ErrorCode::CONFIG_UNSUPPORTED,
                    Some(format!(
                        "volume '{}' of pool '{}' is a directory, which rvirt's QEMU driver \
                         cannot give a guest as a disk yet",
                        v.volume, v.pool
                    )),
                ))
            }
            other => {
                return Err(Error::new(
                    ErrorDomain::DOMAIN,
                    ErrorCode::INTERNAL_ERROR,
                    Some(format!(
                        "unexpected storage volume type '{}' for storage pool type '{}'",
                        vol_type_name(other),
                        pool_def.pool_type.as_xml()
                    )),
                ))
            }
        };
        let path = storage.storage_vol_get_path(&vol)?;
        if d.driver.format.is_none() {
            let xml = storage.storage_vol_get_xml_desc(&vol, 0)?;
            let vdef =
                VolDef::parse(&xml, pool_def.pool_type, VolParseFlags::default()).map_err(|e| {
                    Error::internal(ErrorDomain::QEMU, format!("volume '{}': {e}", v.volume))
                })?;
            d.driver.format = Some(disk_format(vdef.target.format.as_ref()));
        }
        if let SourceKind::Volume(Some(v)) = &mut d.source.kind {
            v.actual = Some(ActualVolume { path, block });
        }
    }
    Ok(())
}

/// The format QEMU opens a volume with: an image format as the pool read it from the
/// file's header, raw for everything else (partitions, LVs, unknown files).
fn disk_format(f: Option<&VolFormat>) -> StorageFormat {
    match f {
        Some(VolFormat::File(f)) => {
            StorageFormat::from_xml(f.as_xml()).unwrap_or(StorageFormat::Raw)
        }
        _ => StorageFormat::Raw,
    }
}

fn vol_type_name(kind: i32) -> &'static str {
    match kind {
        vol_kind::NETWORK => "network",
        vol_kind::NETDIR => "netdir",
        _ => "unknown",
    }
}
