//! The one small tokio runtime that every remote connection of the process shares.
//!
//! It is a current-thread runtime driven by a dedicated thread, created the first time a
//! remote URI is opened: programs that only use in-process drivers (rvirsh against
//! `test:///default`) never pay for it. Synchronous callers hand work to it and wait on a
//! plain channel, so they may be any thread, including threads of another tokio runtime's
//! blocking pool (rvirtd's workers).

use rvirt_core::{Error, ErrorDomain, Result};
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Handle;

/// The name of the runtime's thread; calls that would wait for the runtime from inside it
/// are refused instead of deadlocking.
const THREAD_NAME: &str = "rvirt-remote";

fn start() -> std::result::Result<Handle, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the remote driver's runtime: {e}"))?;
    let handle = rt.handle().clone();
    std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || rt.block_on(std::future::pending::<()>()))
        .map_err(|e| format!("cannot start the remote driver's thread: {e}"))?;
    Ok(handle)
}

/// The runtime's handle, starting it on first use.
pub fn handle() -> Result<Handle> {
    static HANDLE: OnceLock<std::result::Result<Handle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(start)
        .clone()
        .map_err(|e| Error::internal(ErrorDomain::RPC, e))
}

/// Whether the current thread is the runtime's own.
pub fn on_runtime_thread() -> bool {
    std::thread::current().name() == Some(THREAD_NAME)
}

/// Runs `fut` on the runtime and waits for its output.
pub fn block_on<F>(fut: F) -> Result<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if on_runtime_thread() {
        return Err(Error::internal(
            ErrorDomain::RPC,
            "a remote call was made from the remote driver's own thread",
        ));
    }
    let h = handle()?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    h.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .map_err(|_| Error::internal(ErrorDomain::RPC, "the remote driver's runtime stopped"))
}
