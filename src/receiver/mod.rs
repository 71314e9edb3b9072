//! JSON-RPC `tasks/*` handling over a store, for both generations.
