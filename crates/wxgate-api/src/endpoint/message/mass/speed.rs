//! `cgi-bin/message/mass/speed/*`: the account's mass-send speed.
//!
//! Speeds 0–4 are 80, 60, 45, 30 and 10 ten-thousand messages per minute (`realspeed`).

pub mod get;
pub mod set;

/// `realspeed` (10 000 messages per minute) of each speed level 0–4.
pub const REAL_SPEEDS: [u32; 5] = [80, 60, 45, 30, 10];
