//! The fuzz targets' checks (`backend/fuzz/src/checks.rs`) on stable, in CI: every target's
//! check over its committed seed corpus (`backend/fuzz/corpus/<target>/`) and over deterministic
//! pseudo-random mutations of it. The cargo-fuzz targets run the same checks under libFuzzer
//! (nightly, not in CI; see the README's "Fuzzing and property tests").
//!
//! `cargo test -p backend --test fuzz_corpus -- --ignored write_seed_corpus` rewrites the seeds.

#[path = "../fuzz/src/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Mutated inputs per target.
const MUTATIONS: usize = 1_000;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<_> = std::fs::read_dir(corpus_dir(target))
        .expect("the seed corpus exists")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                std::fs::read(&path).expect("seed"),
            )
        })
        .collect();
    seeds.sort();
    seeds
}

/// One libFuzzer-like mutation: flip, insert, delete, duplicate, splice or truncate.
fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let len = v.len();
        let at = if len == 0 {
            0
        } else {
            rng.random_range(0..len)
        };
        match rng.random_range(0..7) {
            0 if len > 0 => v[at] ^= 1 << rng.random_range(0..8),
            1 => v.insert(at, rng.random()),
            2 if len > 0 => {
                let end = (at + rng.random_range(1..=8)).min(len);
                v.drain(at..end);
            }
            3 if len > 0 => {
                let end = (at + rng.random_range(1..=16)).min(len);
                let piece = v[at..end].to_vec();
                v.splice(at..at, piece);
            }
            4 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let end = (from + rng.random_range(1..=32)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            5 => v.truncate(at),
            _ if len > 0 => v[at] = [0, 0xff, b'_', b'"', b'\\', b'=', b'&', b' '][at % 8],
            _ => v.push(rng.random()),
        }
    }
    v
}

fn run(target: &str, check: fn(&[u8]), name: &str, input: &[u8]) {
    if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
        panic!(
            "target {target}, input {name}: the check failed (see the panic above) on {:?}",
            input.escape_ascii().to_string()
        );
    }
}

fn run_target(target: &str) {
    let (_, check) = checks::TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .copied()
        .expect("a known target");
    let seeds = seeds(target);
    assert!(seeds.len() >= 8, "{target}: only {} seeds", seeds.len());
    for (name, input) in &seeds {
        run(target, check, name, input);
    }
    // Seeded per target, so a failure reproduces.
    let mut rng = StdRng::seed_from_u64(u64::from(crc32fast::hash(target.as_bytes())));
    for i in 0..MUTATIONS {
        let (_, a) = &seeds[rng.random_range(0..seeds.len())];
        let (_, b) = &seeds[rng.random_range(0..seeds.len())];
        let input = mutate(&mut rng, a, b);
        run(target, check, &format!("mutation {i}"), &input);
    }
}

#[test]
fn token() {
    run_target("token");
}

#[test]
fn authorization() {
    run_target("authorization");
}

#[test]
fn redact() {
    run_target("redact");
}

#[test]
fn ratelimit_headers() {
    run_target("ratelimit_headers");
}

#[test]
fn cursor() {
    run_target("cursor");
}

#[test]
fn every_target_has_a_test_and_a_corpus() {
    let names: Vec<_> = checks::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "token",
            "authorization",
            "redact",
            "ratelimit_headers",
            "cursor"
        ]
    );
    for n in names {
        assert!(corpus_dir(n).is_dir(), "{n}");
    }
}

/// Writes the seed corpus. Run by hand (`--ignored`) when the input formats change.
#[test]
#[ignore]
fn write_seed_corpus() {
    use backend::service::api_logs::LogCursor;
    use backend::service::pagination::NameCursor;
    use backend::token::{TokenKind, mint};

    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join(name), bytes).expect("write");
    };
    let with = |flag: u8, s: &str| [&[flag][..], s.as_bytes()].concat();
    let mut rng = StdRng::seed_from_u64(10);
    let mut random = |len: usize| (0..len).map(|_| rng.random::<u8>()).collect::<Vec<u8>>();

    // token: flag byte (1 = append a valid checksum), then the string.
    for kind in TokenKind::ALL {
        let t = mint(kind).expect("mint");
        let s = t.expose();
        let p = kind.prefix();
        write("token", &format!("valid_{p}"), &with(0, s));
        write(
            "token",
            &format!("truncated_{p}"),
            &with(0, &s[..s.len() - 3]),
        );
        let mut wrong = s.to_string();
        wrong.replace_range(s.len() - 1.., if s.ends_with('A') { "B" } else { "A" });
        write("token", &format!("wrong_checksum_{p}"), &with(0, &wrong));
        write("token", &format!("body_{p}"), &with(1, &s[..s.len() - 6]));
        write(
            "token",
            &format!("unicode_{p}"),
            &with(1, &s.replace('_', "é")),
        );
    }
    write("token", "empty", b"");
    write("token", "prefix_only", &with(0, "pat_"));
    write("token", "underscores", &with(1, "key___"));
    write("token", "huge", &with(0, &"pat_".repeat(3_000)));
    write("token", "client_id", &with(0, "cli_0000000000a"));

    // authorization: a header value, optionally NUL and a form body.
    let pat = mint(TokenKind::PersonalAccessToken).expect("mint");
    let pcs = mint(TokenKind::ClientSecret).expect("mint");
    let basic =
        |id: &str, secret: &str| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let jwt = format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k"}"#),
        URL_SAFE_NO_PAD.encode("{}")
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "bearer_pat",
            format!("Bearer {}", pat.expose()).into_bytes(),
        ),
        (
            "bearer_spaces",
            format!("bearer   {}  ", pat.expose()).into_bytes(),
        ),
        ("bearer_jwt", format!("Bearer {jwt}").into_bytes()),
        (
            "bearer_alg_none",
            format!(
                "Bearer {}.e30.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#)
            )
            .into_bytes(),
        ),
        ("bearer_empty", b"Bearer ".to_vec()),
        ("bearer_tab", b"Bearer\tabc".to_vec()),
        ("basic", basic("cli_0000000000a", pcs.expose()).into_bytes()),
        (
            "basic_encoded",
            basic("cli%3Ax+y", "p%C3%A9+s").into_bytes(),
        ),
        (
            "basic_no_colon",
            format!("Basic {}", STANDARD.encode("justanid")).into_bytes(),
        ),
        ("basic_bad_base64", b"Basic !!!!".to_vec()),
        (
            "basic_bad_utf8",
            format!("Basic {}", STANDARD.encode([0xff, 0xfe, b':', 0x80])).into_bytes(),
        ),
        (
            "basic_and_form",
            [
                basic("cli_a", pcs.expose()).as_bytes(),
                b"\0client_secret=",
                pcs.expose().as_bytes(),
            ]
            .concat(),
        ),
        (
            "basic_other_client_id",
            [
                basic("cli_a", "s3cretvalue").as_bytes(),
                b"\0client_id=cli_b",
            ]
            .concat(),
        ),
        (
            "form_only",
            [
                b"\0grant_type=client_credentials&client_id=cli_a&client_secret=".as_slice(),
                pcs.expose().as_bytes(),
            ]
            .concat(),
        ),
        (
            "form_duplicate",
            b"\0client_secret=aaaaaaaaaaaa&client_secret=bbbbbbbbbbbb".to_vec(),
        ),
        ("unicode", "Bearer ünïcødé_tøkén_✓".as_bytes().to_vec()),
        (
            "huge",
            format!("Bearer {}", "A".repeat(20_000)).into_bytes(),
        ),
        ("empty", Vec::new()),
        ("negotiate", b"Negotiate abcdefghijklmnop".to_vec()),
    ];
    for (name, bytes) in cases {
        write("authorization", name, &bytes);
    }

    // redact: bytes steer the generated inputs; some are real bodies, which then drive both
    // the generator and the raw pass.
    let nested = format!(
        "{}{{\"password\":\"hunter2hunter2\"}}{}",
        "{\"a\":".repeat(100),
        "}".repeat(100)
    );
    let texts: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("json", br#"{"name":"n","Password":"p1","nested":{"client_secret":"p2","list":[{"TOKEN":"p3"}]}}"#.to_vec()),
        ("json_nested_100", nested.into_bytes()),
        ("graphql", br#"{"query":"mutation { login(email: \"e\", password: \"p9\") { token } }","variables":{"clientSecret":"x"}}"#.to_vec()),
        ("form", b"grant_type=client_credentials&client_secret=s3cr%2Bt&token=t0k&client_assertion=a55".to_vec()),
        ("query_string", b"limit=5&access_token=abc123&Key=k3y&apiKey=zz".to_vec()),
        ("truncated", br#"{"a": 1, "password": "hun"#.to_vec()),
        ("many_secrets", [0u8, 4, 0, 0, 0, 1, 4, 3, 1, 0, 0, 5, 4, 2].repeat(20)),
        ("deep", [3u8, 3, 63].iter().copied().chain([0u8, 1, 0, 0].repeat(60)).collect()),
    ];
    for (name, bytes) in texts {
        write("redact", name, &bytes);
    }
    for i in 0..6 {
        write("redact", &format!("random_{i}"), &random(64 << i));
    }

    // ratelimit_headers: durations, flags and numbers.
    write("ratelimit_headers", "zero", &[0; 40]);
    write("ratelimit_headers", "max", &[0xff; 40]);
    for i in 0..8 {
        write("ratelimit_headers", &format!("random_{i}"), &random(40));
    }

    // cursor: mode (odd: the rest is the cursor's JSON), page size, then the cursor or a query.
    let name = NameCursor {
        name: "Ünïcode & Co".into(),
        id: uuid::Uuid::now_v7(),
    }
    .encode();
    let log = LogCursor {
        time: time::macros::datetime!(2026-12-01 10:30:00.123456 UTC),
        id: uuid::Uuid::now_v7(),
    }
    .encode();
    let cursors: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("name_cursor", [&[0u8, 0][..], name.as_bytes()].concat()),
        ("log_cursor", [&[0u8, 1, 50][..], log.as_bytes()].concat()),
        ("id_json", [&[1u8, 0][..], format!(r#"{{"i":"{}"}}"#, uuid::Uuid::now_v7()).as_bytes()].concat()),
        ("name_json", [&[1u8, 2, 0xff, 0xff, 0xff, 0x7f][..], br#"{"n":"x","i":"00000000-0000-0000-0000-000000000000"}"#].concat()),
        ("log_json_edge", [&[1u8, 0][..], br#"{"t":"9999-12-31T23:59:59.999-23:59","i":"00000000-0000-0000-0000-000000000000"}"#].concat()),
        ("filter_query", b"\0\0from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00%2B01:00&method=get&statusClass=5xx&minResponseTimeUs=10".to_vec()),
        ("filter_edge", b"\0\0from=0000-01-01T00:00:00%2B23:59&to=9999-12-31T23:59:59.5-23:59".to_vec()),
        ("filter_sqlish", b"\0\0endpoint='; DROP TABLE api_log; --&deniedBy=1 OR 1=1&companyId=x".to_vec()),
        ("huge", [&[0u8, 0][..], "A".repeat(10_000).as_bytes()].concat()),
        ("unicode", [&[0u8, 3, 0xff, 0xff, 0xff, 0xff][..], "✓é∂".as_bytes()].concat()),
    ];
    for (name, bytes) in cursors {
        write("cursor", name, &bytes);
    }
    write(
        "cursor",
        "random_edges",
        &[1, 0, 1, 0, 0, 0, 0, 1, 1, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0],
    );
}
