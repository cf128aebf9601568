//! The worker pool that runs calls which may wait (a guest starting, disk I/O, a monitor
//! command), shaped like libvirt's: at least `min` and at most `max` general workers, which
//! run any call, plus `prio` workers that run only high-priority calls, so a destroy still
//! runs while every general worker waits on a slow start. The sizes can change while the
//! daemon runs (`virt-admin server-threadpool-set`), and the pool reports what it is doing
//! (`server-threadpool-info`).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// A call to run. It is handed its worker's [`Finishing`] so it can count the worker as
/// free before its last step.
pub type Job = Box<dyn FnOnce(&Finishing<'_>) + Send + 'static>;

/// Lets a job count its worker as free just before it hands its reply over. A client
/// that gets the reply and at once asks for the pool's figures then never sees the
/// worker of its own previous call as busy, however late that thread is scheduled.
pub struct Finishing<'a> {
    shared: &'a Shared,
    prio: bool,
    done: std::cell::Cell<bool>,
}

impl Finishing<'_> {
    /// The job's work is done; what is left is handing the result over.
    pub fn now(&self) {
        if !self.prio && !self.done.replace(true) {
            self.shared.lock().free += 1;
        }
    }
}

/// The figures `server-threadpool-info` shows, in libvirt's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolFigures {
    pub min: usize,
    pub max: usize,
    /// General workers alive.
    pub current: usize,
    /// General workers waiting for a job.
    pub free: usize,
    /// Priority workers alive.
    pub prio: usize,
    /// Jobs waiting for a worker.
    pub queued: usize,
}

/// Why new sizes were refused: libvirt's words for each rule.
#[derive(Debug, PartialEq, Eq)]
pub enum SizeError {
    MinAboveMax,
    MaxZeroSwitch,
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SizeError::MinAboveMax => "minWorkers cannot be larger than maxWorkers",
            SizeError::MaxZeroSwitch => {
                "maxWorkers must not be switched from zero to non-zero and vice versa"
            }
        })
    }
}

#[derive(Default)]
struct State {
    min: usize,
    max: usize,
    max_prio: usize,
    workers: usize,
    free: usize,
    prio_workers: usize,
    /// Jobs in arrival order, each marked high priority or not.
    queue: VecDeque<(bool, Job)>,
    /// How many queued jobs are high priority (so priority workers skip the search when
    /// there are none).
    queued_prio: usize,
}

impl State {
    fn take(&mut self, prio_worker: bool) -> Option<Job> {
        let at = if prio_worker {
            if self.queued_prio == 0 {
                return None;
            }
            self.queue.iter().position(|(p, _)| *p)?
        } else if self.queue.is_empty() {
            return None;
        } else {
            0
        };
        let (p, job) = self.queue.remove(at)?;
        if p {
            self.queued_prio -= 1;
        }
        Some(job)
    }
}

struct Shared {
    state: Mutex<State>,
    /// General workers wait here.
    work: Condvar,
    /// Priority workers wait here.
    prio_work: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The pool; cloning shares it.
#[derive(Clone)]
pub struct WorkerPool {
    shared: Arc<Shared>,
    name: &'static str,
}

impl WorkerPool {
    /// Starts `min` general and `prio` priority workers. `max` is at least one: a pool
    /// without workers would never run anything.
    pub fn new(name: &'static str, min: usize, max: usize, prio: usize) -> WorkerPool {
        let max = max.max(1);
        let pool = WorkerPool {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    min: min.min(max),
                    max,
                    max_prio: prio,
                    ..State::default()
                }),
                work: Condvar::new(),
                prio_work: Condvar::new(),
            }),
            name,
        };
        let mut st = pool.shared.lock();
        pool.grow(&mut st, min.min(max), false);
        pool.grow(&mut st, prio, true);
        drop(st);
        pool
    }

    /// Queues a job; a general worker is added when none is free and the pool may grow.
    pub fn submit(&self, high_priority: bool, job: Job) {
        let mut st = self.shared.lock();
        st.queue.push_back((high_priority, job));
        if high_priority {
            st.queued_prio += 1;
        }
        if st.free < st.queue.len() && st.workers < st.max {
            self.grow(&mut st, 1, false);
        }
        drop(st);
        self.shared.work.notify_one();
        if high_priority {
            self.shared.prio_work.notify_one();
        }
    }

    pub fn figures(&self) -> PoolFigures {
        let st = self.shared.lock();
        PoolFigures {
            min: st.min,
            max: st.max,
            current: st.workers,
            free: st.free,
            prio: st.prio_workers,
            queued: st.queue.len(),
        }
    }

    /// New sizes; `None` keeps one as it is. Workers beyond a lowered limit leave once
    /// their current job is done.
    pub fn resize(
        &self,
        min: Option<usize>,
        max: Option<usize>,
        prio: Option<usize>,
    ) -> Result<(), SizeError> {
        let mut st = self.shared.lock();
        let new_max = max.unwrap_or(st.max);
        if min.unwrap_or(st.min) > new_max {
            return Err(SizeError::MinAboveMax);
        }
        if max.is_some_and(|m| (m == 0) != (st.max == 0)) {
            return Err(SizeError::MaxZeroSwitch);
        }
        if let Some(m) = min {
            if m > st.workers {
                let n = m - st.workers;
                self.grow(&mut st, n, false);
            }
            st.min = m;
        }
        if let Some(m) = max {
            st.max = m;
        }
        if let Some(p) = prio {
            if p > st.prio_workers {
                let n = p - st.prio_workers;
                self.grow(&mut st, n, true);
            }
            st.max_prio = p;
        }
        drop(st);
        self.shared.work.notify_all();
        self.shared.prio_work.notify_all();
        Ok(())
    }

    /// Starts `n` workers of one kind; a thread the system refuses is logged and the
    /// pool carries on with the workers it has.
    fn grow(&self, st: &mut State, n: usize, prio: bool) {
        for _ in 0..n {
            let shared = self.shared.clone();
            let name = format!("{}-{}", self.name, if prio { "prio" } else { "worker" });
            match std::thread::Builder::new()
                .name(name)
                .spawn(move || work(&shared, prio))
            {
                Ok(_) => {
                    if prio {
                        st.prio_workers += 1;
                    } else {
                        st.workers += 1;
                    }
                }
                Err(e) => {
                    tracing::error!("cannot start a worker thread: {e}");
                    return;
                }
            }
        }
    }
}

/// One worker's life: take jobs until the pool shrinks below it.
fn work(shared: &Shared, prio: bool) {
    let mut st = shared.lock();
    loop {
        let surplus = if prio {
            st.prio_workers > st.max_prio
        } else {
            st.workers > st.max
        };
        if surplus {
            if prio {
                st.prio_workers -= 1;
            } else {
                st.workers -= 1;
            }
            return;
        }
        let Some(job) = st.take(prio) else {
            let cond = if prio {
                &shared.prio_work
            } else {
                st.free += 1;
                &shared.work
            };
            st = cond.wait(st).unwrap_or_else(|p| p.into_inner());
            if !prio {
                st.free -= 1;
            }
            continue;
        };
        drop(st);
        let finishing = Finishing {
            shared,
            prio,
            done: std::cell::Cell::new(false),
        };
        // A panicking job costs its call, not the worker (the dispatcher answers for it).
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&finishing)));
        st = shared.lock();
        if finishing.done.get() {
            st.free -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn settle(pool: &WorkerPool, want: impl Fn(&PoolFigures) -> bool) -> PoolFigures {
        for _ in 0..200 {
            let f = pool.figures();
            if want(&f) {
                return f;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        pool.figures()
    }

    #[test]
    fn a_worker_counts_as_free_once_its_job_says_it_is_finishing() {
        let pool = WorkerPool::new("t", 1, 1, 0);
        settle(&pool, |f| f.free == 1);
        let (said_tx, said_rx) = mpsc::channel::<()>();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (busy_tx, busy_rx) = mpsc::channel::<()>();
        pool.submit(
            false,
            Box::new(move |finishing| {
                let _ = busy_tx.send(());
                let _ = go_rx.recv();
                finishing.now();
                finishing.now();
                let _ = said_tx.send(());
                // Still running, as a job handing its reply over is.
                std::thread::sleep(Duration::from_millis(200));
            }),
        );
        busy_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the job runs");
        assert_eq!(pool.figures().free, 0, "busy before it says so");
        let _ = go_tx.send(());
        said_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the job goes on");
        assert_eq!(pool.figures().free, 1, "free once finishing, counted once");
        // Once the job has returned and the worker waits again, still one, not two.
        std::thread::sleep(Duration::from_millis(400));
        let f = pool.figures();
        assert_eq!((f.current, f.free), (1, 1));
    }

    #[test]
    fn starts_min_workers_and_grows_to_max_under_load() {
        let pool = WorkerPool::new("t", 1, 3, 0);
        let f = settle(&pool, |f| f.free == 1);
        assert_eq!((f.min, f.max, f.current, f.free), (1, 3, 1, 1));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..5 {
            let rx = release_rx.clone();
            let done = done_tx.clone();
            pool.submit(
                false,
                Box::new(move |_| {
                    let _ = rx.lock().map(|r| r.recv());
                    let _ = done.send(());
                }),
            );
        }
        let f = settle(&pool, |f| f.queued == 2);
        assert_eq!((f.current, f.free, f.queued), (3, 0, 2));
        for _ in 0..5 {
            let _ = release_tx.send(());
        }
        for _ in 0..5 {
            done_rx
                .recv_timeout(Duration::from_secs(5))
                .expect("every job runs");
        }
    }

    #[test]
    fn priority_workers_run_priority_jobs_while_general_ones_are_busy() {
        let pool = WorkerPool::new("t", 1, 1, 1);
        let (block_tx, block_rx) = mpsc::channel::<()>();
        pool.submit(
            false,
            Box::new(move |_| {
                let _ = block_rx.recv();
            }),
        );
        let (tx, rx) = mpsc::channel();
        pool.submit(
            true,
            Box::new(move |_| {
                let _ = tx.send(());
            }),
        );
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the priority job ran on the priority worker");
        let _ = block_tx.send(());
    }

    #[test]
    fn resize_follows_libvirts_rules() {
        let pool = WorkerPool::new("t", 2, 4, 1);
        assert_eq!(
            pool.resize(Some(5), None, None),
            Err(SizeError::MinAboveMax)
        );
        assert_eq!(
            pool.resize(None, Some(1), None),
            Err(SizeError::MinAboveMax)
        );
        assert_eq!(
            pool.resize(Some(0), Some(0), None),
            Err(SizeError::MaxZeroSwitch)
        );
        assert_eq!(pool.resize(Some(0), Some(1), Some(0)), Ok(()));
        let f = settle(&pool, |f| f.current == 1 && f.prio == 0);
        assert_eq!((f.min, f.max, f.current, f.prio), (0, 1, 1, 0));
        assert_eq!(pool.resize(Some(3), Some(6), Some(2)), Ok(()));
        let f = settle(&pool, |f| f.current == 3 && f.prio == 2);
        assert_eq!((f.min, f.max, f.current, f.prio), (3, 6, 3, 2));
    }
}
