//! `wxgate menu push|pull|diff|delete ACCOUNT`: an account's custom menus, from the
//! configuration's `[accounts.menu]` or a menu file, through the shared credential store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use wxgate_api::endpoint::menu::{self, Button, ButtonKind, ConditionalMenu, MatchRule, MenuSet};
use wxgate_server::Config;

use crate::account::AccountArgs;

/// `wxgate menu …`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum MenuCommand {
    /// Make a menu the account's menus: the default menu, then each conditional menu.
    ///
    /// The push is a replacement: the account's existing conditional menus are deleted first,
    /// and the default menu is overwritten. A file with no buttons and no conditional menus
    /// deletes every menu. The menu is checked locally before anything is sent.
    Push {
        #[command(flatten)]
        account: AccountArgs,
        /// The menu: TOML in the shape of `[accounts.menu]` (`[[button]]`,
        /// `[[conditional]]`), or WeChat's JSON (the `menu/create` body or the `menu/get`
        /// answer). Without it, the configuration's `[accounts.menu]`.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Print the account's current menus (in the shape `push` reads).
    Pull {
        #[command(flatten)]
        account: AccountArgs,
        /// `toml` (the shape of `[accounts.menu]`) or `json` (WeChat's `menu/get` shape).
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
    /// Show what a push would change; exit code 0 when nothing, 1 when something.
    Diff {
        #[command(flatten)]
        account: AccountArgs,
        /// The menu file, as for `push`; without it, the configuration's `[accounts.menu]`.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Delete every menu of the account, conditional menus included.
    Delete {
        #[command(flatten)]
        account: AccountArgs,
    },
}

/// The output format of `menu pull`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// TOML, the shape of `[accounts.menu]`.
    Toml,
    /// WeChat's `menu/get` JSON.
    Json,
}

/// Runs a `menu` command.
pub(crate) async fn run(command: MenuCommand) -> anyhow::Result<ExitCode> {
    match command {
        MenuCommand::Push { account, file } => {
            let wanted = wanted(&account, file.as_deref())?;
            let opened = account.open().await?;
            let ids = wanted
                .push(&opened.credentials)
                .await
                .context("menu push")?;
            if wanted.is_empty() {
                println!("deleted every menu of {}", account.account);
            } else {
                println!(
                    "pushed the default menu ({} button(s)) and {} conditional menu(s) to {}",
                    wanted.button.len(),
                    ids.len(),
                    account.account
                );
                for id in ids {
                    println!("conditional menuid {id}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        MenuCommand::Pull { account, format } => {
            let opened = account.open().await?;
            let current = MenuSet::fetch(&opened.credentials)
                .await
                .context("menu/get")?;
            match format {
                Format::Toml => print!("{}", to_toml(&current)?),
                Format::Json => println!("{}", current.to_wechat_json()),
            }
            Ok(ExitCode::SUCCESS)
        }
        MenuCommand::Diff { account, file } => {
            let wanted = wanted(&account, file.as_deref())?;
            let opened = account.open().await?;
            let current = MenuSet::fetch(&opened.credentials)
                .await
                .context("menu/get")?;
            let changes = diff(&current, &wanted);
            if changes.is_empty() {
                println!("no changes");
                return Ok(ExitCode::SUCCESS);
            }
            for change in changes {
                println!("{change}");
            }
            Ok(ExitCode::FAILURE)
        }
        MenuCommand::Delete { account } => {
            let opened = account.open().await?;
            opened
                .credentials
                .call(&menu::delete::Request::new())
                .await
                .context("menu/delete")?;
            println!("deleted every menu of {}", account.account);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The menu to push: the file's, or the configuration's `[accounts.menu]`; checked locally.
fn wanted(account: &AccountArgs, file: Option<&Path>) -> anyhow::Result<MenuSet> {
    let (set, origin) = match file {
        Some(file) => (read_file(file)?, file.display().to_string()),
        None => {
            let config = Config::load(&account.config)
                .map_err(|e| anyhow::anyhow!("{}:\n{e}", account.config.display()))?;
            let found = config.account(&account.account).with_context(|| {
                format!("no account {:?} in the configuration", account.account)
            })?;
            let Some(set) = found.menu.clone() else {
                bail!(
                    "{}: account {:?} has no [accounts.menu]; give --file FILE",
                    account.config.display(),
                    account.account
                );
            };
            (set, account.config.display().to_string())
        }
    };
    let problems = set.problems();
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        bail!("{origin}: the menu is invalid:\n{}", lines.join("\n"));
    }
    Ok(set)
}

/// Reads a menu file: WeChat's JSON when it ends in `.json` or starts with `{`, else TOML.
pub(crate) fn read_file(path: &Path) -> anyhow::Result<MenuSet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || (!path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
            && text.trim_start().starts_with('{'));
    if json {
        MenuSet::from_wechat_json(&text)
            .with_context(|| format!("{}: not a WeChat menu JSON", path.display()))
    } else {
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

/// The set as TOML in the shape of `[accounts.menu]`.
pub(crate) fn to_toml(set: &MenuSet) -> anyhow::Result<String> {
    toml::to_string(set).context("cannot write the menu as TOML")
}

/// What pushing `wanted` over `current` changes, one readable line each (empty when equal).
pub(crate) fn diff(current: &MenuSet, wanted: &MenuSet) -> Vec<String> {
    let mut out = Vec::new();
    diff_buttons("button", &current.button, &wanted.button, &mut out);
    let len = current.conditional.len().max(wanted.conditional.len());
    for i in 0..len {
        let at = format!("conditional[{i}]");
        match (current.conditional.get(i), wanted.conditional.get(i)) {
            (Some(old), Some(new)) => diff_conditional(&at, old, new, &mut out),
            (None, Some(new)) => out.push(format!(
                "+ {at}: for {}, {} button(s)",
                rule(&new.matchrule),
                new.button.len()
            )),
            (Some(old), None) => out.push(format!(
                "- {at}: for {}, {} button(s)",
                rule(&old.matchrule),
                old.button.len()
            )),
            (None, None) => {}
        }
    }
    out
}

fn diff_conditional(at: &str, old: &ConditionalMenu, new: &ConditionalMenu, out: &mut Vec<String>) {
    if old.matchrule != new.matchrule {
        out.push(format!(
            "~ {at}.matchrule: {} -> {}",
            rule(&old.matchrule),
            rule(&new.matchrule)
        ));
    }
    diff_buttons(&format!("{at}.button"), &old.button, &new.button, out);
}

fn diff_buttons(at: &str, old: &[Button], new: &[Button], out: &mut Vec<String>) {
    for i in 0..old.len().max(new.len()) {
        let path = format!("{at}[{i}]");
        match (old.get(i), new.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => match (&a.kind, &b.kind) {
                (ButtonKind::SubMenu(subs_a), ButtonKind::SubMenu(subs_b)) => {
                    if a.name != b.name {
                        out.push(format!("~ {path}.name: {:?} -> {:?}", a.name, b.name));
                    }
                    diff_buttons(&format!("{path}.sub_button"), subs_a, subs_b, out);
                }
                _ => out.push(format!("~ {path}: {} -> {}", describe(a), describe(b))),
            },
            (None, Some(b)) => out.push(format!("+ {path}: {}", describe(b))),
            (Some(a), None) => out.push(format!("- {path}: {}", describe(a))),
            (None, None) => {}
        }
    }
}

/// `"name" (click, key=K)`
fn describe(button: &Button) -> String {
    let what = match &button.kind {
        ButtonKind::SubMenu(subs) => format!("sub-menu of {}", subs.len()),
        ButtonKind::Click { key }
        | ButtonKind::ScancodePush { key }
        | ButtonKind::ScancodeWaitmsg { key }
        | ButtonKind::PicSysphoto { key }
        | ButtonKind::PicPhotoOrAlbum { key }
        | ButtonKind::PicWeixin { key }
        | ButtonKind::LocationSelect { key } => format!("key={key}"),
        ButtonKind::View { url } => format!("url={url}"),
        ButtonKind::MiniProgram {
            url,
            appid,
            pagepath,
        } => format!("appid={appid}, pagepath={pagepath}, url={url}"),
        ButtonKind::MediaId { media_id } | ButtonKind::ViewLimited { media_id } => {
            format!("media_id={media_id}")
        }
        ButtonKind::ArticleId { article_id } | ButtonKind::ArticleViewLimited { article_id } => {
            format!("article_id={article_id}")
        }
        _ => String::new(),
    };
    match button.kind.type_name() {
        Some(kind) => format!("{:?} ({kind}, {what})", button.name),
        None => format!("{:?} ({what})", button.name),
    }
}

/// `tag_id=2, client_platform_type=1`
fn rule(rule: &MatchRule) -> String {
    let mut parts = Vec::new();
    if let Some(tag) = rule.tag_id {
        parts.push(format!("tag_id={tag}"));
    }
    if let Some(platform) = rule.client_platform_type {
        parts.push(format!("client_platform_type={}", platform.code()));
    }
    if parts.is_empty() {
        "everyone".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> MenuSet {
        MenuSet::new(
            vec![
                Button::click("今日歌曲", "V1"),
                Button::sub_menu("菜单", vec![Button::view("搜索", "http://a/")]),
            ],
            vec![ConditionalMenu::new(
                MatchRule::tag(2),
                vec![Button::click("VIP", "VIP")],
            )],
        )
    }

    #[test]
    fn toml_round_trips() {
        let text = to_toml(&set()).unwrap();
        assert!(text.contains("[[button.sub_button]]"), "{text}");
        assert!(text.contains("[[conditional]]"), "{text}");
        let back: MenuSet = toml::from_str(&text).unwrap();
        assert_eq!(back, set());
    }

    #[test]
    fn diff_is_readable_and_empty_when_equal() {
        assert!(diff(&set(), &set()).is_empty());
        let mut wanted = set();
        wanted.button[1] = Button::sub_menu(
            "更多",
            vec![
                Button::view("搜索", "http://b/"),
                Button::click("新", "NEW"),
            ],
        );
        wanted.conditional.clear();
        let changes = diff(&set(), &wanted);
        assert_eq!(
            changes,
            [
                r#"~ button[1].name: "菜单" -> "更多""#,
                r#"~ button[1].sub_button[0]: "搜索" (view, url=http://a/) -> "搜索" (view, url=http://b/)"#,
                r#"+ button[1].sub_button[1]: "新" (click, key=NEW)"#,
                "- conditional[0]: for tag_id=2, 1 button(s)",
            ]
        );
    }
}
