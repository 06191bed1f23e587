//! What `umapi-bulk doctor` asks of IMS and UMAPI, each one step on its own: an access token
//! ([`UmapiClient::check_token`]), one groups read ([`UmapiClient::check_access`]) and the IMS
//! server's clock ([`UmapiClient::ims_clock`], for the JWT flow, whose assertion carries times).
//! Errors are the client's own, so the messages and hints are those a run would give.

use std::time::SystemTime;

use crate::umapi::cancel::CancelToken;
use crate::umapi::client::UmapiClient;
use crate::umapi::error::ClientError;

impl UmapiClient {
    /// The IMS token endpoint the client uses.
    pub fn token_url(&self) -> String {
        self.auth.token_url()
    }

    /// Fetches an access token, as the first request of a run would.
    pub async fn check_token(&self, stop: &CancelToken) -> Result<(), ClientError> {
        self.auth.token(stop, self.observer.as_ref(), &self.statistics).await.map(|_| ()).map_err(ClientError::Auth)
    }

    /// Reads the first page of the org's groups; the number of groups and product profiles on it.
    /// The read is `doctor`'s only UMAPI request, so it opens and ends its sync session at once
    /// (docs/sessions.md): a run right after `doctor` does not start inside it.
    pub async fn check_access(&self, stop: &CancelToken) -> Result<usize, ClientError> {
        self.groups_page_as_last(0, stop).await.map(|page| page.body.groups.len())
    }

    /// The IMS server's clock, from the `Date` header of an answer to its base URL.
    pub async fn ims_clock(&self) -> Result<SystemTime, String> {
        let response = self
            .http
            .get(self.auth.ims_url())
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|error| crate::tls::describe(&error))?;
        let date = response.headers().get(reqwest::header::DATE).ok_or("the answer has no Date header")?;
        let date = date.to_str().map_err(|error| error.to_string())?;
        httpdate::parse_http_date(date).map_err(|error| format!("Date {date:?}: {error}"))
    }
}
