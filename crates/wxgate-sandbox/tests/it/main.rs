//! Integration tests: a real sandbox on 127.0.0.1:0, driven over HTTP.
#![allow(unreachable_pub)]

mod common;

mod browser;
mod components;
mod console_data;
mod control;
mod determinism;
mod media;
mod menu;
mod message;
mod oauth;
mod persistence;
mod publish;
mod push;
mod qrcode;
mod tags;
mod third_party;
mod ticket;
mod token;
mod user;
mod web;
