//! The end-of-run webhook: one JSON POST that both Slack and Microsoft Teams incoming webhooks
//! accept, so an administrator pastes either URL and it works.
//!
//! What each service requires, and the body that satisfies all of them:
//! - **Slack incoming webhooks** post the top-level `text` (mrkdwn, in which `&`, `<` and `>` must be
//!   written `&amp;`, `&lt;`, `&gt;` — otherwise `<!channel>` in a file name would ping a whole
//!   channel). Unknown top-level fields (`type`) are ignored; `attachments` are Slack's legacy
//!   secondary attachments, of which ours carries only a `fallback` Slack knows, so Slack shows the
//!   text once.
//! - **Teams, legacy Office 365 / Microsoft 365 connector** ("Incoming Webhook"): a MessageCard
//!   needs `text`, which is there; the connector also takes the `type: "message"` envelope with an
//!   Adaptive Card attachment.
//! - **Teams Workflows** ("When a Teams webhook request is received", the connectors' successor)
//!   accept Adaptive Cards only: `{"type": "message", "attachments": [{"contentType":
//!   "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", ...}}]}` and post
//!   each attachment's card. Ours has the subject, the counts as a FactSet, the deficit headline and
//!   the run folder.
//!
//! So the body is `text` + `type: "message"` + one Adaptive Card attachment. The webhook URL is a
//! credential (whoever has it can post to the channel): it is kept as a [`Secret`], errors name
//! only its host, and redirects are not followed. The request has one deadline.

use std::time::Duration;

use serde_json::{Value, json};

use crate::notify::{DEFAULT_TIMEOUT, NotifyError, RunNotice, error_chain, one_line, redact};
use crate::secret::Secret;

/// The answer body we quote in an error, at most.
const QUOTED_BODY: usize = 200;

/// Where to POST. `Debug` shows the URL as `[redacted]`.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// The incoming-webhook URL (Slack, Teams, or any receiver of this JSON).
    pub url: Secret,
    /// Deadline for the whole request.
    pub timeout: Duration,
}

impl WebhookConfig {
    /// A config with [`DEFAULT_TIMEOUT`].
    pub fn new(url: Secret) -> Self {
        Self { url, timeout: DEFAULT_TIMEOUT }
    }
}

/// The JSON body for `notice` (see the module documentation for its shape).
pub fn payload(notice: &RunNotice) -> Value {
    let overview = &notice.overview;
    let subject = notice.subject();
    let facts: Vec<Value> = overview
        .counts
        .by_kind()
        .iter()
        .map(|(kind, count)| json!({ "title": kind, "value": count.to_string() }))
        .chain([json!({ "title": "Rows", "value": overview.counts.rows().to_string() })])
        .collect();
    let deficit = overview.deficit_headline().unwrap_or_else(|| "Licences: no deficit".to_string());
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            { "type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": true },
            { "type": "TextBlock", "text": one_line(&format!("{}: {}", overview.console_name, overview.input_file)), "wrap": true },
            { "type": "FactSet", "facts": facts },
            { "type": "TextBlock", "text": one_line(&deficit), "wrap": true },
            { "type": "TextBlock", "text": one_line(&format!("Run folder: {}", notice.run_folder)), "wrap": true, "isSubtle": true },
        ],
    });
    json!({
        "text": slack_escape(&format!("{subject}\n{}", notice.text())),
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "fallback": slack_escape(&subject),
            "content": card,
        }],
    })
}

/// Slack's three control characters as entities.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// POSTs the notice; returns once the webhook answered 2xx.
pub async fn send(config: &WebhookConfig, notice: &RunNotice) -> Result<(), NotifyError> {
    let url = url::Url::parse(config.url.expose()).map_err(|_| NotifyError::WebhookUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(NotifyError::WebhookUrl);
    }
    let host = url.host_str().unwrap_or_default().to_string();
    let secrets = [config.url.expose(), url.path(), url.query().unwrap_or_default()];
    let secrets: Vec<&str> = secrets.into_iter().filter(|secret| secret.len() > 1).collect();
    let failed = |error: reqwest::Error| {
        if error.is_timeout() {
            NotifyError::Timeout { channel: "webhook", server: host.clone(), timeout: config.timeout }
        } else {
            NotifyError::Webhook { host: host.clone(), message: redact(&error_chain(&error.without_url()), &secrets) }
        }
    };
    // The crate's TLS set-up (rustls with ring, the OS trust store); proxies from the environment.
    let builder = crate::tls::client_builder(None)
        .map_err(|error| NotifyError::Webhook { host: host.clone(), message: error.to_string() })?;
    let client = builder
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(failed)?;
    let request = client.post(url.clone()).json(&payload(notice)).send();
    // reqwest's own timeout covers the request; this one also bounds a body that trickles in.
    let response = match tokio::time::timeout(config.timeout, request).await {
        Err(_) => return Err(NotifyError::Timeout { channel: "webhook", server: host, timeout: config.timeout }),
        Ok(result) => result.map_err(failed)?,
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = match tokio::time::timeout(config.timeout, response.text()).await {
        Ok(Ok(body)) => body,
        _ => String::new(),
    };
    let body: String = one_line(&redact(&body, &secrets)).chars().take(QUOTED_BODY).collect();
    Err(NotifyError::WebhookStatus { host, status: status.as_u16(), body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::message::tests_support::notice;

    #[test]
    fn the_body_serves_slack_and_both_kinds_of_teams_webhook() {
        let body = payload(&notice());
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("umapi-bulk: Bulk add users finished, 3 rows to look at (bulk-add.csv)\n"));
        assert!(text.contains("50 rows: 47 succeeded, 3 failed"));
        assert_eq!(body["type"], "message");
        let attachment = &body["attachments"][0];
        assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(attachment["content"]["type"], "AdaptiveCard");
        let facts = attachment["content"]["body"][2]["facts"].as_array().cloned().unwrap_or_default();
        assert!(facts.contains(&json!({ "title": "Failed", "value": "3" })), "{facts:?}");
        assert!(facts.contains(&json!({ "title": "Rows", "value": "50" })), "{facts:?}");
    }

    #[test]
    fn slack_control_characters_are_escaped() {
        let mut notice = notice();
        notice.overview.input_file = "<!channel> & <@U123>.csv".into();
        let body = payload(&notice);
        let text = body["text"].as_str().unwrap_or_default();
        assert!(text.contains("&lt;!channel&gt; &amp; &lt;@U123&gt;.csv"), "{text}");
        assert!(!text.contains("<!channel>"));
    }

    #[test]
    fn the_url_never_shows_in_debug_output() {
        let config = WebhookConfig::new(Secret::new("https://hooks.example.com/services/T000/B000/XXXXSECRET"));
        assert!(!format!("{config:?}").contains("XXXXSECRET"));
    }
}
