//! Core tasks of protocol revision 2025-11-25.
