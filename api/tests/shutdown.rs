//! The real binary: serves, answers health checks, and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[cfg(unix)]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("guanxi-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_guanxi"))
        .arg("serve")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/g.db?mode=rwc", dir.display()),
        )
        .env("GUANXI_BIND", "127.0.0.1:0")
        .env("GUANXI_DEMO_DATA", "false")
        .env("GUANXI_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines
            .next()
            .expect("the server logs before it exits")
            .unwrap();
        if line.contains("guanxi listening") {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            break v["port"].as_u64().unwrap() as u16;
        }
    };
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
