//! The real `portcullis` binary as an operator runs it: first start prints a generated admin
//! password exactly once, `--demo` loads demo data, SIGTERM shuts down cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Proc {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn start(db: &std::path::Path, extra: &[&str]) -> Proc {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("serve")
        .args(extra)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .env("PORTCULLIS_BIND", format!("127.0.0.1:{port}"))
        .env_remove("PORTCULLIS_ADMIN_PASSWORD")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn portcullis");
    Proc { child, port }
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = reqwest::Client::new();
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not become ready");
}

/// Sends SIGTERM and returns (exit success, stdout, stderr).
fn terminate(mut p: Proc) -> (bool, String, String) {
    let status = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = p.child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |r: Option<Box<dyn std::io::Read>>| {
        r.map(|r| {
            BufReader::new(r)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
    };
    let out = read(p.child.stdout.take().map(|s| Box::new(s) as _));
    let err = read(p.child.stderr.take().map(|s| Box::new(s) as _));
    (exit.success(), out, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_password_is_printed_once_and_sigterm_is_graceful() {
    let dir = std::env::temp_dir().join(format!("pc_proc_{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("nested").join("portcullis.db");

    let first = start(&db, &[]);
    wait_ready(first.port).await;
    let (ok, out, err) = terminate(first);
    assert!(ok, "clean exit on SIGTERM\n{err}");
    assert!(db.exists(), "the SQLite file and its directory are created");
    let line = out
        .lines()
        .find(|l| l.contains("password:"))
        .unwrap_or_else(|| panic!("a generated password is printed: {out}"));
    let password = line.split("password:").nth(1).expect("value").trim();
    assert_eq!(password.len(), 24);
    let all = format!("{out}\n{err}");
    assert_eq!(
        all.matches(password).count(),
        1,
        "the password is shown once, never logged"
    );
    assert!(all.contains("stopped"), "{all}");

    // The second start finds the admin and prints nothing; demo data loads, twice without harm.
    for _ in 0..2 {
        let again = start(&db, &["--demo"]);
        wait_ready(again.port).await;
        let login = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/graphql", again.port))
            .json(&serde_json::json!({
                "query": "mutation { login(email: \"admin@acme.example\", password: \"portcullis-demo\") { token } }"
            }))
            .send()
            .await
            .expect("login")
            .json::<serde_json::Value>()
            .await
            .expect("json");
        assert!(login["data"]["login"]["token"].is_string(), "{login}");
        let (ok, out, err) = terminate(again);
        assert!(ok, "{err}");
        assert!(!out.contains("password:"), "printed only once: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
