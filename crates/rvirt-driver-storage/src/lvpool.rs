//! Volume calls on `logical` pools, done under the driver's lock (LVM serialises its
//! own metadata changes; holding the lock keeps the pool's volume list in step).

use crate::logical;
use crate::state::{self, Pool};
use rvirt_core::{Error, ErrorDomain, Result};
use rvirt_xml::storage::VolDef;

/// Makes logical volume `def`; its index in the pool's volumes.
pub fn create(p: &mut Pool, def: &VolDef) -> Result<usize> {
    logical::create(&p.def, def)?;
    state::refresh_pool(p);
    p.vol(&def.name).ok_or_else(|| {
        // Made but not active (LVM could not activate it): not a usable volume.
        let gone = VolDef {
            target: rvirt_xml::storage::VolTarget {
                path: Some(format!(
                    "{}/{}",
                    p.def.target_path.as_deref().unwrap_or_default(),
                    def.name
                )),
                ..Default::default()
            },
            ..def.clone()
        };
        let _ = logical::delete_vol(&gone);
        Error::internal(
            ErrorDomain::STORAGE,
            format!("logical volume '{}' was made but is not active", def.name),
        )
    })
}

/// Makes logical volume `def` and copies `src` into it; removes it again on failure.
pub fn create_from(p: &mut Pool, def: &VolDef, src: &str) -> Result<usize> {
    let i = create(p, def)?;
    let dst = p.vols[i].def.target.path.clone().unwrap_or_default();
    if let Err(e) = crate::diskpool::copy(src, &dst, p.vols[i].def.capacity) {
        let _ = delete(p, i);
        return Err(e);
    }
    Ok(i)
}

/// Removes logical volume `i`.
pub fn delete(p: &mut Pool, i: usize) -> Result<()> {
    logical::delete_vol(&p.vols[i].def)?;
    p.vols.remove(i);
    p.update_sizes();
    Ok(())
}
