//! vol-upload and vol-download: a local file to or from a volume over a stream.
//!
//! virsh prints nothing while the data moves. rvirsh does the same unless both standard
//! output and standard error are terminals, when it draws a progress bar on standard error.

use super::conn;
use crate::cli::parser::Cmd;
use crate::ctl::Ctl;
use crate::lookup::{self, BY_NAME, BY_UUID};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rvirt::{Error, ErrorDomain, SparseRead, StorageVol, Stream};
use std::fs::File;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

/// `VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM` (the same bit as the download flag).
const SPARSE_STREAM: u32 = 1;

/// A progress bar when the user watches a terminal, nothing otherwise.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn new(total: impl FnOnce() -> Option<u64>) -> Progress {
        if !(std::io::stdout().is_terminal() && std::io::stderr().is_terminal()) {
            return Progress(None);
        }
        let bar = match total() {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = "[{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec})";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress(Some(bar))
    }

    fn add(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn done(&self, ok: bool) {
        if let Some(b) = &self.0 {
            if ok {
                b.finish();
            } else {
                b.abandon();
            }
        }
    }
}

/// `--offset` and `--length` (the length wraps: `-1` means no limit worth naming).
fn offset_length(ctl: &mut Ctl, cmd: &Cmd) -> Option<(u64, u64)> {
    let offset = cmd.ulonglong(ctl, "offset").ok()?.unwrap_or(0);
    let length = cmd.ulonglong_wrap(ctl, "length").ok()?.unwrap_or(0);
    Some((offset, length))
}

fn new_stream(ctl: &mut Ctl) -> Option<Stream> {
    let c = conn(ctl)?;
    match c.new_stream(0) {
        Ok(s) => Some(s),
        Err(e) => {
            ctl.set_error(e);
            ctl.error("cannot create a new stream");
            None
        }
    }
}

/// Where the data of `f` goes on from its current position: `(true, n)` for `n` bytes of
/// data, `(false, n)` for a hole of `n` bytes (0 at the end of the file).
fn in_data(f: &mut File) -> std::io::Result<(bool, u64)> {
    use rustix::fs::{seek, SeekFrom as S};
    let cur = f.stream_position()?;
    let answer = match seek(&*f, S::Data(cur)) {
        Err(e) if e == rustix::io::Errno::NXIO => {
            // A hole up to the end of the file (or the end itself).
            let end = f.seek(SeekFrom::End(0))?;
            (false, end.saturating_sub(cur))
        }
        Err(e) => return Err(e.into()),
        Ok(data) if data > cur => (false, data - cur),
        Ok(_) => {
            let hole = seek(&*f, S::Hole(cur))?;
            (true, hole.saturating_sub(cur))
        }
    };
    f.seek(SeekFrom::Start(cur))?;
    Ok(answer)
}

fn skip_forward(f: &mut File, n: u64) -> std::io::Result<u64> {
    let n = i64::try_from(n).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    f.seek(SeekFrom::Current(n))
}

/// Reads as much of `buf` as the file has (stopping early only at its end).
fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn send_failed(e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::STREAMS, "send handler failed", e)
}

fn recv_failed(e: &std::io::Error) -> Error {
    Error::system(ErrorDomain::STREAMS, "recv handler failed", e)
}

/// Sends the whole file, as holes and data when `sparse`.
fn send_file(st: &Stream, f: &mut File, sparse: bool, progress: &Progress) -> rvirt::Result<()> {
    if !sparse {
        return st.send_all(|buf| {
            let n = read_full(f, buf).map_err(|e| send_failed(&e))?;
            progress.add(n as u64);
            Ok(n)
        });
    }
    let mut data_left = 0u64;
    st.sparse_send_all(|buf| {
        if data_left == 0 {
            let (data, len) = in_data(f).map_err(|e| send_failed(&e))?;
            if !data && len > 0 {
                skip_forward(f, len).map_err(|e| send_failed(&e))?;
                progress.add(len);
                return Ok(SparseRead::Hole(len));
            }
            data_left = len;
        }
        let want = usize::try_from(data_left).map_or(buf.len(), |d| d.min(buf.len()));
        let n = read_full(f, &mut buf[..want]).map_err(|e| send_failed(&e))?;
        if n == 0 {
            return Ok(SparseRead::End);
        }
        data_left = data_left.saturating_sub(n as u64);
        progress.add(n as u64);
        Ok(SparseRead::Data(n))
    })
}

/// The bytes a transfer of `total` available bytes moves from `offset`, at most `length`
/// (0 for no limit).
fn span(total: u64, offset: u64, length: u64) -> u64 {
    let n = total.saturating_sub(offset);
    if length == 0 {
        n
    } else {
        n.min(length)
    }
}

pub fn cmd_upload(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((offset, length)) = offset_length(ctl, cmd) else {
        return false;
    };
    let Some((vol, name)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(file) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let mut f = match File::open(file) {
        Ok(f) => f,
        Err(_) => {
            ctl.error(&format!("cannot read {file}"));
            return false;
        }
    };
    let size = match f.metadata() {
        Ok(m) => m.len(),
        Err(_) => {
            ctl.error(&format!("unable to stat {file}"));
            return false;
        }
    };
    let sparse = cmd.flag("sparse");
    let Some(st) = new_stream(ctl) else {
        return false;
    };
    if let Err(e) = vol.upload(&st, offset, length, if sparse { SPARSE_STREAM } else { 0 }) {
        ctl.set_error(e);
        ctl.error(&format!("cannot upload to volume {name}"));
        return false;
    }
    let progress = Progress::new(|| Some(span(size, 0, length)));
    if let Err(e) = send_file(&st, &mut f, sparse, &progress) {
        progress.done(false);
        ctl.set_error(e);
        ctl.error(&format!("cannot send data to volume {name}"));
        return false;
    }
    drop(f);
    if let Err(e) = st.finish() {
        progress.done(false);
        ctl.set_error(e);
        ctl.error(&format!("cannot close volume {name}"));
        return false;
    }
    progress.done(true);
    true
}

/// Opens the download target as virsh does: created new if it can be (then removed again
/// on failure), otherwise truncated. Returns the file and whether it was created.
fn open_target(path: &str) -> Option<(File, bool)> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true).mode(0o666);
    match o.open(path) {
        Ok(f) => Some((f, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .ok()
            .map(|f| (f, false)),
        Err(_) => None,
    }
}

/// Extends the file past a hole of `n` bytes (zeros written on a block device).
fn write_hole(f: &mut File, block: bool, n: u64) -> std::io::Result<()> {
    if block {
        let zeros = vec![0u8; 64 * 1024];
        let mut left = n;
        while left > 0 {
            let k = usize::try_from(left).map_or(zeros.len(), |l| l.min(zeros.len()));
            f.write_all(&zeros[..k])?;
            left -= k as u64;
        }
        return Ok(());
    }
    let cur = skip_forward(f, n)?;
    f.set_len(cur)
}

/// What to download: from where, how much, whether holes stay holes.
struct Span {
    offset: u64,
    length: u64,
    sparse: bool,
}

fn download_inner(
    ctl: &mut Ctl,
    vol: &StorageVol,
    name: &str,
    (f, file): (&mut File, &str),
    Span {
        offset,
        length,
        sparse,
    }: Span,
) -> bool {
    let block = match f.metadata() {
        Ok(m) => m.file_type().is_block_device(),
        Err(_) => {
            ctl.error(&format!("unable to stat {file}"));
            return false;
        }
    };
    let Some(st) = new_stream(ctl) else {
        return false;
    };
    if let Err(e) = vol.download(&st, offset, length, if sparse { SPARSE_STREAM } else { 0 }) {
        ctl.set_error(e);
        ctl.error(&format!("cannot download from volume {name}"));
        return false;
    }
    let progress = Progress::new(|| vol.info().ok().map(|i| span(i.capacity, offset, length)));
    let r = {
        let cell = std::cell::RefCell::new(&mut *f);
        st.sparse_recv_all(
            |d| {
                cell.borrow_mut()
                    .write_all(d)
                    .map_err(|e| recv_failed(&e))?;
                progress.add(d.len() as u64);
                Ok(())
            },
            |n| {
                write_hole(&mut cell.borrow_mut(), block, n)
                    .map_err(|e| Error::system(ErrorDomain::STREAMS, "hole handler failed", &e))?;
                progress.add(n);
                Ok(())
            },
        )
    };
    if let Err(e) = r {
        progress.done(false);
        ctl.set_error(e);
        ctl.error(&format!("cannot receive data from volume {name}"));
        return false;
    }
    if f.flush().is_err() {
        progress.done(false);
        ctl.error(&format!("cannot close file {file}"));
        let _ = st.abort();
        return false;
    }
    if let Err(e) = st.finish() {
        progress.done(false);
        ctl.set_error(e);
        ctl.error(&format!("cannot close volume {name}"));
        return false;
    }
    progress.done(true);
    true
}

pub fn cmd_download(ctl: &mut Ctl, cmd: &Cmd) -> bool {
    let Some((offset, length)) = offset_length(ctl, cmd) else {
        return false;
    };
    let Some((vol, name)) = lookup::vol(ctl, cmd, "vol", Some("pool"), BY_UUID | BY_NAME) else {
        return false;
    };
    let Ok(file) = cmd.string_req(ctl, "file") else {
        return false;
    };
    let sparse = cmd.flag("sparse");
    let Some((mut f, created)) = open_target(file) else {
        ctl.error(&format!("cannot create {file}"));
        return false;
    };
    let span = Span {
        offset,
        length,
        sparse,
    };
    let ok = download_inner(ctl, &vol, &name, (&mut f, file), span);
    drop(f);
    if !ok && created {
        let _ = std::fs::remove_file(file);
    }
    ok
}
