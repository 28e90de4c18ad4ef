//! Org backends: the Metadata API client, the org emulator, and the `Org` trait
//! every command talks to.
//!
//! An org URL picks the backend: `https://...` is a real org, `http://127.0.0.1:<port>`
//! a running emulator, and `local:<dir>` an emulator started in-process on a
//! loopback port. All three go through the same HTTP client, so every test
//! exercises the real protocol.

mod error;
pub mod emulator;
pub mod layout;
pub mod soap;
pub mod zip;

pub use error::Error;
