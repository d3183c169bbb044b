//! The ways a message reaches a person: e-mail over SMTP (`lettre`) and SMS through a
//! Twilio-compatible HTTP API. Each try carries the message's idempotency key (the e-mail's
//! `Message-ID`, the SMS request's `Idempotency-Key` header), so a try repeated after a worker
//! died between sending and recording is recognised downstream as the same message.
//!
//! What a failed try records is ours ("SMS provider answered 503"), never the provider's text,
//! which may quote the recipient.

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How long one whole try may take (connecting, the conversation, the answer) before it
/// counts as failed and is tried again later.
pub const TRY_TIMEOUT: Duration = Duration::from_secs(15);

/// A setting that must not be printed (a token, a URL with a password).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// `GROUPCARE_SMTP_URL` (lettre's URL form: `smtp://host:2525`, `smtps://user:pass@host`) and
/// `GROUPCARE_MAIL_FROM` (`Name <address>` or an address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSettings {
    pub url: Secret,
    pub from: String,
}

/// `GROUPCARE_SMS_URL` (the API's base URL), `GROUPCARE_SMS_ACCOUNT`, `GROUPCARE_SMS_TOKEN` and
/// `GROUPCARE_SMS_FROM` (the number messages come from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsSettings {
    pub url: String,
    pub account: String,
    pub token: Secret,
    pub from: String,
}

/// How one try went, as the provider answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tried {
    Sent,
    /// Trouble that may pass (no answer, the provider busy or failing).
    Transient(String),
    /// A refusal another try cannot mend (an address or number it will not take).
    Permanent(String),
}

/// One message on its way: who to, what, and its key.
pub struct Outgoing<'a> {
    pub to: &'a str,
    /// The name the e-mail comes from (the clinic's neutral name for messages).
    pub sender_name: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub idempotency_key: &'a str,
    /// A calendar file to attach (e-mail only): the booking's event.
    pub calendar: Option<&'a str>,
}

pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Email {
    pub fn new(settings: &SmtpSettings) -> Result<Email, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url.0)
            .map_err(|e| format!("GROUPCARE_SMTP_URL cannot be used: {e}"))?
            .timeout(Some(TRY_TIMEOUT))
            .build();
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("GROUPCARE_MAIL_FROM is not an e-mail address: {e}"))?;
        Ok(Email { transport, from })
    }

    pub async fn send(&self, message: &Outgoing<'_>) -> Tried {
        let Ok(to) = message.to.parse::<Mailbox>() else {
            return Tried::Permanent("the e-mail address cannot be used".to_owned());
        };
        let domain = self.from.email.domain();
        let built = lettre::Message::builder()
            .from(Mailbox::new(Some(message.sender_name.to_owned()), self.from.email.clone()))
            .to(to)
            .subject(message.subject)
            .message_id(Some(format!("<{}@{domain}>", message.idempotency_key)));
        let built = match message.calendar {
            None => built.header(ContentType::TEXT_PLAIN).body(message.text.to_owned()),
            Some(calendar) => {
                let ics = ContentType::parse("text/calendar; charset=utf-8").expect("a content type");
                built.multipart(
                    MultiPart::mixed().singlepart(SinglePart::plain(message.text.to_owned())).singlepart(
                        Attachment::new("appointment.ics".to_owned()).body(calendar.to_owned(), ics),
                    ),
                )
            }
        };
        let built = match built {
            Ok(built) => built,
            Err(_) => return Tried::Permanent("the e-mail could not be written".to_owned()),
        };
        // lettre's own timeout covers the connection only: a server that stops answering mid-way
        // must not hold the worker.
        let Ok(sent) = tokio::time::timeout(TRY_TIMEOUT, self.transport.send(built)).await else {
            return Tried::Transient("no answer from the SMTP server in time".to_owned());
        };
        match sent {
            Ok(_) => Tried::Sent,
            Err(e) => {
                let error = match e.status() {
                    Some(code) => format!("SMTP server answered {code}"),
                    None if e.is_timeout() => "no answer from the SMTP server in time".to_owned(),
                    None => "the SMTP server could not be reached".to_owned(),
                };
                if e.is_permanent() { Tried::Permanent(error) } else { Tried::Transient(error) }
            }
        }
    }
}

pub struct Sms {
    client: reqwest::Client,
    /// `{base}/2010-04-01/Accounts/{account}/Messages.json`
    endpoint: String,
    settings: SmsSettings,
}

impl Sms {
    pub fn new(settings: &SmsSettings) -> Result<Sms, String> {
        let client = reqwest::Client::builder()
            .timeout(TRY_TIMEOUT)
            .build()
            .map_err(|e| format!("the SMS client cannot start: {e}"))?;
        let base = settings.url.trim_end_matches('/');
        // The token travels in every request: in the clear only to this machine (a local test
        // server or proxy).
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"].iter().any(|prefix| {
            base.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
        if !(base.starts_with("https://") || local) {
            return Err("GROUPCARE_SMS_URL must be an https:// URL (http:// only to this machine)".to_owned());
        }
        let endpoint = format!("{base}/2010-04-01/Accounts/{}/Messages.json", settings.account);
        Ok(Sms { client, endpoint, settings: settings.clone() })
    }

    pub async fn send(&self, message: &Outgoing<'_>) -> Tried {
        // The client's timeout covers the whole request, answer included.
        let answer = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.settings.account, Some(&self.settings.token.0))
            .header("Idempotency-Key", message.idempotency_key)
            .form(&[("To", message.to), ("From", self.settings.from.as_str()), ("Body", message.text)])
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => Tried::Sent,
            Ok(r) => {
                let status = r.status();
                let error = format!("SMS provider answered {}", status.as_u16());
                // The provider's own trouble, too many requests, or our credentials or account
                // (fixed in the settings, then every message should go) pass; a refusal of
                // the message itself (a number that cannot take texts) will not mend.
                let ours = [401, 403, 404, 429].contains(&status.as_u16());
                if status.is_server_error() || ours {
                    Tried::Transient(error)
                } else {
                    Tried::Permanent(error)
                }
            }
            Err(e) if e.is_timeout() => {
                Tried::Transient("no answer from the SMS provider in time".to_owned())
            }
            Err(_) => Tried::Transient("the SMS provider could not be reached".to_owned()),
        }
    }
}
