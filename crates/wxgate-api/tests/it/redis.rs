//! Three instances sharing one Redis.

use std::sync::Arc;

use wxgate_api::Credentials;
use wxgate_store::Store;

use crate::common::{Env, eventually, unique};

/// A Redis store, or `None` (with a notice) when none answers and it is not required.
pub(crate) async fn redis() -> Option<Arc<dyn Store>> {
    let url = std::env::var("WXGATE_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    let required = std::env::var("WXGATE_REQUIRE_REDIS").is_ok_and(|v| v == "1");
    let store = match wxgate_store::RedisStore::open(&url).await {
        Ok(store) => store,
        Err(error) if !required => {
            eprintln!(
                "skipping: no Redis at {url} ({error}); set WXGATE_REQUIRE_REDIS=1 to fail instead"
            );
            return None;
        }
        Err(error) => panic!("WXGATE_REQUIRE_REDIS=1 but Redis at {url} failed: {error}"),
    };
    // The store connects lazily on some versions: prove it answers.
    match store.get("wxgate-api-test:probe").await {
        Ok(_) => Some(Arc::new(store)),
        Err(error) if !required => {
            eprintln!("skipping: Redis at {url} does not answer ({error})");
            None
        }
        Err(error) => panic!("WXGATE_REQUIRE_REDIS=1 but Redis at {url} failed: {error}"),
    }
}

async fn load(instances: &[Credentials], per_instance: usize) -> Vec<String> {
    let tasks: Vec<_> = instances
        .iter()
        .flat_map(|c| std::iter::repeat_n(c.clone(), per_instance))
        .map(|credentials| tokio::spawn(async move { credentials.access_token().await }))
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap().token);
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_redis_make_one_call_per_refresh() {
    let Some(probe) = redis().await else { return };
    let env = Env::start().await;
    let account = unique("redis3");
    let mut instances = Vec::new();
    for i in 0..3 {
        let store = redis().await.expect("redis answered before");
        let options = env.options().instance_id(format!("instance-{i}"));
        instances.push(Credentials::new(
            env.client(),
            store,
            env.account(&account),
            options,
        ));
    }

    // Cold start under load on all three.
    let tokens = load(&instances, 200).await;
    assert_eq!(tokens.len(), 1, "all instances agree");
    assert_eq!(env.calls("cgi-bin/token").await, 1);

    // Refresh ahead: inside the margin, one instance refreshes, the others pick it up.
    env.advance_local(7200 - 200);
    load(&instances, 100).await;
    eventually("every instance serving the refreshed token", || async {
        load(&instances, 5).await.len() == 1 && load(&instances, 1).await[0] != tokens[0]
    })
    .await;
    assert_eq!(env.calls("cgi-bin/token").await, 2);

    // Expired everywhere (cold again): still one call.
    env.advance(7200).await;
    let after = load(&instances, 200).await;
    assert_eq!(after.len(), 1);
    assert_eq!(env.calls("cgi-bin/token").await, 3);

    // A 40001 reported to every instance at once: one refresh.
    env.advance_local(10);
    let stale = after[0].clone();
    let tasks: Vec<_> = instances
        .iter()
        .flat_map(|c| std::iter::repeat_n(c.clone(), 50))
        .map(|credentials| {
            let stale = stale.clone();
            tokio::spawn(async move { credentials.refresh_access_token(Some(&stale)).await })
        })
        .collect();
    let mut refreshed = Vec::new();
    for task in tasks {
        refreshed.push(task.await.unwrap().unwrap().token);
    }
    refreshed.dedup();
    assert_eq!(refreshed.len(), 1);
    assert_ne!(refreshed[0], stale);
    assert_eq!(env.calls("cgi-bin/token").await, 4);

    for name in ["access_token", "access_token:lease"] {
        probe
            .delete(&format!("wxgate:{{{account}}}:{name}"))
            .await
            .unwrap();
    }
}
