//! One integration test binary (one link step on 2 cores): each module is a
//! group of user scenarios driving the real `git` and the built `git-sfsync`.

mod common;
mod components;
mod convert;
mod merge_driver;
mod org_cli;
mod org_client;
mod org_jsforce;
