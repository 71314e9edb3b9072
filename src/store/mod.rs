//! The receiver-side task store.
