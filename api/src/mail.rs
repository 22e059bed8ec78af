//! Outgoing mail through lettre: SMTP when `SMTP_URL` is set, otherwise one
//! `.eml` file per mail in `$JECO_DATA_DIR/outbox/` (development, tests, and
//! self-hosters without a mail server). Mail is sent after the request's
//! transaction commits, off the request path.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::Config;

/// Where mail goes.
enum Transport {
    /// A real SMTP relay.
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    /// Files in this folder.
    Outbox(PathBuf),
}

/// Sends mail.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// A mailer from the configuration (checks `SMTP_URL` and the sender).
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("JECO_MAIL_FROM is not a mail address: {e}"))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(Box::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not valid: {e}"))?
                    .build(),
            )),
            None => Transport::Outbox(config.data_dir.join("outbox")),
        };
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text mail. Errors are returned for logging; the text may
    /// hold a secret (a reset link), so it is never logged.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let mail = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            // lettre picks the transfer encoding: lines over 76 characters
            // (long links) come out quoted-printable, which mail clients decode.
            .body(text)
            .map_err(|e| format!("building mail: {e}"))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(mail).await.map(drop).map_err(|e| format!("smtp: {e}")),
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| format!("outbox {}: {e}", dir.display()))?;
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
                    crate::auth::random_token(6).replace(['-', '_'], "x")
                );
                let path = dir.join(name);
                tokio::fs::write(&path, mail.formatted())
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "mail written to the outbox (SMTP_URL is not set)");
                Ok(())
            }
        }
    }
}
