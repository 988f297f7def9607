//! Keeps an Official Account's custom menus equal to a menu file, with wxgate-api alone.
//!
//! [`read_menu`] reads the file (TOML in the shape of wxgate's `[accounts.menu]`, or WeChat's
//! own menu JSON); [`sync`] reads the account's current menus through a [`Credentials`] and
//! pushes the file's only when they differ, so running it from cron or a deploy step costs one
//! `menu/get` when nothing changed.
//!
//! See [WeChat Docs/创建自定义菜单](https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu.html).

use std::path::Path;

use anyhow::Context as _;
use wxgate_api::Credentials;
use wxgate_api::endpoint::menu::MenuSet;

/// What [`sync`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The account's menus already equal the file's; nothing was sent.
    Unchanged,
    /// The file's menus were pushed; the new conditional menus' ids.
    Pushed {
        /// The ids of the conditional menus created.
        conditional_menu_ids: Vec<u64>,
    },
}

/// Reads a menu file: WeChat's JSON when it ends in `.json` or starts with `{`, TOML otherwise.
///
/// # Errors
///
/// The file cannot be read or parsed, or breaks WeChat's menu limits (checked locally).
pub fn read_menu(path: &Path) -> anyhow::Result<MenuSet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    let set = if is_json {
        MenuSet::from_wechat_json(&text).with_context(|| format!("{}", path.display()))?
    } else {
        toml::from_str(&text).with_context(|| format!("{}", path.display()))?
    };
    if let Some(problem) = set.problems().into_iter().next() {
        anyhow::bail!("{}: {problem}", path.display());
    }
    Ok(set)
}

/// Makes `wanted` the account's menus if they differ from the current ones.
///
/// # Errors
///
/// Reading the current menus or pushing failed.
pub async fn sync(credentials: &Credentials, wanted: &MenuSet) -> anyhow::Result<Outcome> {
    let current = MenuSet::fetch(credentials)
        .await
        .context("reading the current menu")?;
    if current == *wanted {
        return Ok(Outcome::Unchanged);
    }
    let conditional_menu_ids = wanted.push(credentials).await.context("pushing the menu")?;
    Ok(Outcome::Pushed {
        conditional_menu_ids,
    })
}
