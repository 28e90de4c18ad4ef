//! One integration test binary (one link step on 2 cores): each module is a
//! group of user scenarios driving the real `git` and the built `git-sfsync`.
mod apex_merge;
mod common;
mod components;
mod convert;
mod demo;
mod diff;
mod init;
mod merge_driver;
mod merge_e2e;
mod org_cli;
mod org_client;
mod org_jsforce;
mod pre_push;
mod promote;
mod push_pull;
mod snapshot;
mod status;
mod xml_merge;
