//! The real `portcullis` binary stopped under load: SIGTERM lets in-flight requests finish,
//! refuses new connections, writes every log row and exits 0 in time; kill -9 during writes
//! loses no acknowledged write and leaves an SQLite file that opens, checks clean and serves.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::faults::eventually;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD};

const SHUTDOWN_TIMEOUT_SECS: u64 = 10;

/// A server process on an SQLite file in its own directory (removed on drop, process killed).
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn db_file(dir: &Path) -> PathBuf {
    dir.join("portcullis.db")
}

/// Starts the binary on `dir`'s database; log rows wait up to `batch_ms` for their batch.
async fn start(dir: &Path, batch_ms: u64) -> Server {
    let port = free_port();
    let log = std::fs::File::create(dir.join(format!("server-{port}.log"))).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db_file(dir).display()),
        )
        .env("PORTCULLIS_BIND", format!("127.0.0.1:{port}"))
        .env("PORTCULLIS_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("PORTCULLIS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env(
            "PORTCULLIS_SHUTDOWN_TIMEOUT_SECS",
            SHUTDOWN_TIMEOUT_SECS.to_string(),
        )
        .env("PORTCULLIS_LOG_BATCH_INTERVAL_MS", batch_ms.to_string())
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn portcullis");
    let server = Server {
        child,
        port,
        dir: dir.to_path_buf(),
    };
    let client = reqwest::Client::new();
    let url = server.url("/readyz");
    eventually(
        Duration::from_secs(60),
        "the server to be ready",
        || async {
            let r = client.get(&url).send().await.ok()?;
            (r.status() == StatusCode::OK).then_some(())
        },
    )
    .await;
    server
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join(format!("server-{}.log", self.port)))
            .unwrap_or_default()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {sig}");
    }

    /// Waits for the process to end; its exit status and how long it took.
    fn wait_exit(&mut self, limit: Duration) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return (s, started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "no exit within {limit:?}\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

async fn gql(
    client: &reqwest::Client,
    server: &Server,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Value {
    let mut req = client
        .post(server.url("/graphql"))
        .json(&json!({ "query": query, "variables": vars }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let body: Value = req
        .send()
        .await
        .expect("graphql")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"].clone()
}

/// A company with API access (read-write, the highest rate limit) and a personal access token
/// of its admin, made through the admin API as an operator would.
async fn company_token(server: &Server) -> String {
    let c = reqwest::Client::new();
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let d = gql(
        &c,
        server,
        None,
        login,
        json!({ "e": ADMIN_EMAIL, "p": ADMIN_PASSWORD }),
    )
    .await;
    let admin = d["login"]["token"].as_str().expect("token").to_string();
    let a = Some(admin.as_str());
    let d = gql(
        &c,
        server,
        a,
        "mutation { createReseller(input: { name: \"R\" }) { id } }",
        json!({}),
    )
    .await;
    let reseller = d["createReseller"]["id"].clone();
    let d = gql(
        &c,
        server,
        a,
        "mutation($r: ID!) { createCompany(input: { resellerId: $r, name: \"A\" }) { id } }",
        json!({ "r": reseller }),
    )
    .await;
    let company = d["createCompany"]["id"].clone();
    let d = gql(
        &c,
        server,
        a,
        "query($c: ID) { roles(companyId: $c) { id name } }",
        json!({ "c": company }),
    )
    .await;
    let role = d["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Company admin")
        .expect("Company admin")["id"]
        .clone();
    gql(
        &c,
        server,
        a,
        "mutation($r: ID!, $c: ID) { createUser(input: { email: \"ops@a.example\", name: \"Ops\", \
         password: \"long enough password\", roleId: $r, companyId: $c }) { id } }",
        json!({ "r": role, "c": company }),
    )
    .await;
    gql(
        &c,
        server,
        a,
        "mutation($r: ID!) { setResellerFeature(resellerId: $r, flag: \"api_access\", enabled: true) { id } }",
        json!({ "r": reseller }),
    )
    .await;
    gql(
        &c,
        server,
        a,
        "mutation($c: ID!) { setCompanyFeature(companyId: $c, flag: \"api_access\", enabled: true) { id } }",
        json!({ "c": company }),
    )
    .await;
    gql(
        &c,
        server,
        a,
        "mutation($r: ID!, $c: ID!) { updateReseller(id: $r, input: { apiRateLimit: 1200 }) { id } \
         updateCompany(id: $c, input: { apiAccessType: READ_WRITE, apiRateLimit: 1200 }) { id } }",
        json!({ "r": reseller, "c": company }),
    )
    .await;
    let d = gql(
        &c,
        server,
        None,
        login,
        json!({ "e": "ops@a.example", "p": "long enough password" }),
    )
    .await;
    let session = d["login"]["token"].as_str().expect("token").to_string();
    let d = gql(
        &c,
        server,
        Some(&session),
        "mutation { createPersonalAccessToken(input: { name: \"load\" }) { token } }",
        json!({}),
    )
    .await;
    d["createPersonalAccessToken"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// Creates an employee through the REST API; its id when acknowledged with 201.
async fn create(
    client: &reqwest::Client,
    server: &Server,
    pat: &str,
    name: &str,
) -> Result<String, String> {
    let resp = client
        .post(server.url("/api/v1/employees"))
        .bearer_auth(pat)
        .json(&json!({ "first_name": "Load", "last_name": name }))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| e.to_string())?;
    if status != StatusCode::CREATED {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["id"].as_str().expect("id").to_string())
}

/// A create sent by a slow client: the headers and half the body now, the rest later.
struct SlowCreate {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowCreate {
    async fn begin(server: &Server, pat: &str, name: String) -> Self {
        let body = json!({ "first_name": "Slow", "last_name": name }).to_string();
        let (head, rest) = body.as_bytes().split_at(body.len() / 2);
        let mut stream = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .expect("connect");
        let request = format!(
            "POST /api/v1/employees HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {pat}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            server.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send head");
        stream.write_all(head).await.expect("send half the body");
        Self {
            stream,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; the response's status code.
    async fn finish(mut self) -> u16 {
        self.stream
            .write_all(&self.rest)
            .await
            .expect("send the rest");
        let mut response = Vec::new();
        self.stream
            .read_to_end(&mut response)
            .await
            .expect("read the response");
        let text = String::from_utf8_lossy(&response);
        text.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {text}"))
    }
}

async fn count(db: &Path, sql: &str) -> i64 {
    let conn = Database::connect(format!("sqlite://{}?mode=ro", db.display()))
        .await
        .expect("open the file");
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row");
    conn.close().await.ok();
    row.try_get_by_index::<i64>(0).expect("count")
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc_faults_{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// SIGTERM while slow requests are in flight: they complete with 201, new connections are
/// refused, the process exits 0 within --shutdown-timeout-secs, and every answered request has
/// its API log row (rows wait 2 s for their batch, so the shutdown itself must write them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_requests_and_drains_logs() {
    let dir = temp_dir();
    let mut server = start(&dir, 2_000).await;
    let pat = company_token(&server).await;
    let client = reqwest::Client::new();
    let mut answered = 0;
    for i in 0..10 {
        create(&client, &server, &pat, &format!("Quick{i}"))
            .await
            .expect("created");
        answered += 1;
    }
    let slow = futures::future::join_all(
        (0..8).map(|i| SlowCreate::begin(&server, &pat, format!("Slow{i}"))),
    )
    .await;
    // Let the server read the headers and start on each request.
    tokio::time::sleep(Duration::from_secs(1)).await;

    server.signal("-TERM");
    let port = server.port;
    eventually(
        Duration::from_secs(5),
        "new connections to be refused",
        || async move {
            TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;
    let statuses = futures::future::join_all(slow.into_iter().map(SlowCreate::finish)).await;
    assert!(
        statuses.iter().all(|s| *s == 201),
        "in-flight requests complete: {statuses:?}\n{}",
        server.stderr()
    );
    answered += statuses.len() as i64;

    let (status, took) = server.wait_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECS + 10));
    assert!(
        status.success(),
        "exit 0 on SIGTERM: {status}\n{}",
        server.stderr()
    );
    assert!(
        took < Duration::from_secs(SHUTDOWN_TIMEOUT_SECS),
        "exited within the shutdown timeout ({took:?})"
    );
    let db = db_file(&dir);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM employees WHERE first_name IN ('Load', 'Slow')"
        )
        .await,
        answered
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM api_logs WHERE endpoint = '/api/v1/employees' AND method = 'POST'"
        )
        .await,
        answered,
        "every answered request has its log row"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// kill -9 during concurrent writes, then a restart on the same SQLite file: it starts
/// (migrations are idempotent), `PRAGMA integrity_check` is ok, every acknowledged create is
/// there, and the server serves reads and writes again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_writes_loses_no_acknowledged_write() {
    let dir = temp_dir();
    let server = start(&dir, 200).await;
    let pat = company_token(&server).await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acked, pat, url) = (acked.clone(), pat.clone(), server.url(""));
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for i in 0.. {
                    let resp = client
                        .post(format!("{url}/api/v1/employees"))
                        .bearer_auth(&pat)
                        .json(&json!({ "first_name": "Load", "last_name": format!("W{w}-{i}") }))
                        .timeout(Duration::from_secs(20))
                        .send()
                        .await;
                    let Ok(resp) = resp else { break };
                    if resp.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(body) = resp.json::<Value>().await else {
                        break;
                    };
                    acked
                        .lock()
                        .expect("lock")
                        .push(body["id"].as_str().expect("id").to_string());
                }
            })
        })
        .collect();
    let seen = acked.clone();
    eventually(Duration::from_secs(30), "acknowledged writes", || {
        let n = seen.lock().expect("lock").len();
        async move { (n >= 40).then_some(()) }
    })
    .await;
    let mut server = server;
    server.signal("-KILL");
    let (status, _) = server.wait_exit(Duration::from_secs(10));
    assert!(!status.success(), "killed");
    for w in writers {
        w.await.expect("writer");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 40);
    drop(server);

    let server = start(&dir, 200).await;
    let db = db_file(&dir);
    let conn = Database::connect(format!("sqlite://{}?mode=ro", db.display()))
        .await
        .expect("open the file");
    let check = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity_check")
        .expect("row");
    assert_eq!(check.try_get_by_index::<String>(0).expect("text"), "ok");
    conn.close().await.ok();

    let client = reqwest::Client::new();
    for chunk in acked.chunks(20) {
        let reads = chunk.iter().map(|id| {
            let req = client
                .get(server.url(&format!("/api/v1/employees/{id}")))
                .bearer_auth(&pat);
            async move { (id, req.send().await.expect("read").status()) }
        });
        for (id, status) in futures::future::join_all(reads).await {
            assert_eq!(
                status,
                StatusCode::OK,
                "acknowledged employee {id} survived the crash"
            );
        }
    }
    create(&client, &server, &pat, "AfterRestart")
        .await
        .expect("writes again after the restart");
    let mut server = server;
    server.signal("-TERM");
    let (status, _) = server.wait_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECS + 10));
    assert!(status.success(), "{}", server.stderr());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
