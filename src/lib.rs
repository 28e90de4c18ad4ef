//! git-sfsync's library core: everything that knows about Salesforce metadata,
//! Git and orgs, and nothing that prints, reads the terminal or picks an exit code.
//!
//! The binary's `cli` module is the only caller that talks to a person; every
//! module here returns values and typed errors so that it can be tested without
//! a terminal, a repository or a network. See ARCHITECTURE.md for the map.

pub mod apex;
pub mod config;
pub mod convert;
pub mod diff;
pub mod git;
pub mod guard;
pub mod install;
pub mod merge;
pub mod metadata;
pub mod org;
pub mod promote;
pub mod selection;
pub mod semantic;
pub mod snapshot;
pub mod status;
pub mod xml;
