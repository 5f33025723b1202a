//! Repeater mode's session with the remote upsd: nut-monitor's client library, so the
//! repeater tries STARTTLS as C dummy-ups does (`UPSCLI_CONN_TRYSSL`) and follows the same
//! CERTPATH / CERTHOST / CERTVERIFY / FORCESSL decision as upsc and upsmon.
//!
//! Driver backends are synchronous and run on the driver's runtime thread, and the client is
//! async: the session lives on a thread of its own with a small runtime, and each update asks
//! it for one `LIST VAR`, waiting a bounded time for the answer.

use std::sync::mpsc;
use std::time::Duration;

use nut_core::net::SystemName;
use nut_monitor::client::{Client, ClientError, ConnectOptions};

/// One answer of the session thread: the remote UPS's variables, or why there are none.
type ListResult = Result<Vec<(String, String)>, String>;

/// The remote UPS a repeater mirrors.
#[derive(Debug)]
pub struct RemoteUps {
    target: SystemName,
    jobs: Option<mpsc::Sender<mpsc::Sender<ListResult>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Longest wait for one answer: connect, STARTTLS and LIST VAR, each bounded by the
    /// client's own timeout.
    wait: Duration,
}

impl RemoteUps {
    /// Start the session thread (it connects on the first [`RemoteUps::list_var`]).
    pub fn start(target: SystemName, opts: ConnectOptions) -> std::io::Result<RemoteUps> {
        let (tx, rx) = mpsc::channel::<mpsc::Sender<ListResult>>();
        let wait = opts.timeout * 4;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let t = target.clone();
        let thread = std::thread::Builder::new()
            .name("repeater".into())
            .spawn(move || session(runtime, t, opts, rx))?;
        Ok(RemoteUps {
            target,
            jobs: Some(tx),
            thread: Some(thread),
            wait,
        })
    }

    /// `upsname@host:port`, for messages.
    pub fn name(&self) -> String {
        format!(
            "{}@{}:{}",
            self.target.ups, self.target.host, self.target.port
        )
    }

    /// `LIST VAR` of the remote UPS: every (variable, value) in the server's order.
    pub fn list_var(&self) -> ListResult {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .as_ref()
            .ok_or("the repeater session is closed")?
            .send(tx)
            .map_err(|_| "the repeater session ended".to_string())?;
        rx.recv_timeout(self.wait)
            .map_err(|_| format!("no answer within {} s", self.wait.as_secs()))?
    }
}

impl Drop for RemoteUps {
    fn drop(&mut self) {
        // Closing the queue ends the session thread, which logs out.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The session thread: answer each request, (re)connecting when there is no session.
fn session(
    runtime: tokio::runtime::Runtime,
    target: SystemName,
    opts: ConnectOptions,
    jobs: mpsc::Receiver<mpsc::Sender<ListResult>>,
) {
    let mut client: Option<Client> = None;
    while let Ok(reply) = jobs.recv() {
        let result = runtime.block_on(async {
            if client.is_none() {
                let c = Client::connect(&target.host, target.port, &opts)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(
                    "connected to {}@{}:{}{}",
                    target.ups,
                    target.host,
                    target.port,
                    if c.is_tls() { " (SSL)" } else { "" }
                );
                client = Some(c);
            }
            let Some(c) = client.as_mut() else {
                return Err("not connected".to_string());
            };
            match c.list_var(&target.ups).await {
                Ok(vars) => Ok(vars),
                // The server answered (ERR DATA-STALE, ...): the session itself is fine.
                Err(e @ ClientError::Server { .. }) => Err(e.to_string()),
                Err(e) => {
                    client = None;
                    Err(e.to_string())
                }
            }
        });
        let _ = reply.send(result);
    }
    if let Some(c) = client {
        runtime.block_on(c.logout());
    }
}
