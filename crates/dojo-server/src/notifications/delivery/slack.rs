//! Slack: `chat.postMessage` with the System Settings token and username, to
//! the system channel or a user's direct-message id (`@U…`).

use super::{http_attempt, Attempt, DeliveryConfig, Message};

pub(crate) async fn send(
    http: &reqwest::Client,
    config: &DeliveryConfig,
    message: &Message<'_>,
) -> Attempt {
    let url = format!(
        "{}/chat.postMessage",
        config.slack_api_url.trim_end_matches('/')
    );
    let settings = message.settings;
    let text = message.text();
    let form = [
        ("token", settings.slack_token.as_str()),
        ("channel", message.row.destination.as_str()),
        ("username", settings.slack_username.as_str()),
        ("text", text.as_str()),
    ];
    let response = match http
        .post(&url)
        .form(&form)
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Attempt::Retry(format!("Slack: {e}")),
    };
    let status = response.status();
    if !status.is_success() {
        return http_attempt(status, "Slack");
    }
    // Slack answers 200 with `{"ok": false, "error": …}` for refused messages.
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    if answer["ok"] == true {
        return Attempt::Sent;
    }
    let error = answer["error"].as_str().unwrap_or("unexpected answer");
    if error == "ratelimited" {
        Attempt::Retry(format!("Slack: {error}"))
    } else {
        Attempt::Fail(format!("Slack: {error}"))
    }
}
