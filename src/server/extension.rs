//! 2026-07-28 owners, as the control tools need to know them.

use crate::store::Owner;

/// Whether `owner` is an anonymous owner, which every caller without `Authorization` from
/// one address shares: such a caller cannot be told apart from the others there, so
/// nothing may be listed for it.
pub(crate) fn is_anonymous(owner: &Owner) -> bool {
    crate::receiver::http::is_anonymous(owner)
}
