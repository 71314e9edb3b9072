//! How the store lays out index keys, counters and cursors in a backend.
//!
//! Keys sort by byte order, so numbers are fixed-width hex. Owners are length-prefixed, so
//! no owner's prefix is a prefix of another's.

use crate::id::TaskId;
use crate::store::Owner;
use crate::time::UnixMillis;

/// The counter that numbers tasks in creation order.
pub(super) const SEQ_COUNTER: &str = "seq";

/// Prefix of every expiry index key; they sort by expiry time.
pub(super) const EXPIRY_PREFIX: &str = "x:";

/// Prefix of the owner's creation-ordered list.
pub(super) fn owner_prefix(owner: &Owner) -> String {
    format!("o:{}:{}:", owner.as_str().len(), owner.as_str())
}

/// The owner-list key of one task.
pub(super) fn owner_key(owner: &Owner, seq: u64, id: &TaskId) -> String {
    format!("{}{seq:016x}:{id}", owner_prefix(owner))
}

/// The expiry key of one task.
pub(super) fn expiry_key(at: UnixMillis, id: &TaskId) -> String {
    format!("{EXPIRY_PREFIX}{:016x}:{id}", at.0)
}

/// Reads an expiry key back into its time and task id.
pub(super) fn parse_expiry_key(key: &str) -> Option<(UnixMillis, TaskId)> {
    let rest = key.strip_prefix(EXPIRY_PREFIX)?;
    let (at, id) = (rest.get(..16)?, rest.get(17..)?);
    let at = u64::from_str_radix(at, 16).ok()?;
    Some((UnixMillis(at), TaskId::from(id)))
}

/// Reads the task id out of an owner-list key that starts with `prefix`.
pub(super) fn parse_owner_key(prefix: &str, key: &str) -> Option<(u64, TaskId)> {
    let rest = key.strip_prefix(prefix)?;
    let seq = u64::from_str_radix(rest.get(..16)?, 16).ok()?;
    Some((seq, TaskId::from(rest.get(17..)?)))
}

/// The counter of an owner's live (non-terminal) tasks.
pub(super) fn live_counter(owner: &Owner) -> String {
    format!("live:{}:{}", owner.as_str().len(), owner.as_str())
}

/// The counter of an owner's stored tasks, terminal ones included.
pub(super) fn tasks_counter(owner: &Owner) -> String {
    format!("tasks:{}:{}", owner.as_str().len(), owner.as_str())
}

/// The counter of the bytes an owner's tasks are charged.
pub(super) fn bytes_counter(owner: &Owner) -> String {
    format!("bytes:{}:{}", owner.as_str().len(), owner.as_str())
}

/// The counter of every stored task.
pub(super) const TASKS_COUNTER: &str = "tasks";

/// The counter of the bytes every stored task is charged.
pub(super) const BYTES_COUNTER: &str = "bytes";

const CURSOR_TAG: &str = "c1.";

/// The opaque cursor that resumes a listing after the task numbered `seq`.
pub(super) fn cursor_for(seq: u64) -> String {
    format!("{CURSOR_TAG}{seq:016x}")
}

/// Where a listing resumes: the scan position after the task the cursor names.
///
/// Position rather than identity is what makes a cursor survive deletes: the task it
/// names may be gone, and the scan still starts after where it was.
pub(super) fn scan_after(prefix: &str, cursor: &str) -> Option<String> {
    let hex = cursor.strip_prefix(CURSOR_TAG)?;
    if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    // ';' sorts right after ':', so every key of this seq sorts before the position and
    // every key of a later seq after it.
    Some(format!("{prefix}{hex};"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_prefixes_do_not_nest() {
        let a = owner_prefix(&Owner::from("ab"));
        let b = owner_prefix(&Owner::from("ab:1"));
        assert!(!b.starts_with(&a) && !a.starts_with(&b));
    }

    #[test]
    fn keys_parse_back() {
        let id = TaskId::from("x:y");
        let key = expiry_key(UnixMillis(42), &id);
        assert_eq!(parse_expiry_key(&key), Some((UnixMillis(42), id.clone())));
        let owner = Owner::from("me");
        let key = owner_key(&owner, 7, &id);
        assert_eq!(parse_owner_key(&owner_prefix(&owner), &key), Some((7, id)));
    }

    #[test]
    fn cursors_reject_forgeries() {
        let p = owner_prefix(&Owner::from("me"));
        assert!(scan_after(&p, &cursor_for(5)).is_some());
        for bad in [
            "",
            "c1.",
            "c1.zz",
            "c1.000000000000000G",
            "c2.0000000000000005",
            "c1.00000000000000050",
        ] {
            assert_eq!(scan_after(&p, bad), None, "{bad}");
        }
    }
}
