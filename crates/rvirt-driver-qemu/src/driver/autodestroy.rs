//! `--autodestroy`: a guest that lives only as long as the connection that started it.
//!
//! Every connection carries a [`ConnGuard`]; a start with the flag tags the running domain
//! with the guard's id. When the connection's last handle goes (the client closed it or
//! vanished), the guard's drop destroys every guest still tagged with it, as libvirt's
//! connection close callbacks do. As in libvirt the tag lives in memory only: after a
//! daemon restart the old connections are gone and such guests simply keep running.

use super::Inner;
use crate::domobj::Domain;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One open connection, as the driver knows it.
pub struct ConnGuard {
    id: u64,
    inner: Weak<Inner>,
}

impl ConnGuard {
    pub fn new(inner: &Arc<Inner>) -> Arc<ConnGuard> {
        Arc::new(ConnGuard {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            inner: Arc::downgrade(inner),
        })
    }

    /// Ties the running `dom` to this connection.
    pub fn adopt(&self, dom: &Domain) {
        if let Some(l) = dom.lock().live.as_mut() {
            l.autodestroy = Some(self.id);
        }
    }
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.upgrade() else {
            return;
        };
        let doomed: Vec<Arc<Domain>> = inner
            .doms
            .all()
            .into_iter()
            .filter(|d| {
                d.lock()
                    .live
                    .as_ref()
                    .is_some_and(|l| l.autodestroy == Some(self.id))
            })
            .collect();
        if doomed.is_empty() {
            return;
        }
        // The last handle may go on the daemon's I/O thread: waiting for QEMU to end
        // belongs elsewhere.
        let spawned = std::thread::Builder::new()
            .name("autodestroy".into())
            .spawn(move || {
                for d in doomed {
                    let name = d.lock().name.clone();
                    tracing::info!("domain '{name}': its connection closed, destroying it");
                    if let Err(e) = super::lifecycle::destroy(&d, false) {
                        tracing::warn!("domain '{name}': autodestroy failed: {e}");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the autodestroy thread: {e}");
        }
    }
}
