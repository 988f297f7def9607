//! `cgi-bin/tags/members/*`: tagging users in batches, and the blacklist.
//!
//! Batches name OpenIDs of this account: 40003 for an unknown one, 49003 for one of another
//! account, 40032 for an empty or too long list (50 for tagging, 20 for the blacklist).

pub mod batchblacklist;
pub mod batchtagging;
pub mod batchunblacklist;
pub mod batchuntagging;
pub mod getblacklist;
