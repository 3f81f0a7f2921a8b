//! Token attacks (issue 10): forged, stale and confused credentials of every kind, presented over
//! HTTP to the REST API and to GraphQL. Every one is refused — REST with 401, an
//! `application/problem+json` body of type `unauthenticated` and `WWW-Authenticate: Bearer`;
//! GraphQL with `UNAUTHENTICATED` and no data — while the genuine tokens they were made from
//! work; and no request log row contains any of them.
//!
//! Timing: `wrong_secrets_take_as_long_as_right_ones` measures the secret check in-process
//! (see README, "Token attacks and timing").

use std::time::{Duration, Instant};

use backend::entity::{api_log, personal_access_token as pat, server_secret};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::helpers::*;
use crate::rest::{oauth_token, pat as new_pat, role_id, world};

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn part(jwt: &str, i: usize) -> Value {
    let p = jwt.split('.').nth(i).expect("part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("b64")).expect("json")
}

fn with_parts(jwt: &str, header: Option<&Value>, payload: Option<&Value>) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    format!(
        "{}.{}.{}",
        header.map(b64).unwrap_or_else(|| parts[0].to_string()),
        payload.map(b64).unwrap_or_else(|| parts[1].to_string()),
        parts[2]
    )
}

async fn secret(app: &TestApp, name: &str) -> Vec<u8> {
    let row = server_secret::Entity::find_by_id(name.to_string())
        .one(&app.state().app.db)
        .await
        .expect("query")
        .expect("secret row");
    STANDARD.decode(row.value).expect("base64")
}

/// Recomputes a prefixed token's checksum (CRC32, base62, 6 characters), as anyone can: the
/// checksum catches typos, it is not a signature.
fn with_checksum(body: &str) -> String {
    let sum = base62::encode(crc32fast::hash(body.as_bytes()));
    format!("{body}{sum:0>6}")
}

/// A prefixed token rebuilt with another prefix or secret, its checksum made valid again.
fn reshape(token: &str, prefix: Option<&str>, flip_secret: bool) -> String {
    let body = &token[..token.len() - 6];
    let (old_prefix, rest) = body.split_once('_').expect("prefix");
    let mut rest = rest.to_string();
    if flip_secret {
        let last = rest.pop().expect("char");
        rest.push(if last == 'a' { 'b' } else { 'a' });
    }
    with_checksum(&format!("{}_{rest}", prefix.unwrap_or(old_prefix)))
}

fn sign(
    key: &EncodingKey,
    alg: Algorithm,
    header: impl FnOnce(&mut Header),
    claims: &Value,
) -> String {
    let mut h = Header::new(alg);
    header(&mut h);
    jsonwebtoken::encode(&h, claims, key).expect("sign")
}

/// Every attack refused on REST and GraphQL, every genuine token accepted, nothing logged.
async fn forged_and_stale_tokens_are_refused(app: &TestApp) {
    let w = world(app).await;
    let now = OffsetDateTime::now_utc().unix_timestamp();

    // Genuine tokens: a control for each attack made from them.
    let member = role_id(app, &w.super_admin, &w.a, "Company member").await;
    let member_session =
        crate::rest::user(app, &w.super_admin, &w.a, "leaver@a.example", &member, &[]).await;
    let member_pat = new_pat(app, &member_session, "leaver").await;
    let expiring_pat = new_pat(app, &w.session, "expiring").await;
    let revoked_pat = new_pat(app, &w.session, "revoked").await;
    let replayed_oauth = oauth_token(app, &w.session, &w.a, "replayed", None).await;
    let revoked_cred_oauth = oauth_token(app, &w.session, &w.a, "revoked cred", None).await;
    for (what, t) in [
        ("session", &w.session),
        ("PAT", &w.pat),
        ("API key", &w.key),
        ("OAuth", &w.oauth),
        ("member session", &member_session),
        ("member PAT", &member_pat),
        ("expiring PAT", &expiring_pat),
        ("revoked PAT", &revoked_pat),
        ("replayed OAuth", &replayed_oauth),
        ("revoked credential OAuth", &revoked_cred_oauth),
    ] {
        let resp = app
            .client
            .get(app.url("/api/v1/company"))
            .bearer_auth(t)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "control: genuine {what} works");
    }

    // Stale: expired, revoked, deactivated user, replay after revocation.
    let db = &app.state().app.db;
    let expiring_id = {
        let d = app
            .gql_ok(
                Some(&w.session),
                "{ personalAccessTokens { id name } }",
                json!({}),
            )
            .await;
        let list = d["personalAccessTokens"].as_array().expect("list").clone();
        let find = |n: &str| {
            list.iter()
                .find(|t| t["name"] == n)
                .and_then(|t| t["id"].as_str())
                .expect("token")
                .to_string()
        };
        let revoked = find("revoked");
        app.gql_ok(
            Some(&w.session),
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            json!({ "id": revoked }),
        )
        .await;
        find("expiring")
    };
    let mut row: pat::ActiveModel =
        pat::Entity::find_by_id(uuid::Uuid::parse_str(&expiring_id).expect("uuid"))
            .one(db)
            .await
            .expect("db")
            .expect("row")
            .into();
    row.expires_at = Set(Some(OffsetDateTime::now_utc() - time::Duration::minutes(1)));
    row.update(db).await.expect("expire");
    // Expiry is checked on every request, also for a token verified (and cached) before.
    let member_id = app
        .gql_ok(Some(&member_session), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.gql_ok(
        Some(&w.session),
        "mutation($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }",
        json!({ "id": member_id }),
    )
    .await;
    // RFC 7009 revocation of one access token, and revocation of a whole credential.
    let creds = app
        .gql_ok(
            Some(&w.session),
            "query($c: ID!) { apiCredentials(companyId: $c) { id name clientId } }",
            json!({ "c": w.a }),
        )
        .await;
    let cred_id = creds["apiCredentials"]
        .as_array()
        .expect("creds")
        .iter()
        .find(|c| c["name"] == "revoked cred")
        .and_then(|c| c["id"].as_str())
        .expect("cred")
        .to_string();
    app.gql_ok(
        Some(&w.session),
        "mutation($id: ID!) { revokeApiCredential(id: $id) }",
        json!({ "id": cred_id }),
    )
    .await;
    let replayed_client = part(&replayed_oauth, 1)["client_id"]
        .as_str()
        .expect("client_id")
        .to_string();
    let replayed_cred = creds["apiCredentials"]
        .as_array()
        .expect("creds")
        .iter()
        .find(|c| c["clientId"] == replayed_client.as_str())
        .and_then(|c| c["id"].as_str())
        .expect("cred")
        .to_string();
    // Regenerating the secret voids the access tokens issued so far.
    app.gql_ok(
        Some(&w.session),
        "mutation($id: ID!) { regenerateApiCredentialSecret(id: $id) { clientId } }",
        json!({ "id": replayed_cred }),
    )
    .await;

    // Forged JWTs: with the server's own keys (as an attacker who stole them would, to prove
    // each claim is checked), and without.
    let oauth_key = EncodingKey::from_ed_der(&secret(app, "oauth_ed25519_pkcs8").await);
    let session_secret = secret(app, "session_jwt_hs256").await;
    let session_key = EncodingKey::from_secret(&session_secret);
    let kid = part(&w.oauth, 0)["kid"].as_str().expect("kid").to_string();
    let claims = part(&w.oauth, 1);
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let x = jwks["keys"][0]["x"].as_str().expect("x").to_string();
    let public_raw = URL_SAFE_NO_PAD.decode(&x).expect("x");
    let at = |h: &mut Header, k: &str| {
        h.typ = Some("at+jwt".into());
        h.kid = Some(k.into());
    };
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        c
    };
    let session_claims = part(&w.session, 1);
    let session_with = |f: &dyn Fn(&mut Value)| {
        let mut c = session_claims.clone();
        f(&mut c);
        c
    };
    let super_id = app
        .gql_ok(Some(&w.super_admin), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let truncated = |t: &str| t[..t.len() - 4].to_string();

    let mut attacks: Vec<(&str, String)> = vec![
        ("expired PAT", expiring_pat.clone()),
        ("revoked PAT", revoked_pat.clone()),
        ("deactivated user's session", member_session.clone()),
        ("deactivated user's PAT", member_pat.clone()),
        (
            "access token of a revoked credential",
            revoked_cred_oauth.clone(),
        ),
        (
            "access token replayed after its secret was regenerated",
            replayed_oauth.clone(),
        ),
        // OAuth access tokens.
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({ "alg": "none", "typ": "at+jwt", "kid": kid })),
                b64(&claims)
            ),
        ),
        (
            "HS256 signed with the public key bytes",
            sign(
                &EncodingKey::from_secret(&public_raw),
                Algorithm::HS256,
                |h| at(h, &kid),
                &claims,
            ),
        ),
        (
            "HS256 signed with the JWK x string",
            sign(
                &EncodingKey::from_secret(x.as_bytes()),
                Algorithm::HS256,
                |h| at(h, &kid),
                &claims,
            ),
        ),
        (
            "wrong aud",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, &kid),
                &with(&|c| c["aud"] = json!("https://other.example/api")),
            ),
        ),
        (
            "wrong iss",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, &kid),
                &with(&|c| c["iss"] = json!("https://evil.example")),
            ),
        ),
        (
            "expired access token",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, &kid),
                &with(&|c| {
                    c["iat"] = json!(now - 7200);
                    c["exp"] = json!(now - 3600);
                }),
            ),
        ),
        (
            "wrong company",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, &kid),
                &with(&|c| c["company_id"] = json!(w.b)),
            ),
        ),
        (
            "unknown kid",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, "no-such-key"),
                &claims,
            ),
        ),
        (
            "kid path traversal",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, "../../../../etc/passwd"),
                &claims,
            ),
        ),
        (
            "kid SQL",
            sign(
                &oauth_key,
                Algorithm::EdDSA,
                |h| at(h, "' OR 1=1 --"),
                &claims,
            ),
        ),
        (
            "kid of the session key, HS256 with the session secret",
            sign(
                &session_key,
                Algorithm::HS256,
                |h| at(h, "session_jwt_hs256"),
                &claims,
            ),
        ),
        (
            "tampered scope",
            with_parts(
                &w.oauth,
                None,
                Some(&with(&|c| {
                    c["scope"] = json!("employees.read employees.delete companies.edit")
                })),
            ),
        ),
        ("truncated signature", truncated(&w.oauth)),
        (
            "signature of another token",
            format!(
                "{}.{}",
                w.oauth.rsplit_once('.').expect("jwt").0,
                replayed_oauth.rsplit('.').next().expect("sig")
            ),
        ),
        // Sessions.
        (
            "session alg none",
            format!(
                "{}.{}.",
                b64(&json!({ "alg": "none", "typ": "JWT" })),
                b64(&session_with(&|c| c["sub"] = json!(super_id)))
            ),
        ),
        (
            "session payload swapped to the super admin",
            with_parts(
                &w.session,
                None,
                Some(&session_with(&|c| c["sub"] = json!(super_id))),
            ),
        ),
        (
            "session wrong aud",
            sign(
                &session_key,
                Algorithm::HS256,
                |_| {},
                &session_with(&|c| c["aud"] = json!("portcullis-api")),
            ),
        ),
        (
            "session wrong iss",
            sign(
                &session_key,
                Algorithm::HS256,
                |_| {},
                &session_with(&|c| c["iss"] = json!("evil")),
            ),
        ),
        (
            "session expired",
            sign(
                &session_key,
                Algorithm::HS256,
                |_| {},
                &session_with(&|c| {
                    c["iat"] = json!(now - 7200);
                    c["exp"] = json!(now - 3600);
                }),
            ),
        ),
        (
            "session for another user's sid",
            sign(
                &session_key,
                Algorithm::HS256,
                |_| {},
                &session_with(&|c| c["sub"] = json!(super_id)),
            ),
        ),
        ("session truncated signature", truncated(&w.session)),
        (
            "session dressed as an access token",
            with_parts(
                &w.session,
                Some(&json!({ "alg": "HS256", "typ": "at+jwt" })),
                None,
            ),
        ),
        (
            "access token dressed as a session",
            with_parts(
                &w.oauth,
                Some(&json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid })),
                None,
            ),
        ),
        // Prefixed secrets: kind confusion, wrong secret, truncation.
        (
            "PAT presented as an API key",
            reshape(&w.pat, Some("key"), false),
        ),
        (
            "API key presented as a PAT",
            reshape(&w.key, Some("pat"), false),
        ),
        (
            "PAT presented as a client secret",
            reshape(&w.pat, Some("pcs"), false),
        ),
        (
            "PAT with a wrong secret, valid checksum",
            reshape(&w.pat, None, true),
        ),
        (
            "API key with a wrong secret, valid checksum",
            reshape(&w.key, None, true),
        ),
        ("PAT with a bad checksum", format!("{}0", truncated(&w.pat))),
        ("truncated PAT", w.pat[..w.pat.len() - 1].to_string()),
        ("truncated API key", w.key[..w.key.len() - 1].to_string()),
        ("PAT with a trailing byte", format!("{}a", w.pat)),
        ("unknown prefix", reshape(&w.pat, Some("tok"), false)),
        ("masked PAT", format!("{}_••••••••", &w.pat[..15])),
        ("empty", String::new()),
    ];
    // A client secret as a bearer token, and a client id.
    let created = app
        .gql_ok(
            Some(&w.session),
            "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"bearer\" }) { clientId clientSecret } }",
            json!({ "c": w.a }),
        )
        .await;
    let client_secret = created["createApiCredential"]["clientSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    let client_id = created["createApiCredential"]["clientId"]
        .as_str()
        .expect("id")
        .to_string();
    attacks.push(("client secret as a bearer token", client_secret.clone()));
    attacks.push(("client id as a bearer token", client_id));
    attacks.push((
        "client secret dressed as an API key",
        reshape(&client_secret, Some("key"), false),
    ));

    let mut wrong = Vec::new();
    for (what, token) in &attacks {
        let resp = app
            .client
            .get(app.url("/api/v1/company"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let www = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let rest_ok = status == 401
            && www.starts_with("Bearer")
            && ct == "application/problem+json"
            && body["type"] == "https://portcullis.dev/problems/unauthenticated"
            && (token.is_empty() || !body.to_string().contains(token.as_str()));
        if !rest_ok {
            wrong.push(format!("REST    {what:<55} {status} {www:?} {ct} {body}"));
        }
        let g = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", format!("Bearer {token}"))
            .json(&json!({ "query": "{ me { id } }" }))
            .send()
            .await
            .expect("request");
        let gstatus = g.status().as_u16();
        let gbody: Value = g.json().await.unwrap_or(Value::Null);
        let gql_ok = gbody["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            && gbody["data"].is_null()
            && matches!(gstatus, 200 | 401);
        if !gql_ok {
            wrong.push(format!("GraphQL {what:<55} {gstatus} {gbody}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} attacks not refused as they should be:\n  {}",
        wrong.len(),
        attacks.len() * 2,
        wrong.join("\n  ")
    );

    // No log row holds any of the tokens (or the secret part of a prefixed one).
    // The writer is asynchronous: wait until every refused REST request is in.
    let mut rows = Vec::new();
    for _ in 0..400 {
        rows = api_log::Entity::find().all(db).await.expect("logs");
        let refused = rows.iter().filter(|r| r.status_code == 401).count();
        if refused >= attacks.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        rows.len() > attacks.len(),
        "the refusals were logged: {}",
        rows.len()
    );
    let dump: String = rows.iter().map(|r| format!("{r:?}\n")).collect();
    for (what, token) in attacks.iter().chain(
        [
            ("genuine PAT", &w.pat),
            ("genuine key", &w.key),
            ("genuine OAuth", &w.oauth),
        ]
        .iter()
        .map(|(a, b)| (*a, (*b).clone()))
        .collect::<Vec<_>>()
        .iter(),
    ) {
        let needle: &str = if token.starts_with("eyJ") {
            token.rsplit('.').next().unwrap_or("")
        } else if token.len() > 20 {
            &token[16..]
        } else {
            continue;
        };
        if needle.len() >= 8 {
            assert!(!dump.contains(needle), "{what} appears in the request log");
        }
    }
}
db_test!(forged_and_stale_tokens_are_refused);

/// The secret check of prefixed tokens (`token::parse` + `ParsedToken::matches`: SHA-256 of the
/// whole token, then `subtle`'s constant-time comparison of the fixed-length hex digests) takes
/// as long for a wrong secret as for the right one. Measured in-process on the function, not
/// over HTTP: medians of many interleaved batches, compared with a generous bound, so that a
/// busy shared machine does not make it flake; what it catches is an early exit (a comparison
/// that stops at the first differing byte of the secret, or skips the hash for a bad one), not
/// nanoseconds.
#[test]
fn wrong_secrets_take_as_long_as_right_ones() {
    use backend::token::{self, TokenKind};
    let minted = token::mint(TokenKind::PersonalAccessToken).expect("mint");
    let right = minted.expose().to_string();
    // Same length, same public id, valid checksums: wrong in the first and in the last secret
    // character.
    let body = &right[..right.len() - 6];
    let first = body.len() - 44;
    let flip = |i: usize| {
        let mut b: Vec<u8> = body.as_bytes().to_vec();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        with_checksum(std::str::from_utf8(&b).expect("ascii"))
    };
    let wrong_first = flip(first);
    let wrong_last = flip(body.len() - 1);
    let stored = minted.hash.clone();
    let check = |t: &str| {
        let p = token::parse(t).expect("well-formed");
        std::hint::black_box(p.matches(std::hint::black_box(&stored)))
    };
    assert!(check(&right));
    assert!(!check(&wrong_first) && !check(&wrong_last));

    const BATCH: u32 = 200;
    const ROUNDS: usize = 301;
    let time = |t: &str| {
        let start = Instant::now();
        for _ in 0..BATCH {
            check(t);
        }
        start.elapsed()
    };
    let (mut r, mut wf, mut wl) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        // Interleaved, in a rotating order, so drift in machine load hits all three alike.
        let order: [&str; 3] = match i % 3 {
            0 => [&right, &wrong_first, &wrong_last],
            1 => [&wrong_first, &wrong_last, &right],
            _ => [&wrong_last, &right, &wrong_first],
        };
        for t in order {
            let d = time(t);
            if t == right {
                r.push(d);
            } else if t == wrong_first {
                wf.push(d);
            } else {
                wl.push(d);
            }
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (r, wf, wl) = (median(&mut r), median(&mut wf), median(&mut wl));
    for (what, w) in [("first", wf), ("last", wl)] {
        let ratio = w.as_secs_f64() / r.as_secs_f64();
        eprintln!(
            "median of {BATCH} checks: right {r:?}, wrong at the {what} character {w:?} (ratio {ratio:.3})"
        );
        assert!(
            (0.5..=2.0).contains(&ratio),
            "a wrong secret (at the {what} character) takes {w:?} against {r:?} for the right one"
        );
    }
}
