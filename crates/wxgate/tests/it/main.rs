//! End-to-end tests: the real `wxgate` binary on loopback, with the sandbox as WeChat.

mod cli;
mod faults;
mod process;
mod store_down;
