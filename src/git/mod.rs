//! The Git model: repositories, revisions and the trees git-sfsync reads and writes.

pub mod tree;
