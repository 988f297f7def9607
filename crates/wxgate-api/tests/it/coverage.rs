//! Every endpoint of the typed client has a route in the sandbox, and every WeChat API the
//! sandbox serves has an endpoint in the client; each endpoint lives in the file named after
//! its WeChat path (`endpoint/menu/create.rs` is `/cgi-bin/menu/create`, `endpoint/sns/userinfo.rs`
//! is `/sns/userinfo`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `(method, path)` of every endpoint file under `src/endpoint`, checked against its file name.
fn client_endpoints() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/endpoint");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let path_re = regex::Regex::new(r#"const PATH: &'static str = "([^"]+)";"#).unwrap();
    let method_re = regex::Regex::new(r"const METHOD: Method = Method::(Get|Post);").unwrap();
    let mut endpoints = BTreeSet::new();
    let mut misplaced = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let paths: Vec<&str> = path_re
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let methods: Vec<&str> = method_re
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            paths.len() <= 1 && paths.len() == methods.len(),
            "{rel}.rs: one endpoint per file, with its PATH and METHOD ({paths:?}, {methods:?})"
        );
        let (Some(path), Some(method)) = (paths.first(), methods.first()) else {
            continue;
        };
        let expected = if rel.starts_with("sns/") {
            format!("/{rel}")
        } else {
            format!("/cgi-bin/{rel}")
        };
        if *path != expected {
            misplaced.push(format!(
                "{rel}.rs declares {path}, its file says {expected}"
            ));
        }
        endpoints.insert((method.to_uppercase(), (*path).to_owned()));
    }
    assert!(
        misplaced.is_empty(),
        "endpoint files out of place:\n{}",
        misplaced.join("\n")
    );
    endpoints
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn client_endpoints_and_sandbox_routes_match_both_ways() {
    let client = client_endpoints();
    let sandbox: BTreeSet<(String, String)> = wxgate_sandbox::wechat_apis()
        .into_iter()
        .map(|(method, path)| (method.to_owned(), path))
        .collect();
    assert!(
        client.len() >= 9,
        "the scan found {} endpoints",
        client.len()
    );
    let list = |set: BTreeSet<&(String, String)>| {
        set.iter()
            .map(|(method, path)| format!("  {method} {path}\n"))
            .collect::<String>()
    };
    let no_route = list(client.difference(&sandbox).collect());
    let no_endpoint = list(sandbox.difference(&client).collect());
    assert!(
        no_route.is_empty() && no_endpoint.is_empty(),
        "client endpoints the sandbox does not serve:\n{no_route}\
         sandbox APIs the client has no endpoint for:\n{no_endpoint}"
    );
}

/// The README's "WeChat APIs" table lists every client endpoint, and nothing else.
#[test]
fn the_readme_lists_every_endpoint() {
    let readme = include_str!("../../../../README.md");
    let section = readme
        .split("\n## WeChat APIs\n")
        .nth(1)
        .expect("a ## WeChat APIs section")
        .split("\n## ")
        .next()
        .unwrap();
    let row = regex::Regex::new(r"(?m)^\| `(GET|POST) (/[^`]+)` \|").unwrap();
    let listed: BTreeSet<(String, String)> = row
        .captures_iter(section)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect();
    let client = client_endpoints();
    let missing: Vec<_> = client.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&client).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README rows missing: {missing:?}; rows without an endpoint: {extra:?}"
    );
}
