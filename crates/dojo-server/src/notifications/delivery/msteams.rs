//! Microsoft Teams: a MessageCard POSTed to the incoming-webhook URL of
//! System Settings (Teams has no direct messages).

use serde_json::json;

use super::{http_attempt, Attempt, Message};

pub(crate) async fn send(http: &reqwest::Client, message: &Message<'_>) -> Attempt {
    let s = message.summary;
    let mut card = json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": s.title,
        "title": s.title,
        "text": s.description,
    });
    if let Some(url) = &s.url_ui {
        card["potentialAction"] = json!([{
            "@type": "OpenUri",
            "name": "View in Dojo",
            "targets": [{"os": "default", "uri": url}],
        }]);
    }
    match http
        .post(&message.row.destination)
        .json(&card)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
    {
        Ok(response) => http_attempt(response.status(), "Microsoft Teams"),
        Err(e) => Attempt::Retry(format!("Microsoft Teams: {e}")),
    }
}
