//! End-to-end tests: the real `wxgate` binary on loopback, with the sandbox as WeChat.

mod cli;
mod deferred_kill;
mod faults;
mod process;
mod store_down;
