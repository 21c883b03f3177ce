//! End-to-end tests live in `tests/api`; this library is empty.
