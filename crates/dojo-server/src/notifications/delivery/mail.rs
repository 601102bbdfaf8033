//! Mail through the configured SMTP relay: from System Settings
//! `email_from`, to the row's address, subject "<team> notification: <title>"
//! as DefectDojo writes it, a plain-text body.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};

use super::{Attempt, DeliveryConfig, Message};

/// The subject DefectDojo gives notification mail.
pub(crate) fn subject(team_name: &str, title: &str) -> String {
    let mut subject = format!("{team_name} notification");
    if !title.is_empty() {
        subject.push_str(": ");
        subject.push_str(title);
    }
    subject.trim_start().to_owned()
}

pub(crate) async fn send(config: &DeliveryConfig, message: &Message<'_>) -> Attempt {
    let Some(url) = config.smtp_url.as_deref() else {
        return Attempt::Retry("no SMTP server configured (dojo serve --smtp-url)".to_owned());
    };
    let from: Mailbox = match message.settings.email_from.parse() {
        Ok(m) => m,
        Err(e) => return Attempt::Retry(format!("System Settings email_from: {e}")),
    };
    let to: Mailbox = match message.row.destination.parse() {
        Ok(m) => m,
        Err(e) => return Attempt::Fail(format!("bad address {}: {e}", message.row.destination)),
    };
    let email = Email::builder()
        .from(from)
        .to(to)
        .subject(subject(&message.settings.team_name, &message.summary.title))
        .header(ContentType::TEXT_PLAIN)
        .body(message.text());
    let email = match email {
        Ok(e) => e,
        Err(e) => return Attempt::Fail(format!("cannot build the message: {e}")),
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
        Ok(builder) => builder.build(),
        Err(e) => return Attempt::Retry(format!("SMTP URL: {e}")),
    };
    match transport.send(email).await {
        Ok(_) => Attempt::Sent,
        Err(e) if e.is_permanent() => Attempt::Fail(format!("SMTP: {e}")),
        Err(e) => Attempt::Retry(format!("SMTP: {e}")),
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn subject_as_defectdojo_writes_it() {
        assert_eq!(subject("", "Shop"), "notification: Shop");
        assert_eq!(subject("AppSec", "Shop"), "AppSec notification: Shop");
    }
}
