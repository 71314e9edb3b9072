//! The task table logic, written once as async code over any [`AsyncBackend`].

use std::cell::RefCell;

use crate::id::{EntropyError, IdSource, RandomIds, TaskId};
use crate::store::table::Page;
use crate::store::{
    AsyncBackend, Owner, RemovalReason, Removed, StoreConfig, StoreError, StoredTask, Versioned,
    Write, budget, keys,
};
use crate::task::{Generation, InputAnswers, InputRequests, Task};
use crate::time::UnixMillis;

/// How many times a read-modify-write is tried before giving up with
/// [`StoreError::Contended`]. Each conflict means another writer made progress, so only a
/// hot spot of many writers on one task runs out.
pub const WRITE_ATTEMPTS: u32 = 8;

/// The receiver-side task table over an [`AsyncBackend`]: the same rules as
/// [`TaskStore`](super::TaskStore), with `&self` async methods so that several operations
/// may be in flight at once (each one reads, decides and writes conditionally).
#[derive(Debug)]
pub struct AsyncTaskStore<B, I = RandomIds> {
    backend: B,
    ids: RefCell<I>,
    config: StoreConfig,
    /// Tasks deleted without being asked for by id, when someone drains them.
    removals: RefCell<Option<Vec<Removed>>>,
}

/// Whose view a read-modify-write takes.
#[derive(Clone, Copy)]
pub(super) enum Access<'a> {
    /// The requestor's: another owner's task is not found.
    Owner(&'a Owner),
    /// The work's: the task must still be live.
    Work,
}

/// What an edit of a record decided.
pub(super) enum Edit<T> {
    /// Store the edited record.
    Write(T),
    /// Nothing changed; no write.
    Keep(T),
}

impl<B: AsyncBackend, I: IdSource> AsyncTaskStore<B, I> {
    /// A store over `backend`, minting ids from `ids`.
    pub fn new(backend: B, ids: I, config: StoreConfig) -> Self {
        Self { backend, ids: RefCell::new(ids), config, removals: RefCell::new(None) }
    }

    /// Starts logging the tasks this store deletes on its own (expired, or removed with
    /// their owner) for [`take_removals`](Self::take_removals). Off by default so that a
    /// store nobody drains does not grow a log.
    pub fn log_removals(&self) {
        self.removals.borrow_mut().get_or_insert_with(Vec::new);
    }

    /// The tasks this store deleted since the last call, oldest first (empty unless
    /// [`log_removals`](Self::log_removals) was called).
    pub fn take_removals(&self) -> Vec<Removed> {
        self.removals.borrow_mut().as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The limits in force.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Creates a `working` task for `owner` in `generation`'s wire format, with the
    /// requested TTL clamped to the limits. Refused when the owner has as many live tasks
    /// as allowed ([`StoreError::OwnerLimit`]) or a task-count or byte budget is full
    /// ([`StoreError::LimitExceeded`]).
    pub async fn create(
        &self,
        owner: &Owner,
        generation: Generation,
        requested_ttl_ms: Option<u64>,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let live = keys::live_counter(owner);
        let limit = self.config.max_live_per_owner;
        // The slot is taken before the check: check-then-add lets racing creates overshoot.
        if self.backend.counter_add(&live, 1).await? > i64::from(limit) {
            self.backend.counter_add(&live, -1).await?;
            return Err(StoreError::OwnerLimit { limit });
        }
        let created = self.insert(owner, generation, requested_ttl_ms, now).await;
        if created.is_err() {
            // Best effort: the create already failed with the error worth reporting.
            let _ = self.backend.counter_add(&live, -1).await;
        }
        created
    }

    async fn insert(
        &self,
        owner: &Owner,
        generation: Generation,
        requested_ttl_ms: Option<u64>,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let ttl = self.config.grant_ttl(requested_ttl_ms);
        let seq = u64::try_from(self.backend.counter_add(keys::SEQ_COUNTER, 1).await?).unwrap_or(0);
        for _ in 0..WRITE_ATTEMPTS {
            let task_id = TaskId::from(self.ids.borrow_mut().next_id()?);
            let task = Task::new(task_id.clone(), now, ttl, self.config.poll_interval_ms);
            let mut record = StoredTask {
                task: task.clone(),
                owner: owner.clone(),
                generation,
                seq,
                outcome: None,
                input_requests: InputRequests::new(),
                input_answers: InputAnswers::new(),
                next_input_key: 1,
                cancel_requested: false,
                charged: 0,
            };
            record.charged = budget::record_bytes(&record);
            let bytes = budget::growth(0, record.charged);
            let [owned, total] = self.task_charges(owner, 1);
            let [owner_bytes, all_bytes] = self.byte_charges(owner, bytes);
            let charges = [owned, total, owner_bytes, all_bytes];
            self.reserve(&charges).await?;
            let created = self.backend.create(record).await;
            if !matches!(created, Ok(Write::Done(_))) {
                // Best effort on a backend error: the create failed with the error worth
                // reporting, and a counter left high only errs on the safe side.
                let _ = self.give_back(&charges).await;
            }
            // A taken id must not overwrite someone's task: draw another.
            if created? == Write::Conflict {
                continue;
            }
            // The record goes in first: a reader that finds an index key always finds it.
            self.backend.index_insert(keys::owner_key(owner, seq, &task_id)).await?;
            if let Some(at) = task.expires_at() {
                self.backend.index_insert(keys::expiry_key(at, &task_id)).await?;
            }
            return Ok(task);
        }
        Err(StoreError::Entropy(EntropyError("id source kept returning ids already in use".into())))
    }

    /// The task `id` as `owner` may see it.
    pub async fn get(
        &self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<StoredTask, StoreError> {
        Ok(self.read(id, Access::Owner(owner), now).await?.task)
    }

    /// The task `id` whoever owns it: for the work and the receiver's own bookkeeping,
    /// never for answering a requestor.
    pub async fn peek(&self, id: &TaskId, now: UnixMillis) -> Result<StoredTask, StoreError> {
        Ok(self.live(id, now).await?.task)
    }

    /// One page of `owner`'s tasks, oldest first, resuming after `cursor`.
    pub async fn list(
        &self,
        owner: &Owner,
        cursor: Option<&str>,
        now: UnixMillis,
    ) -> Result<Page, StoreError> {
        let prefix = keys::owner_prefix(owner);
        let mut after = match cursor {
            Some(c) => Some(keys::scan_after(&prefix, c).ok_or(StoreError::InvalidCursor)?),
            None => None,
        };
        let want = self.config.page_size.max(1);
        let mut tasks = Vec::with_capacity(want);
        let mut last_seq = None;
        // Expired tasks not yet swept are skipped, so a page may need several scans.
        loop {
            let batch = self.backend.index_scan(&prefix, after.as_deref(), want + 1).await?;
            let exhausted = batch.len() <= want;
            for key in &batch {
                if tasks.len() == want {
                    let next_cursor = last_seq.map(keys::cursor_for);
                    return Ok(Page { tasks, next_cursor });
                }
                after = Some(key.clone());
                let Some((seq, id)) = keys::parse_owner_key(&prefix, key) else {
                    continue;
                };
                if let Some(found) = self.backend.get(&id).await?
                    && !found.task.task.is_expired(now)
                {
                    tasks.push(found.task.task);
                    last_seq = Some(seq);
                }
            }
            if exhausted {
                return Ok(Page { tasks, next_cursor: None });
            }
        }
    }

    /// Deletes every task whose TTL ran out by `now`, looking at most at `max` of them,
    /// and returns how many this call deleted (a task another store deleted first is not
    /// counted, and one that others kept writing is left for the next sweep). The cost
    /// follows the number expired, not the table size.
    pub async fn sweep(&self, now: UnixMillis, max: usize) -> Result<usize, StoreError> {
        let (mut seen, mut removed) = (0, 0);
        // Scanning on from the last key, not from the start, passes over skipped tasks.
        let mut after: Option<String> = None;
        while seen < max {
            let limit = (max - seen).min(256);
            let batch =
                self.backend.index_scan(keys::EXPIRY_PREFIX, after.as_deref(), limit).await?;
            let Some(last) = batch.last().cloned() else { break };
            for key in &batch {
                let Some((at, id)) = keys::parse_expiry_key(key) else {
                    self.backend.index_remove(key).await?;
                    continue;
                };
                if at > now {
                    return Ok(removed);
                }
                seen += 1;
                // A task others keep writing stays for the next sweep; the rest still go.
                match self.remove_listed(key, Some(id), RemovalReason::Expired, Some(now)).await {
                    Ok(n) => removed += n,
                    Err(StoreError::Contended { .. }) => {}
                    Err(other) => return Err(other),
                }
            }
            after = Some(last);
        }
        Ok(removed)
    }

    /// Deletes every task of `owner`, whatever its status, and returns how many this call
    /// deleted: for an owner that can never call again (an ended session). The cost
    /// follows the owner's tasks, not the table. After an error some of the tasks may be
    /// gone already; calling again finishes the job.
    pub async fn remove_owner(&self, owner: &Owner) -> Result<usize, StoreError> {
        let prefix = keys::owner_prefix(owner);
        let mut removed = 0;
        let mut after: Option<String> = None;
        loop {
            let batch = self.backend.index_scan(&prefix, after.as_deref(), 256).await?;
            let Some(last) = batch.last().cloned() else {
                return Ok(removed);
            };
            for key in &batch {
                let id = keys::parse_owner_key(&prefix, key).map(|(_, id)| id);
                removed += self.remove_listed(key, id, RemovalReason::OwnerRemoved, None).await?;
            }
            after = Some(last);
        }
    }

    /// The live record, unless absent or expired (an expired one is deleted on the way).
    async fn live(&self, id: &TaskId, now: UnixMillis) -> Result<Versioned, StoreError> {
        let not_found = || StoreError::NotFound { task_id: id.clone() };
        let found = self.backend.get(id).await?.ok_or_else(not_found)?;
        if found.task.task.is_expired(now) {
            // Expired reads as not found whoever deletes it; a lost race is no error here.
            match self.remove(found, RemovalReason::Expired, Some(now)).await {
                Ok(_) | Err(StoreError::Contended { .. }) => return Err(not_found()),
                Err(other) => return Err(other),
            }
        }
        Ok(found)
    }

    /// The live record as `access` may see it.
    async fn read(
        &self,
        id: &TaskId,
        access: Access<'_>,
        now: UnixMillis,
    ) -> Result<Versioned, StoreError> {
        let found = self.live(id, now).await?;
        match access {
            Access::Owner(owner) if &found.task.owner != owner => {
                Err(StoreError::NotFound { task_id: id.clone() })
            }
            Access::Work if found.task.task.status().is_terminal() => {
                let status = found.task.task.status();
                Err(StoreError::AlreadyTerminal { task_id: id.clone(), status })
            }
            _ => Ok(found),
        }
    }

    /// Reads the record, applies `edit` and writes it back only if nobody wrote in
    /// between; after a conflict the edit is applied again to what the other writer left.
    /// Returns the task as written, and what the edit said.
    pub(super) async fn modify<T>(
        &self,
        id: &TaskId,
        access: Access<'_>,
        now: UnixMillis,
        mut edit: impl FnMut(&mut StoredTask) -> Result<Edit<T>, StoreError>,
    ) -> Result<(Task, T), StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let Versioned { task: mut record, version } = self.read(id, access, now).await?;
            let before = record.charged;
            let out = match edit(&mut record)? {
                Edit::Keep(out) => return Ok((record.task, out)),
                Edit::Write(out) => out,
            };
            budget::bound_message(&mut record.task, self.config.max_status_message_bytes);
            let after = budget::record_bytes(&record);
            record.charged = after;
            // Growth is taken before the write, shrinkage given back after it.
            let grown = self.byte_charges(&record.owner, budget::growth(before, after));
            let shrunk = self.byte_charges(&record.owner, budget::growth(after, before));
            let grows = after > before;
            if grows {
                self.reserve(&grown).await?;
            }
            let task = record.task.clone();
            let written = self.backend.put_if_version(record, version).await;
            match written {
                Ok(Write::Done(_)) => {
                    if after < before {
                        self.give_back(&shrunk).await?;
                    }
                    return Ok((task, out));
                }
                // What this attempt took is given back; the next one charges afresh.
                Ok(Write::Conflict) if grows => self.give_back(&grown).await?,
                Ok(Write::Conflict) => {}
                Err(e) => {
                    if grows {
                        // Best effort: the backend already failed with the error to report.
                        let _ = self.give_back(&grown).await;
                    }
                    return Err(e.into());
                }
            }
        }
        Err(StoreError::Contended { task_id: id.clone(), attempts: WRITE_ATTEMPTS })
    }

    /// Gives back the live slot a task held until its terminal transition.
    pub(super) async fn release_slot(&self, owner: &Owner) -> Result<(), StoreError> {
        self.backend.counter_add(&keys::live_counter(owner), -1).await?;
        Ok(())
    }

    /// Deletes the record read as `found`, re-reading after a conflict; with `expired_by`,
    /// only while it is still expired then. Returns whether this call deleted it, so that
    /// exactly one of several racing removers cleans up after it.
    async fn remove(
        &self,
        mut found: Versioned,
        reason: RemovalReason,
        expired_by: Option<UnixMillis>,
    ) -> Result<bool, StoreError> {
        let id = found.task.task.task_id.clone();
        for _ in 0..WRITE_ATTEMPTS {
            if expired_by.is_some_and(|now| !found.task.task.is_expired(now)) {
                return Ok(false);
            }
            if let Write::Done(_) = self.backend.remove_if_version(&id, found.version).await? {
                self.forget(&found.task, reason).await?;
                return Ok(true);
            }
            match self.backend.get(&id).await? {
                Some(again) => found = again,
                None => return Ok(false),
            }
        }
        Err(StoreError::Contended { task_id: id, attempts: WRITE_ATTEMPTS })
    }

    /// Deletes the task an index key names (1 when this call deleted it), or else the key:
    /// someone else deleted the task first, or the key is stale.
    async fn remove_listed(
        &self,
        key: &str,
        id: Option<TaskId>,
        reason: RemovalReason,
        expired_by: Option<UnixMillis>,
    ) -> Result<usize, StoreError> {
        let found = match id {
            Some(id) => self.backend.get(&id).await?,
            None => None,
        };
        if let Some(found) = found
            && self.remove(found, reason, expired_by).await?
        {
            return Ok(1);
        }
        self.backend.index_remove(key).await?;
        Ok(0)
    }

    /// What the winner of a deletion owes: the index keys, the live slot, the log.
    async fn forget(&self, record: &StoredTask, reason: RemovalReason) -> Result<(), StoreError> {
        let id = &record.task.task_id;
        self.backend.index_remove(&keys::owner_key(&record.owner, record.seq, id)).await?;
        if let Some(at) = record.task.expires_at() {
            self.backend.index_remove(&keys::expiry_key(at, id)).await?;
        }
        if !record.task.status().is_terminal() {
            self.release_slot(&record.owner).await?;
        }
        self.give_back(&self.task_charges(&record.owner, 1)).await?;
        let bytes = budget::growth(0, record.charged);
        self.give_back(&self.byte_charges(&record.owner, bytes)).await?;
        if let Some(log) = self.removals.borrow_mut().as_mut() {
            log.push(Removed {
                task_id: id.clone(),
                owner: record.owner.clone(),
                generation: record.generation,
                status: record.task.status(),
                reason,
            });
        }
        Ok(())
    }
}
