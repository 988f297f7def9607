//! Pushes to a component's authorization-event URL: `component_verify_ticket` every 10 minutes of
//! virtual time (and on demand), and the `authorized` / `updateauthorized` / `unauthorized`
//! notices. Each is encrypted with the component's token, key and AppID, sent as
//! `<xml><AppId>…</AppId><Encrypt>…</Encrypt></xml>`, and must be answered `success`.
//!
//! See [WeChat Docs/验证票据](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/component_verify_ticket.html)
//! and [WeChat Docs/授权变更通知推送](https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/authorize_event.html).

use std::sync::Weak;
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_proto::xml::Writer;

use super::deliver::{self, DeliveryOutcome, Prepared};
use crate::{Inner, Sandbox};

/// How often (wall time) the background scheduler looks for due ticket pushes.
const SCHEDULER_PERIOD: Duration = Duration::from_secs(1);

/// Push a notice with `InfoType` `info_type` to the component's events URL and record the
/// delivery; returns the record (`None` for an unknown component).
pub(crate) async fn push_notice(
    sb: &Sandbox,
    component_appid: &str,
    info_type: &str,
    fill: impl FnOnce(&mut Writer),
) -> Option<Value> {
    let prepared = sb.with_state(|s| {
        let now = s.now();
        let random16 = s.random16();
        let spec = s.component(component_appid)?.spec.clone();
        let mut w = Writer::new();
        w.text("AppId", component_appid)
            .number("CreateTime", now)
            .text("InfoType", info_type);
        fill(&mut w);
        Some(Prepared::component(&spec, "", w.finish(), random16))
    })?;
    let xml = prepared.xml.clone();
    let delivery = deliver::deliver(sb, prepared).await;
    let outcome = match delivery.outcome {
        DeliveryOutcome::Success => "success",
        DeliveryOutcome::Timeout => "timeout",
        _ => "invalid",
    };
    let error = match delivery.outcome {
        DeliveryOutcome::Success | DeliveryOutcome::Timeout => delivery.error.clone(),
        _ if delivery.status.is_some_and(|s| !(200..300).contains(&s)) => delivery.error.clone(),
        _ => Some("the answer must be the literal string success".to_owned()),
    };
    sb.with_state(|s| {
        let now = s.now();
        let record = json!({
            "info_type": info_type,
            "at": now,
            "xml": xml,
            "outcome": outcome,
            "attempts": delivery.attempts,
            "elapsed_ms": delivery.elapsed_ms,
            "status": delivery.status,
            "error": error,
        });
        if let Ok(component) = s.component_mut(component_appid) {
            component.record_delivery(record.clone());
        }
        Some(record)
    })
}

/// Issue a new verify ticket and push it now; returns the delivery record.
pub(crate) async fn push_ticket(sb: &Sandbox, component_appid: &str) -> Option<Value> {
    let ticket = sb.with_state(|s| s.new_verify_ticket(component_appid))?;
    push_notice(sb, component_appid, "component_verify_ticket", |w| {
        w.text("ComponentVerifyTicket", &ticket);
    })
    .await
}

/// Push, in the background, a ticket to every component whose scheduled push is due. Called when
/// the virtual clock moves and by the scheduler.
pub(crate) fn run_due(sb: &Sandbox) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let due = sb.with_state(|s| {
        let due = s.due_tickets();
        // Claim them now so a concurrent run does not push twice.
        for id in &due {
            let _ = s.new_verify_ticket_slot(id);
        }
        due
    });
    for component_appid in due {
        let sb = sb.clone();
        runtime.spawn(async move {
            push_ticket(&sb, &component_appid).await;
        });
    }
}

/// The scheduler: while the sandbox lives, pushes due tickets as the (unfrozen) clock runs.
pub(crate) async fn scheduler(inner: Weak<Inner>) {
    loop {
        tokio::time::sleep(SCHEDULER_PERIOD).await;
        let Some(inner) = inner.upgrade() else { return };
        run_due(&Sandbox { inner });
    }
}
