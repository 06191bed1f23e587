//! The HTTP server: routes, the accept loop and the per-connection tasks.
//!
//! The accept loop is written out (instead of `axum::serve`) for one reason: a fault must be able
//! to close a connection without answering. Each connection runs in its own task with a
//! [`ConnectionKiller`] in every request's extensions; when the fault pipeline pulls it, the task
//! drops the hyper connection, which closes the socket with no response written. Shutdown stops
//! the accept loop and aborts every connection task.

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::shared::Shared;
use super::{action, gate, ims, reads, snapshot};

/// Lets a request's handler close its connection without an answer.
#[derive(Clone)]
pub(crate) struct ConnectionKiller(Arc<Notify>);

impl ConnectionKiller {
    /// Closes the connection this request came on; the caller should then never answer.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }
}

/// Every route of the simulator.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let umapi = Router::new()
        .route("/v2/usermanagement/action/{org_id}", post(action::action))
        .route("/v2/usermanagement/users/{org_id}/{page}", get(reads::users))
        .route("/v2/usermanagement/users/{org_id}/{page}/{group}", get(reads::users_by_group))
        .route("/v2/usermanagement/organizations/{org_id}/users/{user}", get(reads::user))
        .route("/v2/usermanagement/groups/{org_id}/{page}", get(reads::groups))
        .route_layer(from_fn_with_state(shared.clone(), gate::umapi_gate));
    Router::new()
        .route("/ims/token/v2", post(ims::oauth_token))
        .route("/ims/token/v2/", post(ims::oauth_token))
        .route("/ims/token/v3", post(ims::oauth_token))
        .route("/ims/token/v3/", post(ims::oauth_token))
        .route("/ims/exchange/jwt", post(ims::exchange_jwt))
        .route("/ims/exchange/jwt/", post(ims::exchange_jwt))
        .route("/status", get(reads::status))
        .route("/_sim/state", get(snapshot::state))
        .route("/_sim/counters", get(snapshot::counters_only))
        .merge(umapi)
        .with_state(shared)
}

/// Accepts connections until `shutdown` turns true, then aborts every connection.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(error) => shared.log(&format!("sim: accept failed: {error}")),
            },
        }
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let notify = Arc::new(Notify::new());
    let killer = ConnectionKiller(notify.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(killer.clone());
        router.clone().oneshot(request)
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = notify.notified() => {}
    }
}
