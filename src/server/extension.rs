//! 2026-07-28 owners, as the control tools need to know them.

use crate::receiver::http::ANONYMOUS_OWNER;
use crate::store::Owner;

/// Whether `owner` is the one anonymous owner that every caller without `Authorization`
/// shares: such a caller cannot be told apart from any other, so nothing may be listed
/// for it.
pub(crate) fn is_anonymous(owner: &Owner) -> bool {
    owner.as_str() == ANONYMOUS_OWNER
}
