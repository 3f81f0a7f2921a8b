//! A TCP proxy that a test can cut and restore: the real PostgreSQL or Redis behind it, a real
//! network fault in front. Cutting closes the listening socket (new connections are refused,
//! as when the server is down) and every open connection (clients see them drop mid-use);
//! restoring listens again on the same port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    /// Where clients connect (stable across cuts).
    pub addr: SocketAddr,
    target: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// The `host:port` of a URL such as `postgres://user@127.0.0.1:5432/db` or `redis://host:6379`.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // The port is reused on restore while closed connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

impl Proxy {
    /// Starts forwarding an ephemeral local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let target = tokio::net::lookup_host(target)
            .await
            .expect("resolve the proxy target")
            .find(SocketAddr::is_ipv4)
            .expect("an IPv4 address");
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("proxy listens");
        let mut proxy = Self {
            addr: listener.local_addr().expect("addr"),
            target,
            acceptor: None,
            conns: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (target, conns) = (self.target, self.conns.clone());
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns.lock().expect("lock").push(conn);
            }
        }));
    }

    /// The fault: refuse new connections and drop the open ones. Returns once both are done.
    pub async fn cut(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            let _ = acceptor.await;
        }
        let conns: Vec<_> = self.conns.lock().expect("lock").drain(..).collect();
        for conn in conns {
            conn.abort();
            let _ = conn.await;
        }
    }

    /// The recovery: accept and forward again, on the same port.
    pub async fn restore(&mut self) {
        let mut tries = 0;
        let listener = loop {
            match listen(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(a) = self.acceptor.take() {
            a.abort();
        }
        if let Ok(mut conns) = self.conns.lock() {
            for c in conns.drain(..) {
                c.abort();
            }
        }
    }
}
