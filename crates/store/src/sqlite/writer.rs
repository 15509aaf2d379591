//! The single writer: one connection on a thread of its own, taking writes from a queue.
//!
//! Writes that queue up while another runs are committed together (group commit). Each runs in
//! a savepoint of its own, so one that fails is undone alone and its caller gets its error;
//! one COMMIT then ends the group. SQLite writes the pages the group shares once, and the
//! readers' page caches, which every commit empties, are emptied once per group instead of
//! once per write. A caller gets its answer only after its group's commit: nothing is
//! acknowledged before it is stored. When the queue is empty a write is committed alone, so
//! grouping never makes a write wait for company.
//!
//! Checkpoints (copying the write-ahead log back into the database file, with its syncs) run on
//! a thread of their own, on another connection, instead of inside whichever commit crosses the
//! log's size limit: a commit never waits for one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, Savepoint, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use crate::{Result, StoreError};

/// What a write runs in: its own savepoint within its group's transaction.
pub type Tx<'a> = Savepoint<'a>;

/// A long queue still commits at least this often, so that an answer is never far off.
const MOST_IN_A_GROUP: usize = 32;

/// A checkpoint is asked for after this many commits (about SQLite's own limit of a thousand
/// pages of log at the sizes seen), and at the latest this long after the last commit.
const COMMITS_PER_CHECKPOINT: u32 = 64;
const CHECKPOINT_AFTER: Duration = Duration::from_secs(2);

/// Owns the writer thread; dropping it lets the queued writes finish and closes the connection.
pub(crate) struct Writer {
    queue: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    checkpointer: Option<JoinHandle<()>>,
}

enum Job {
    Write {
        write: Box<dyn QueuedWrite>,
        /// A long write (a bulk load) has a transaction to itself.
        alone: bool,
    },
    /// Maintenance on the connection itself, outside any transaction.
    Connection(Box<dyn FnOnce(&mut Connection) + Send>),
}

trait QueuedWrite: Send {
    /// Runs the write; false when it failed, and its savepoint is to be rolled back.
    fn run(&mut self, tx: &Tx<'_>) -> bool;
    /// Answers the caller once its group is committed, or with why the group was not.
    fn answer(self: Box<Self>, group: std::result::Result<(), &StoreError>);
}

struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> QueuedWrite for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Tx<'_>) -> Result<T> + Send,
{
    fn run(&mut self, tx: &Tx<'_>) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A panicking write must not take the writer thread, and every later write, with it.
        let outcome = catch_unwind(AssertUnwindSafe(|| work(tx)))
            .unwrap_or_else(|_| Err(StoreError::Database("a write stopped unexpectedly".into())));
        let ran = outcome.is_ok();
        self.outcome = Some(outcome);
        ran
    }

    fn answer(self: Box<Self>, group: std::result::Result<(), &StoreError>) {
        let Pending { outcome, reply, .. } = *self;
        let outcome = match (outcome, group) {
            (Some(Err(own)), _) => Err(own),
            (_, Err(group)) => Err(group.clone()),
            (Some(done), Ok(())) => done,
            (None, Ok(())) => Err(StoreError::Database("the write did not run".into())),
        };
        // The caller may have gone (a dropped request); its write stands all the same.
        let _ = reply.send(outcome);
    }
}

impl Writer {
    /// Starts the writer on `connection`; `checkpoint` runs a passive checkpoint on another
    /// connection to the same database.
    pub fn start(
        connection: Connection,
        checkpoint: impl Fn() -> Result<()> + Send + 'static,
    ) -> Result<Self> {
        connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (nudge, nudged) = mpsc::sync_channel(1);
        let commits = Arc::new(AtomicU32::new(0));
        let count = CommitCount {
            commits: commits.clone(),
            nudge,
        };
        let checkpointer = spawn("sqlite-checkpoint", move || {
            checkpoints(nudged, commits, checkpoint)
        })?;
        let (queue, jobs) = mpsc::channel();
        let thread = spawn("sqlite-writer", move || serve(connection, jobs, count))?;
        Ok(Writer {
            queue: Some(queue),
            thread: Some(thread),
            checkpointer: Some(checkpointer),
        })
    }

    /// Runs a write, grouped with others queued at the same time, and answers once committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.queue_write(work, false).await
    }

    /// Runs a long write in a transaction of its own.
    pub async fn write_alone<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        self.queue_write(work, true).await
    }

    /// Runs `work` on the writer's connection between transactions.
    pub async fn with_connection<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Connection(Box::new(move |c| {
            let outcome = catch_unwind(AssertUnwindSafe(|| work(c))).unwrap_or_else(|_| {
                Err(StoreError::Database(
                    "maintenance stopped unexpectedly".into(),
                ))
            });
            let _ = reply.send(outcome);
        })))?;
        answer.await.map_err(|_| stopped())?
    }

    async fn queue_write<T, F>(&self, work: F, alone: bool) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let write = Box::new(Pending {
            work: Some(work),
            outcome: None,
            reply,
        });
        self.send(Job::Write { write, alone })?;
        answer.await.map_err(|_| stopped())?
    }

    fn send(&self, job: Job) -> Result<()> {
        self.queue
            .as_ref()
            .and_then(|q| q.send(job).ok())
            .ok_or_else(stopped)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.queue.take());
        // Waits for the queued writes and the connection's close (the writer thread then drops
        // the checkpointer's nudge, which ends it too), so that a store opened next on the same
        // file finds everything in place.
        for thread in [self.thread.take(), self.checkpointer.take()]
            .into_iter()
            .flatten()
        {
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Database("the database writer has stopped".into())
}

fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(work)
        .map_err(|e| StoreError::Database(format!("cannot start {name}: {e}")))
}

/// Runs a checkpoint when the writer asks, and when writes stop for a while after some.
fn checkpoints(
    nudged: mpsc::Receiver<()>,
    commits: Arc<AtomicU32>,
    checkpoint: impl Fn() -> Result<()>,
) {
    let mut checkpointed_at = 0;
    loop {
        match nudged.recv_timeout(CHECKPOINT_AFTER) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let now = commits.load(Ordering::Relaxed);
        // A failed checkpoint (the disk, a lock) leaves the log to the next one.
        if now != checkpointed_at && checkpoint().is_ok() {
            checkpointed_at = now;
        }
    }
}

/// Counts commits for the checkpointer and asks for a checkpoint every so many.
struct CommitCount {
    commits: Arc<AtomicU32>,
    nudge: mpsc::SyncSender<()>,
}

impl CommitCount {
    fn committed(&self) {
        let n = self.commits.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if n.is_multiple_of(COMMITS_PER_CHECKPOINT) {
            // Full: a checkpoint is already asked for.
            let _ = self.nudge.try_send(());
        }
    }
}

fn serve(mut connection: Connection, jobs: mpsc::Receiver<Job>, count: CommitCount) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        match job {
            Job::Connection(work) => work(&mut connection),
            Job::Write { write, alone: true } => {
                commit_group(&mut connection, vec![write]);
                count.committed();
            }
            Job::Write {
                write,
                alone: false,
            } => {
                let mut group = vec![write];
                while group.len() < MOST_IN_A_GROUP {
                    match jobs.try_recv() {
                        Ok(Job::Write {
                            write,
                            alone: false,
                        }) => group.push(write),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_group(&mut connection, group);
                count.committed();
            }
        }
    }
}

/// Runs a group in one IMMEDIATE transaction and answers each write. A write's own failure
/// undoes only that write; a failure of the transaction itself (the disk, the database
/// file) undoes the group, and every write in it is answered with the error.
fn commit_group(connection: &mut Connection, group: Vec<Box<dyn QueuedWrite>>) {
    let mut tx = match connection.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = StoreError::from(e);
            for write in group {
                write.answer(Err(&e));
            }
            return;
        }
    };
    let mut broken = None;
    let mut ran = Vec::with_capacity(group.len());
    for mut write in group {
        if broken.is_none() {
            broken = run_in_savepoint(&mut tx, write.as_mut()).err();
        }
        ran.push(write);
    }
    let group_outcome = match broken {
        // Dropping the transaction rolls it back.
        Some(e) => Err(e),
        None => tx.commit().map_err(StoreError::from),
    };
    for write in ran {
        write.answer(group_outcome.as_ref().map(|_| ()));
    }
}

fn run_in_savepoint(tx: &mut Transaction<'_>, write: &mut dyn QueuedWrite) -> Result<()> {
    // SQLite ends the whole transaction on some errors (a full disk); a savepoint opened then
    // would start a new one and the group would no longer commit or roll back as one.
    if tx.is_autocommit() {
        return Err(StoreError::Database(
            "the transaction ended before its writes did".into(),
        ));
    }
    let savepoint = tx.savepoint()?;
    if write.run(&savepoint) {
        savepoint.commit()?;
    }
    // Otherwise dropping the savepoint rolls the write back to where it started.
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE t (v INTEGER PRIMARY KEY)",
        )
        .unwrap();
        let checkpoint_path = path.clone();
        let checkpoint = move || {
            let c = Connection::open(&checkpoint_path)?;
            Ok(c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?)
        };
        (dir, Writer::start(c, checkpoint).unwrap(), path)
    }

    fn count(path: &std::path::Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_queued_together_fail_or_succeed_each_on_its_own() {
        let (_dir, writer, path) = writer();
        let writer = std::sync::Arc::new(writer);
        let mut tasks = Vec::new();
        for v in 0..200_i64 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                writer
                    .write(move |tx| {
                        tx.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
                        if v % 7 == 0 {
                            // Written, then refused: this write alone is undone.
                            return Err(StoreError::Conflict);
                        }
                        if v == 50 {
                            panic!("a write that panics");
                        }
                        Ok(v)
                    })
                    .await
            }));
        }
        let mut stored = 0;
        for (v, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(got) => {
                    assert_eq!(got, v as i64);
                    stored += 1;
                }
                Err(StoreError::Conflict) => assert_eq!(v % 7, 0),
                Err(other) => {
                    assert_eq!((v, other.to_string().contains("unexpectedly")), (50, true))
                }
            }
        }
        assert_eq!(stored, 200 - 29 - 1);
        // Every answered write is in the file, read by another connection.
        assert_eq!(count(&path), stored);
        // The writer still works after the panic, and a unique clash is the caller's error.
        let clash = writer
            .write(|tx| Ok(tx.execute("INSERT INTO t (v) VALUES (1)", [])?))
            .await;
        assert!(clash.is_err());
        let maintenance = writer
            .with_connection(|c| {
                Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))?)
            })
            .await
            .unwrap();
        assert_eq!(maintenance, stored);
    }

    #[tokio::test]
    async fn checkpoints_run_beside_the_writer_every_so_many_commits_and_after_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let c = Connection::open(dir.path().join("c.db")).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER PRIMARY KEY)")
            .unwrap();
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let writer = Writer::start(c, move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        let insert = |v: u32| move |tx: &Tx<'_>| Ok(tx.execute("INSERT INTO t VALUES (?1)", [v])?);
        // One at a time, so that each is a commit of its own.
        for v in 0..COMMITS_PER_CHECKPOINT {
            writer.write(insert(v)).await.unwrap();
        }
        let waited = |at_least: u32| async move {
            for _ in 0..100 {
                if runs.load(Ordering::SeqCst) >= at_least {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        };
        assert!(
            waited.clone()(1).await,
            "asked for after a batch of commits"
        );
        // A few more, then quiet: the log is checkpointed all the same.
        writer.write(insert(1000)).await.unwrap();
        assert!(waited(2).await, "checkpointed once writes stop");
    }

    #[tokio::test]
    async fn a_write_is_answered_only_after_it_is_committed_and_dropping_the_writer_closes_it() {
        let (_dir, writer, path) = writer();
        writer
            .write_alone(|tx| Ok(tx.execute("INSERT INTO t (v) VALUES (1)", [])?))
            .await
            .unwrap();
        assert_eq!(count(&path), 1);
        drop(writer);
        // Closed: the last connection's checkpoint has emptied the write-ahead log.
        let wal = path.with_file_name("w.db-wal");
        assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    }
}
