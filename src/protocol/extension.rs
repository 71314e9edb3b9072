//! The `io.modelcontextprotocol/tasks` extension (protocol 2026-07-28).
