//! End-to-end tests: the real `wxgate` binary on loopback, with the sandbox as WeChat.

mod account;
mod browser_demo;
mod cli;
mod component;
mod component_e2e;
mod dedup_rss;
mod deferred_kill;
mod demo_clock;
mod demo_data;
mod demo_funnel;
mod demo_h5;
mod faults;
mod followers;
mod funnel_e2e;
mod menu;
mod operator;
mod process;
mod proxy;
mod quota_call;
mod readme;
mod store_down;
#[path = "../../../wxgate-sandbox/tests/it/webdriver.rs"]
mod webdriver;
mod webhooks;
