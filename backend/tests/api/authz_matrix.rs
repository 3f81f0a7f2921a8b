//! The authorisation matrix (issue 10): every REST endpoint × method and every GraphQL field ×
//! role × credential kind × company access type, against an oracle written here from the
//! permission catalogue (`shared::permissions`), the built-in roles (`shared::roles`), the key
//! catalogue (`shared::api`), the route table (`GUARDED_ROUTES`) and the rules of SPEC §4 — never
//! by calling the product's guards. Then cross-tenant probes: every kind of resource id of
//! company B asked for by company A answers 404 (REST) or NOT_FOUND / null (GraphQL), without B's
//! data.
//!
//! Each family is one test that loops over its cases in-process and, on failure, prints a table
//! of every mismatching case.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use futures::StreamExt;

use backend::entity::{document, employee, personal_access_token as pat, time_off};
use backend::rest::guard::GUARDED_ROUTES;
use backend::token::{self, TokenKind};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::{Value, json};
use shared::api::{ApiAction, ApiEndpoint};
use shared::permissions::{self as perm, PermissionScope};
use shared::roles;
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

use crate::helpers::*;
use crate::rest::{World, api_key, id_of, oauth_token, role_id, set_access, world};

const BOUNDARY: &str = "matrix-boundary-5e1d";
/// Cases in flight at once (the server is shared; order does not matter to the oracle).
const CONCURRENCY: usize = 6;
const ACCESS: [&str; 3] = ["NONE", "READ_ONLY", "READ_WRITE"];

// --- principals ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cred {
    Session,
    Pat,
    ApiKey,
    OAuth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tenancy {
    Platform,
    Reseller,
    Company,
}

/// One caller: a token, and what the oracle needs to know about it.
#[derive(Debug, Clone)]
struct Who {
    label: String,
    token: String,
    cred: Cred,
    tenancy: Tenancy,
    /// The role's permissions (users and OAuth credentials).
    perms: BTreeSet<String>,
    /// The key's grants (API keys).
    grants: BTreeSet<(ApiEndpoint, ApiAction)>,
}

impl Who {
    fn third_party(&self) -> bool {
        self.cred != Cred::Session
    }
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("uuid")
}

/// Every company permission of the catalogue.
fn company_perms() -> BTreeSet<String> {
    perm::keys_in_scope(PermissionScope::Company)
        .map(str::to_string)
        .collect()
}

fn built_in_perms(name: &str) -> BTreeSet<String> {
    roles::built_in(name)
        .expect("built-in role")
        .permissions()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// A session for a user, minted as `login` would (login is throttled per IP; the matrix needs
/// dozens of users).
async fn session_for(app: &TestApp, user: Uuid) -> String {
    let a = &app.state().app;
    backend::auth::session::create(&a.db, &a.session_keys, user, time::Duration::hours(1))
        .await
        .expect("session")
        .0
}

/// A personal access token for a user, stored as `createPersonalAccessToken` stores it (the
/// users of the matrix may lack `personal_tokens.manage`).
async fn pat_for(app: &TestApp, user: Uuid, name: &str) -> String {
    let m = token::mint(TokenKind::PersonalAccessToken).expect("mint");
    pat::ActiveModel::from(pat::Model {
        id: Uuid::now_v7(),
        user_id: user,
        name: name.into(),
        public_id: m.public_id.clone(),
        token_hash: m.hash.clone(),
        created_at: OffsetDateTime::now_utc(),
        last_used_at: None,
        expires_at: None,
    })
    .insert(&app.state().app.db)
    .await
    .expect("insert token");
    m.expose().to_string()
}

async fn create_user(app: &TestApp, admin: &str, email: &str, role: &str, tenant: Value) -> Uuid {
    let mut input = json!({ "email": email, "name": "Matrix", "roleId": role });
    if let (Some(i), Some(t)) = (input.as_object_mut(), tenant.as_object()) {
        i.extend(t.clone());
    }
    let d = app
        .gql_ok(
            Some(admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    uuid(d["createUser"]["id"].as_str().expect("id"))
}

async fn create_role(
    app: &TestApp,
    admin: &str,
    company: &str,
    name: &str,
    perms: &[String],
) -> String {
    id_of(
        app,
        admin,
        "mutation($c: ID!, $n: String!, $p: [String!]!) { createRole(input: { companyId: $c, \
         name: $n, permissions: $p }) { id } }",
        json!({ "c": company, "n": name, "p": perms }),
        "createRole",
    )
    .await
}

/// A user with a role, as a session and as a personal token.
async fn user_pair(
    app: &TestApp,
    admin: &str,
    label: &str,
    role: &str,
    tenant: Value,
    tenancy: Tenancy,
    perms: BTreeSet<String>,
) -> [Who; 2] {
    let email = format!(
        "{}@matrix.example",
        label.replace([' ', '.', '(', ')'], "-")
    );
    let id = create_user(app, admin, &email, role, tenant).await;
    let who = |cred, token: String| Who {
        label: format!("{label} {cred:?}"),
        token,
        cred,
        tenancy,
        perms: perms.clone(),
        grants: BTreeSet::new(),
    };
    [
        who(Cred::Session, session_for(app, id).await),
        who(Cred::Pat, pat_for(app, id, "matrix").await),
    ]
}

/// The built-in roles: Super admin and a Reseller admin of R (hub), Company admin and Company
/// member of A, each through a session and a personal token.
async fn built_in_principals(app: &TestApp, w: &World) -> Vec<Who> {
    let mut out = Vec::new();
    let super_id = {
        let d = app
            .gql_ok(Some(&w.super_admin), "{ me { id } }", json!({}))
            .await;
        uuid(d["me"]["id"].as_str().expect("id"))
    };
    let all = built_in_perms(roles::SUPER_ADMIN);
    for (cred, token) in [
        (Cred::Session, w.super_admin.clone()),
        (Cred::Pat, pat_for(app, super_id, "matrix super").await),
    ] {
        out.push(Who {
            label: format!("Super admin {cred:?}"),
            token,
            cred,
            tenancy: Tenancy::Platform,
            perms: all.clone(),
            grants: BTreeSet::new(),
        });
    }
    let reseller_role = hub_role(app, &w.super_admin, roles::RESELLER_ADMIN).await;
    out.extend(
        user_pair(
            app,
            &w.super_admin,
            "reseller admin",
            &reseller_role,
            json!({ "resellerId": w.reseller }),
            Tenancy::Reseller,
            built_in_perms(roles::RESELLER_ADMIN),
        )
        .await,
    );
    for name in [roles::COMPANY_ADMIN, roles::COMPANY_MEMBER] {
        let role = role_id(app, &w.super_admin, &w.a, name).await;
        out.extend(
            user_pair(
                app,
                &w.super_admin,
                name,
                &role,
                json!({ "companyId": w.a }),
                Tenancy::Company,
                built_in_perms(name),
            )
            .await,
        );
    }
    out
}

async fn hub_role(app: &TestApp, admin: &str, name: &str) -> String {
    let d = app
        .gql_ok(Some(admin), "{ roles { id name } }", json!({}))
        .await;
    d["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name}: {d:#}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// For one permission: a custom role of A holding exactly it, and one holding every other
/// company permission; each as session and personal token, and (REST) as a Partner API
/// credential bound to the role.
async fn custom_principals(app: &TestApp, w: &World, p: &str, oauth: bool) -> Vec<Who> {
    let mut out = Vec::new();
    let exact: BTreeSet<String> = [p.to_string()].into();
    let mut lacking = company_perms();
    lacking.remove(p);
    for (what, set) in [("exactly", exact), ("all but", lacking)] {
        let label = format!("custom role {what} {p}");
        let list: Vec<String> = set.iter().cloned().collect();
        let role = create_role(app, &w.super_admin, &w.a, &label, &list).await;
        out.extend(
            user_pair(
                app,
                &w.super_admin,
                &label,
                &role,
                json!({ "companyId": w.a }),
                Tenancy::Company,
                set.clone(),
            )
            .await,
        );
        if oauth {
            out.push(Who {
                label: format!("{label} OAuth"),
                token: oauth_token(app, &w.super_admin, &w.a, &label, Some(&role)).await,
                cred: Cred::OAuth,
                tenancy: Tenancy::Company,
                perms: set,
                grants: BTreeSet::new(),
            });
        }
    }
    out
}

// --- reporting -------------------------------------------------------------------------------

/// Collects every mismatch of a table and fails once with all of them.
#[derive(Default)]
struct Report {
    cases: usize,
    rows: Vec<String>,
}

impl Report {
    fn check(&mut self, case: String, want: &str, got: &str, ok: bool) {
        self.cases += 1;
        if !ok {
            self.rows
                .push(format!("{case:<90} | want {want:<28} | got {got}"));
        }
    }

    fn finish(self, table: &str) {
        if !self.rows.is_empty() {
            let mut s = format!(
                "{table}: {} of {} cases mismatch\n",
                self.rows.len(),
                self.cases
            );
            for r in &self.rows {
                let _ = writeln!(s, "  {r}");
            }
            panic!("{s}");
        }
        eprintln!("{table}: {} cases, all as the oracle says", self.cases);
    }
}

// --- REST ------------------------------------------------------------------------------------

/// What the REST oracle expects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RestWant {
    Ok(u16),
    Problem(u16, &'static [&'static str]),
}

/// The permission a company endpoint and action need, named by the catalogue's convention
/// `<resource>.<action>` (and checked to exist there).
fn rest_permission(e: ApiEndpoint, a: ApiAction) -> String {
    let resource = match e {
        ApiEndpoint::Company => "company",
        ApiEndpoint::Employees => "employees",
        ApiEndpoint::TimeOff => "time_off",
        ApiEndpoint::Documents => "documents",
        ApiEndpoint::Users => "users",
    };
    let key = format!("{resource}.{}", a.as_str());
    assert!(perm::find(&key).is_some(), "{key} is catalogued");
    key
}

/// One operation of the REST API: a route of `GUARDED_ROUTES` with a method its endpoint offers.
#[derive(Debug, Clone)]
struct RestOp {
    method: Method,
    template: &'static str,
    endpoint: ApiEndpoint,
    action: ApiAction,
}

/// Every (route, method) the route table implies: collections read and create, items read,
/// update and delete, and the download route reads bytes — each where the endpoint's catalogue
/// supports the action. The other methods of each route are returned apart (405 for anyone).
fn rest_ops() -> (Vec<RestOp>, Vec<(Method, &'static str)>) {
    let mut ops = Vec::new();
    let mut unsupported = Vec::new();
    for r in GUARDED_ROUTES {
        let item = r.path.ends_with("{id}");
        let candidates: Vec<(Method, ApiAction)> = match r.action {
            Some(a) => vec![(Method::GET, a)],
            None if item => vec![
                (Method::GET, ApiAction::Read),
                (Method::PATCH, ApiAction::Update),
                (Method::DELETE, ApiAction::Delete),
            ],
            None => vec![
                (Method::GET, ApiAction::Read),
                (Method::POST, ApiAction::Create),
            ],
        };
        for (m, a) in candidates {
            if r.endpoint.supports(a) && !(r.path == "/company" && m != Method::GET) {
                ops.push(RestOp {
                    method: m,
                    template: r.path,
                    endpoint: r.endpoint,
                    action: a,
                });
            } else {
                unsupported.push((m, r.path));
            }
        }
        for m in [Method::PUT, Method::POST, Method::PATCH, Method::DELETE] {
            let offered = ops.iter().any(|o| o.template == r.path && o.method == m);
            if !offered && !unsupported.contains(&(m.clone(), r.path)) {
                unsupported.push((m, r.path));
            }
        }
    }
    (ops, unsupported)
}

fn rest_oracle(op: &RestOp, who: &Who, access: &str) -> RestWant {
    if who.tenancy != Tenancy::Company {
        // Hub users have no company: the company endpoints refuse them.
        return RestWant::Problem(403, &["forbidden", "company-required"]);
    }
    let writes = op.method != Method::GET;
    if who.third_party() && access == "NONE" {
        return RestWant::Problem(401, &["access-type-none"]);
    }
    if who.third_party() && access == "READ_ONLY" && writes {
        return RestWant::Problem(403, &["read-only"]);
    }
    let allowed = match who.cred {
        Cred::ApiKey => who.grants.contains(&(op.endpoint, op.action)),
        _ => who.perms.contains(&rest_permission(op.endpoint, op.action)),
    };
    if !allowed {
        return RestWant::Problem(403, &["forbidden"]);
    }
    RestWant::Ok(match op.method {
        Method::POST => 201,
        Method::DELETE => 204,
        _ => 200,
    })
}

/// Status, content type and body (JSON when it is JSON).
async fn raw(req: reqwest::RequestBuilder) -> (u16, String, bool, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let www = resp.headers().contains_key("www-authenticate");
    let bytes = resp.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, ct, www, body)
}

fn employee_row(company: Uuid) -> employee::Model {
    let now = OffsetDateTime::now_utc();
    employee::Model {
        id: Uuid::now_v7(),
        company_id: company,
        first_name: "Matrix".into(),
        last_name: "Row".into(),
        email: None,
        department: Some("Engineering".into()),
        job_title: None,
        start_date: Some(date!(2024 - 01 - 01)),
        end_date: None,
        phone: None,
        salary: Some(1),
        created_at: now,
        updated_at: now,
    }
}

/// Fresh rows of A for one case: an employee, a time off of it and a document of it.
async fn fresh_rows(app: &TestApp, company: Uuid) -> (Uuid, Uuid, Uuid) {
    let db = &app.state().app.db;
    let e = employee_row(company);
    let e_id = e.id;
    employee::ActiveModel::from(e)
        .insert(db)
        .await
        .expect("employee");
    let t_id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    time_off::ActiveModel::from(time_off::Model {
        id: t_id,
        company_id: company,
        employee_id: e_id,
        kind: "vacation".into(),
        start_date: date!(2025 - 01 - 01),
        end_date: date!(2025 - 01 - 02),
        status: "requested".into(),
        note: Some("matrix".into()),
        created_at: now,
        updated_at: now,
    })
    .insert(db)
    .await
    .expect("time off");
    let d_id = Uuid::now_v7();
    document::ActiveModel::from(document::Model {
        id: d_id,
        company_id: company,
        employee_id: Some(e_id),
        file_name: "m.txt".into(),
        content_type: "text/plain".into(),
        size_bytes: 6,
        content: b"matrix".to_vec(),
        created_at: now,
    })
    .insert(db)
    .await
    .expect("document");
    (e_id, t_id, d_id)
}

async fn raise_limits(app: &TestApp, w: &World) {
    app.gql_ok(
        Some(&w.super_admin),
        "mutation($id: ID!) { updateReseller(id: $id, input: { apiRateLimit: 1200 }) { id } }",
        json!({ "id": w.reseller }),
    )
    .await;
    for c in [&w.a, &w.b] {
        app.gql_ok(
            Some(&w.super_admin),
            "mutation($id: ID!) { updateCompany(id: $id, input: { apiRateLimit: 1200 }) { id } }",
            json!({ "id": c }),
        )
        .await;
    }
}

fn grant_json(grants: &BTreeSet<(ApiEndpoint, ApiAction)>) -> Value {
    let mut out = Vec::new();
    for e in ApiEndpoint::ALL {
        let actions: Vec<&str> = grants
            .iter()
            .filter(|(ge, _)| *ge == e)
            .map(|(_, a)| a.name())
            .collect();
        if !actions.is_empty() {
            out.push(json!({ "endpoint": e.name(), "actions": actions }));
        }
    }
    Value::Array(out)
}

/// Every REST operation × (built-in roles through session and token; custom roles holding
/// exactly, or all but, the operation's permission through session, token and Partner API
/// credential; an API key with exactly, or all but, the operation's grant) × access type.
async fn rest_matrix(app: &TestApp) {
    let w = world(app).await;
    raise_limits(app, &w).await;
    let a = uuid(&w.a);
    let (ops, unsupported) = rest_ops();
    assert!(ops.len() >= 14, "{ops:?}");

    let mut base = built_in_principals(app, &w).await;
    // The built-in roles as Partner API credentials too.
    for name in [roles::COMPANY_ADMIN, roles::COMPANY_MEMBER] {
        let role = role_id(app, &w.super_admin, &w.a, name).await;
        base.push(Who {
            label: format!("{name} OAuth"),
            token: oauth_token(
                app,
                &w.super_admin,
                &w.a,
                &format!("{name} cred"),
                Some(&role),
            )
            .await,
            cred: Cred::OAuth,
            tenancy: Tenancy::Company,
            perms: built_in_perms(name),
            grants: BTreeSet::new(),
        });
    }
    let every_grant: BTreeSet<(ApiEndpoint, ApiAction)> = ApiEndpoint::ALL
        .iter()
        .flat_map(|e| e.actions().iter().map(move |a| (*e, *a)))
        .collect();

    let mut per_op: Vec<(RestOp, Vec<Who>)> = Vec::new();
    let mut custom_cache: std::collections::HashMap<String, Vec<Who>> = Default::default();
    let mut key_cache: std::collections::HashMap<(ApiEndpoint, ApiAction), Vec<Who>> =
        Default::default();
    for op in &ops {
        let p = rest_permission(op.endpoint, op.action);
        if !custom_cache.contains_key(&p) {
            let c = custom_principals(app, &w, &p, true).await;
            custom_cache.insert(p.clone(), c);
        }
        let mut who = base.clone();
        who.extend(custom_cache[&p].iter().cloned());
        if let std::collections::hash_map::Entry::Vacant(slot) =
            key_cache.entry((op.endpoint, op.action))
        {
            let exact: BTreeSet<_> = [(op.endpoint, op.action)].into();
            let mut lacking = every_grant.clone();
            lacking.remove(&(op.endpoint, op.action));
            let mut keys = Vec::new();
            for (what, grants) in [("exactly", exact), ("all but", lacking)] {
                let label = format!("key {what} {}:{}", op.endpoint.name(), op.action.name());
                keys.push(Who {
                    token: api_key(app, &w.super_admin, &w.a, &label, grant_json(&grants)).await,
                    label,
                    cred: Cred::ApiKey,
                    tenancy: Tenancy::Company,
                    perms: BTreeSet::new(),
                    grants,
                });
            }
            slot.insert(keys);
        }
        who.extend(key_cache[&(op.endpoint, op.action)].iter().cloned());
        per_op.push((op.clone(), who));
    }

    let shared_rows = fresh_rows(app, a).await;
    let mut report = Report::default();
    for access in ACCESS {
        set_access(app, &w, &w.a, access).await;
        let cases = per_op
            .iter()
            .flat_map(|(op, principals)| principals.iter().map(move |who| (op, who)));
        let results: Vec<_> = futures::stream::iter(cases)
            .map(|(op, who)| async move {
                let (e, t, d) = if op.method == Method::DELETE {
                    fresh_rows(app, a).await
                } else {
                    shared_rows
                };
                let id = match op.endpoint {
                    ApiEndpoint::Employees => e,
                    ApiEndpoint::TimeOff => t,
                    _ => d,
                };
                let path = format!("/api/v1{}", op.template.replace("{id}", &id.to_string()));
                let mut req = app
                    .client
                    .request(op.method.clone(), app.url(&path))
                    .bearer_auth(&who.token);
                req = match (op.endpoint, op.method.clone()) {
                    (ApiEndpoint::Employees, Method::POST) => {
                        req.json(&json!({ "first_name": "New", "last_name": "Hire" }))
                    }
                    (ApiEndpoint::Employees, Method::PATCH) => {
                        req.json(&json!({ "job_title": "Lead" }))
                    }
                    (ApiEndpoint::TimeOff, Method::POST) => req.json(&json!({
                        "employee_id": e, "kind": "sick",
                        "start_date": "2025-02-01", "end_date": "2025-02-02" })),
                    (ApiEndpoint::TimeOff, Method::PATCH) => req.json(&json!({ "note": "seen" })),
                    (ApiEndpoint::Documents, Method::POST) => req
                        .header(
                            "content-type",
                            format!("multipart/form-data; boundary={BOUNDARY}"),
                        )
                        .body(format!(
                            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                             filename=\"n.txt\"\r\nContent-Type: text/plain\r\n\r\nnew\r\n\
                             --{BOUNDARY}--\r\n"
                        )),
                    _ => req,
                };
                let want = rest_oracle(op, who, access);
                let (status, ct, www, body) = raw(req).await;
                let case = format!(
                    "{access:<10} {:<34} {} {}",
                    who.label, op.method, op.template
                );
                let (ok, want_s) = match &want {
                    RestWant::Ok(s) => (status == *s, format!("{s}")),
                    RestWant::Problem(s, slugs) => {
                        let slug = body["type"]
                            .as_str()
                            .and_then(|t| t.rsplit('/').next())
                            .unwrap_or("");
                        let mut ok = status == *s
                            && ct == "application/problem+json"
                            && slugs.contains(&slug)
                            && body.get("data").is_none();
                        if *s == 401 {
                            ok &= www;
                        }
                        if slug == "forbidden" && who.tenancy == Tenancy::Company {
                            // A forbidden company caller is told what it lacks.
                            let missing = match who.cred {
                                Cred::ApiKey => {
                                    format!("{}:{}", op.endpoint.name(), op.action.name())
                                }
                                _ => rest_permission(op.endpoint, op.action),
                            };
                            ok &= body["missing"] == missing.as_str();
                        }
                        (ok, format!("{s} {}", slugs.join("|")))
                    }
                };
                let got = format!(
                    "{status} {} {}",
                    body["type"].as_str().unwrap_or(""),
                    body["missing"].as_str().unwrap_or("")
                );
                (case, want_s, got, ok)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (case, want, got, ok) in results {
            report.check(case, &want, &got, ok);
        }
        // The hub routes: hub users with companies.read only, never a company's credential,
        // and not subject to the company's access type.
        for who in &base {
            for path in [
                "/api/v1/companies".to_string(),
                format!("/api/v1/companies/{}", w.a),
            ] {
                let allowed = who.tenancy != Tenancy::Company
                    && matches!(who.cred, Cred::Session | Cred::Pat)
                    && who.perms.contains(perm::COMPANIES_READ);
                let (status, _, _, body) =
                    raw(app.client.get(app.url(&path)).bearer_auth(&who.token)).await;
                let want = if allowed { 200 } else { 403 };
                report.check(
                    format!("{access:<10} {:<34} GET {path}", who.label),
                    &want.to_string(),
                    &format!("{status} {}", body["type"].as_str().unwrap_or("")),
                    status == want,
                );
            }
        }
    }
    // Methods a route does not offer: 405 problem, for anyone.
    for (m, template) in &unsupported {
        let path = format!(
            "/api/v1{}",
            template.replace("{id}", &shared_rows.0.to_string())
        );
        for token in [Some(&w.session), Some(&w.key), None] {
            let mut req = app.client.request(m.clone(), app.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let (status, ct, _, _) = raw(req).await;
            report.check(
                format!("{m} {template} token={}", token.is_some()),
                "405 problem",
                &format!("{status} {ct}"),
                status == 405 && ct == "application/problem+json",
            );
        }
    }
    report.finish("REST authorisation matrix");
}
db_test!(rest_matrix);

// --- GraphQL ---------------------------------------------------------------------------------

/// What a GraphQL field needs, as SPEC §1/§8 and the catalogue's descriptions say. Fields that
/// change or delete an existing object also need to see it (`*.read`), as the catalogue's
/// read/edit pairs imply.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// Any authenticated caller.
    Auth,
    /// All of these permissions.
    All(&'static [&'static str]),
    /// The caller's own company, or this permission (company users always see their company).
    OwnCompanyOr(&'static str),
}

/// What a case needs created first (a destructive field gets a fresh object each time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    No,
    Role,
    Group,
}

struct Field {
    name: &'static str,
    mutation: bool,
    doc: &'static str,
    needs: Needs,
    fresh: Fresh,
}

const fn q(name: &'static str, doc: &'static str, needs: Needs) -> Field {
    Field {
        name,
        mutation: false,
        doc,
        needs,
        fresh: Fresh::No,
    }
}

const fn m(name: &'static str, doc: &'static str, needs: Needs, fresh: Fresh) -> Field {
    Field {
        name,
        mutation: true,
        doc,
        needs,
        fresh,
    }
}

use Needs::{All, Auth, OwnCompanyOr};

const ROLES_RE: &[&str] = &[perm::ROLES_READ, perm::ROLES_EDIT];
const GROUPS_RE: &[&str] = &[perm::VISIBILITY_GROUPS_READ, perm::VISIBILITY_GROUPS_EDIT];
const USERS_RE: &[&str] = &[perm::USERS_READ, perm::USERS_EDIT];
const RESELLERS_RE: &[&str] = &[perm::RESELLERS_READ, perm::RESELLERS_EDIT];

/// Every query and mutation of the schema but `login`/`logout` (session.rs covers those; logout
/// would end the matrix's sessions). `schema_fields_are_all_in_the_matrix` keeps this complete.
const FIELDS: &[Field] = &[
    q("me", "{ me { id } }", Auth),
    q("permissions", "{ permissions { key } }", Auth),
    q(
        "expiringCredentials",
        "{ expiringCredentials { id } }",
        Auth,
    ),
    q(
        "resellers",
        "{ resellers(first: 1) { totalCount } }",
        All(&[perm::RESELLERS_READ]),
    ),
    q(
        "reseller",
        "query($r: ID!) { reseller(id: $r) { id } }",
        All(&[perm::RESELLERS_READ]),
    ),
    q(
        "companies",
        "{ companies(first: 1) { totalCount } }",
        All(&[perm::COMPANIES_READ]),
    ),
    q(
        "company",
        "query($a: ID!) { company(id: $a) { id } }",
        OwnCompanyOr(perm::COMPANIES_READ),
    ),
    q(
        "users",
        "{ users(first: 1) { totalCount } }",
        All(&[perm::USERS_READ]),
    ),
    q(
        "user",
        "query($u: ID!) { user(id: $u) { id } }",
        All(&[perm::USERS_READ]),
    ),
    q(
        "roles",
        "query($a: ID) { roles(companyId: $a) { id } }",
        All(&[perm::ROLES_READ]),
    ),
    q(
        "visibilityGroups",
        "query($a: ID!) { visibilityGroups(companyId: $a) { id } }",
        All(&[perm::VISIBILITY_GROUPS_READ]),
    ),
    q(
        "personalAccessTokens",
        "{ personalAccessTokens { id } }",
        All(&[perm::PERSONAL_TOKENS_MANAGE]),
    ),
    q(
        "apiKeys",
        "query($a: ID!) { apiKeys(companyId: $a) { id } }",
        All(&[perm::API_KEYS_MANAGE]),
    ),
    q(
        "apiCredentials",
        "query($a: ID!) { apiCredentials(companyId: $a) { id } }",
        All(&[perm::API_CREDENTIALS_MANAGE]),
    ),
    q(
        "apiCredential",
        "query($x: ID!) { apiCredential(id: $x) { id } }",
        All(&[perm::API_CREDENTIALS_MANAGE]),
    ),
    q(
        "apiLogs",
        "{ apiLogs(first: 1) { totalCount } }",
        All(&[perm::API_LOGS_VIEW]),
    ),
    q(
        "apiLog",
        "query($x: ID!) { apiLog(id: $x) { id } }",
        All(&[perm::API_LOGS_VIEW]),
    ),
    q(
        "apiLogStats",
        "{ apiLogStats { total } }",
        All(&[perm::API_LOGS_VIEW]),
    ),
    q(
        "auditLogs",
        "{ auditLogs(first: 1) { totalCount } }",
        All(&[perm::AUDIT_LOG_VIEW]),
    ),
    m(
        "createReseller",
        "mutation($n: String!) { createReseller(input: { name: $n }) { id } }",
        All(&[perm::RESELLERS_CREATE]),
        Fresh::No,
    ),
    m(
        "updateReseller",
        "mutation($r: ID!) { updateReseller(id: $r, input: {}) { id } }",
        All(RESELLERS_RE),
        Fresh::No,
    ),
    m(
        "setResellerFeature",
        "mutation($r: ID!) { setResellerFeature(resellerId: $r, flag: \"api_access\", enabled: true) { id } }",
        All(RESELLERS_RE),
        Fresh::No,
    ),
    m(
        "createCompany",
        "mutation($r: ID!, $n: String!) { createCompany(input: { resellerId: $r, name: $n }) { id } }",
        All(&[perm::COMPANIES_CREATE]),
        Fresh::No,
    ),
    m(
        "updateCompany",
        "mutation($a: ID!) { updateCompany(id: $a, input: {}) { id } }",
        All(&[perm::COMPANIES_EDIT]),
        Fresh::No,
    ),
    m(
        "setCompanyFeature",
        "mutation($a: ID!) { setCompanyFeature(companyId: $a, flag: \"api_access\", enabled: true) { id } }",
        All(&[perm::COMPANIES_EDIT]),
        Fresh::No,
    ),
    m(
        "createUser",
        "mutation($a: ID!, $n: String!, $role: ID!) { createUser(input: { email: $n, name: \"N\", roleId: $role, companyId: $a }) { id } }",
        All(&[perm::USERS_CREATE]),
        Fresh::No,
    ),
    m(
        "updateUser",
        "mutation($u: ID!) { updateUser(id: $u, input: { name: \"Dummy\" }) { id } }",
        All(USERS_RE),
        Fresh::No,
    ),
    m(
        "createRole",
        "mutation($a: ID!, $n: String!) { createRole(input: { companyId: $a, name: $n, permissions: [\"roles.edit\"] }) { id } }",
        All(&[perm::ROLES_EDIT]),
        Fresh::No,
    ),
    m(
        "updateRole",
        "mutation($x: ID!) { updateRole(id: $x, input: { name: \"fresh\" }) { id } }",
        All(ROLES_RE),
        Fresh::Role,
    ),
    m(
        "deleteRole",
        "mutation($x: ID!) { deleteRole(id: $x) }",
        All(ROLES_RE),
        Fresh::Role,
    ),
    m(
        "createVisibilityGroup",
        "mutation($a: ID!, $n: String!) { createVisibilityGroup(input: { companyId: $a, name: $n, departments: [\"X\"] }) { id } }",
        All(&[perm::VISIBILITY_GROUPS_EDIT]),
        Fresh::No,
    ),
    m(
        "updateVisibilityGroup",
        "mutation($x: ID!) { updateVisibilityGroup(id: $x, input: { departments: [\"Y\"] }) { id } }",
        All(GROUPS_RE),
        Fresh::Group,
    ),
    m(
        "deleteVisibilityGroup",
        "mutation($x: ID!) { deleteVisibilityGroup(id: $x) }",
        All(GROUPS_RE),
        Fresh::Group,
    ),
    m(
        "createPersonalAccessToken",
        "mutation($n: String!) { createPersonalAccessToken(input: { name: $n }) { token } }",
        All(&[perm::PERSONAL_TOKENS_MANAGE]),
        Fresh::No,
    ),
    m(
        "revokePersonalAccessToken",
        "mutation($x: ID!) { revokePersonalAccessToken(id: $x) }",
        All(&[perm::PERSONAL_TOKENS_MANAGE]),
        Fresh::No,
    ),
    m(
        "createApiKey",
        "mutation($a: ID!, $n: String!) { createApiKey(input: { companyId: $a, name: $n, grants: [{ endpoint: USERS, actions: [READ] }] }) { key } }",
        All(&[perm::API_KEYS_MANAGE]),
        Fresh::No,
    ),
    m(
        "regenerateApiKey",
        "mutation($x: ID!) { regenerateApiKey(id: $x) { key } }",
        All(&[perm::API_KEYS_MANAGE]),
        Fresh::No,
    ),
    m(
        "updateApiKeyGrants",
        "mutation($x: ID!) { updateApiKeyGrants(id: $x, grants: [{ endpoint: USERS, actions: [READ] }]) { id } }",
        All(&[perm::API_KEYS_MANAGE]),
        Fresh::No,
    ),
    m(
        "revokeApiKey",
        "mutation($x: ID!) { revokeApiKey(id: $x) }",
        All(&[perm::API_KEYS_MANAGE]),
        Fresh::No,
    ),
    m(
        "revokeAllApiKeys",
        "mutation($a: ID!) { revokeAllApiKeys(companyId: $a) }",
        All(&[perm::API_KEYS_MANAGE]),
        Fresh::No,
    ),
    m(
        "createApiCredential",
        "mutation($a: ID!, $n: String!, $role: ID!) { createApiCredential(input: { companyId: $a, name: $n, roleId: $role }) { clientId } }",
        All(&[perm::API_CREDENTIALS_MANAGE]),
        Fresh::No,
    ),
    m(
        "regenerateApiCredentialSecret",
        "mutation($x: ID!) { regenerateApiCredentialSecret(id: $x) { clientId } }",
        All(&[perm::API_CREDENTIALS_MANAGE]),
        Fresh::No,
    ),
    m(
        "narrowApiCredential",
        "mutation($x: ID!, $n: String!) { narrowApiCredential(id: $x, input: { roleName: $n, permissions: [\"roles.edit\"] }) { id } }",
        All(&[perm::API_CREDENTIALS_MANAGE, perm::ROLES_EDIT]),
        Fresh::No,
    ),
    m(
        "revokeApiCredential",
        "mutation($x: ID!) { revokeApiCredential(id: $x) }",
        All(&[perm::API_CREDENTIALS_MANAGE]),
        Fresh::No,
    ),
];

/// The GraphQL oracle: `None` = allowed, else the error code.
fn gql_oracle(f: &Field, who: &Who, access: &str) -> Option<&'static str> {
    match who.cred {
        // GraphQL is for people and their scripts: keys and Partner API tokens are refused.
        Cred::ApiKey | Cred::OAuth => return Some("UNAUTHENTICATED"),
        // A company user's script passes the public API's gate (SPEC §4, guards 2–4).
        Cred::Pat if who.tenancy == Tenancy::Company => {
            if access == "NONE" {
                return Some("UNAUTHENTICATED");
            }
            if access == "READ_ONLY" && f.mutation {
                return Some("FORBIDDEN");
            }
        }
        _ => {}
    }
    let allowed = match f.needs {
        Auth => true,
        All(list) => list.iter().all(|p| who.perms.contains(*p)),
        OwnCompanyOr(p) => who.tenancy == Tenancy::Company || who.perms.contains(p),
    };
    (!allowed).then_some("FORBIDDEN")
}

/// Every field of the schema's Query and Mutation types, from introspection.
async fn schema_fields(app: &TestApp, token: &str) -> BTreeSet<String> {
    let d = app
        .gql_ok(
            Some(token),
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let mut out = BTreeSet::new();
    for t in ["queryType", "mutationType"] {
        for f in d["__schema"][t]["fields"].as_array().expect("fields") {
            out.insert(f["name"].as_str().expect("name").to_string());
        }
    }
    out
}

/// Every GraphQL query and mutation × built-in roles (session, token) × custom roles holding
/// exactly, or all but one of, the permissions the field needs (session, token) × an API key
/// and a Partner API token × access type.
async fn graphql_matrix(app: &TestApp) {
    let started = std::time::Instant::now();
    let w = world(app).await;
    raise_limits(app, &w).await;
    // The matrix covers the whole schema.
    let listed: BTreeSet<String> = FIELDS.iter().map(|f| f.name.to_string()).collect();
    let mut missing: Vec<String> = schema_fields(app, &w.super_admin)
        .await
        .difference(&listed)
        .cloned()
        .collect();
    missing.retain(|f| f != "login" && f != "logout");
    assert!(
        missing.is_empty(),
        "fields missing from the matrix: {missing:?}"
    );

    let base = built_in_principals(app, &w).await;
    let outsiders = [
        Who {
            label: "API key".into(),
            token: w.key.clone(),
            cred: Cred::ApiKey,
            tenancy: Tenancy::Company,
            perms: BTreeSet::new(),
            grants: BTreeSet::new(),
        },
        Who {
            label: "Partner API token".into(),
            token: w.oauth.clone(),
            cred: Cred::OAuth,
            tenancy: Tenancy::Company,
            perms: built_in_perms(roles::COMPANY_ADMIN),
            grants: BTreeSet::new(),
        },
    ];
    // Custom roles: exactly each field's set, and all company permissions but one of it.
    let mut exact: std::collections::BTreeMap<Vec<&str>, (String, Vec<Who>)> = Default::default();
    let mut lacking: std::collections::BTreeMap<&str, Vec<Who>> = Default::default();
    for f in FIELDS {
        let All(list) = f.needs else { continue };
        if list
            .iter()
            .any(|p| perm::find(p).map(|i| i.scope) != Some(PermissionScope::Company))
        {
            continue; // hub permissions cannot be held by a custom role
        }
        let key: Vec<&str> = list.to_vec();
        if !exact.contains_key(&key) {
            let set: BTreeSet<String> = list.iter().map(|s| s.to_string()).collect();
            let label = format!("exactly {}", key.join("+"));
            let v: Vec<String> = set.iter().cloned().collect();
            let role = create_role(app, &w.super_admin, &w.a, &label, &v).await;
            let who = user_pair(
                app,
                &w.super_admin,
                &label,
                &role,
                json!({ "companyId": w.a }),
                Tenancy::Company,
                set,
            )
            .await;
            exact.insert(key.clone(), (role, who.to_vec()));
        }
        for p in list {
            if !lacking.contains_key(p) {
                let mut set = company_perms();
                set.remove(*p);
                let label = format!("all but {p}");
                let v: Vec<String> = set.iter().cloned().collect();
                let role = create_role(app, &w.super_admin, &w.a, &label, &v).await;
                let who = user_pair(
                    app,
                    &w.super_admin,
                    &label,
                    &role,
                    json!({ "companyId": w.a }),
                    Tenancy::Company,
                    set,
                )
                .await;
                lacking.insert(p, who.to_vec());
            }
        }
    }
    // Targets in A (and R) that the allowed cases act on harmlessly.
    let users_edit_role = exact[&USERS_RE.to_vec()].0.clone();
    let users_create_role = exact[&vec![perm::USERS_CREATE]].0.clone();
    let cred_role = exact[&vec![perm::API_CREDENTIALS_MANAGE]].0.clone();
    let dummy_user = create_user(
        app,
        &w.super_admin,
        "dummy@matrix.example",
        &users_edit_role,
        json!({ "companyId": w.a }),
    )
    .await;

    // A credential of A to narrow (narrowing checks the credential's company before roles.edit).
    let narrowed = app
        .gql_ok(
            Some(&w.super_admin),
            "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"to narrow\" \
             }) { credential { id } } }",
            json!({ "c": w.a }),
        )
        .await["createApiCredential"]["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    eprintln!("GraphQL matrix set up in {:?}", started.elapsed());
    let mut report = Report::default();
    let mut n = 0u32;
    for access in ACCESS {
        set_access(app, &w, &w.a, access).await;
        let mut cases: Vec<(&Field, Who, u32)> = Vec::new();
        for f in FIELDS {
            let mut who: Vec<Who> = base.clone();
            who.extend(outsiders.iter().cloned());
            if let All(list) = f.needs {
                if let Some((_, e)) = exact.get(list) {
                    who.extend(e.iter().cloned());
                }
                for p in list {
                    if let Some(l) = lacking.get(p) {
                        who.extend(l.iter().cloned());
                    }
                }
            }
            for c in who {
                // Under NONE and READ_ONLY only a company user's personal token is gated
                // (SPEC §3.4, §4); of the others one control of each kind is kept there.
                let gated = c.cred == Cred::Pat && c.tenancy == Tenancy::Company;
                let control = matches!(
                    c.label.as_str(),
                    "Company admin Session" | "Super admin Pat" | "API key"
                );
                if access != "READ_WRITE" && !gated && !control {
                    continue;
                }
                n += 1;
                cases.push((f, c, n));
            }
        }
        let run = |(f, c, n): (&'static Field, Who, u32)| {
            let (w, narrowed, dummy_user) = (&w, &narrowed, &dummy_user);
            let (users_create_role, cred_role) = (&users_create_role, &cred_role);
            async move {
                let target = match f.fresh {
                    Fresh::No if f.name == "narrowApiCredential" => narrowed.clone(),
                    Fresh::No => Uuid::now_v7().to_string(),
                    Fresh::Role => {
                        create_role(
                            app,
                            &w.super_admin,
                            &w.a,
                            &format!("target {n}"),
                            &[perm::ROLES_EDIT.to_string()],
                        )
                        .await
                    }
                    Fresh::Group => {
                        id_of(
                            app,
                            &w.super_admin,
                            "mutation($c: ID!, $n: String!) { createVisibilityGroup(input: { \
                             companyId: $c, name: $n, departments: [\"X\"] }) { id } }",
                            json!({ "c": w.a, "n": format!("target {n}") }),
                            "createVisibilityGroup",
                        )
                        .await
                    }
                };
                let role = if f.name == "createUser" {
                    users_create_role
                } else {
                    cred_role
                };
                let name = if f.name == "createUser" {
                    format!("new{n}@matrix.example")
                } else {
                    format!("matrix {n}")
                };
                let mut vars = json!({
                    "a": w.a, "r": w.reseller, "u": dummy_user, "x": target, "n": name,
                    "role": role,
                });
                // Send only the variables the document declares.
                if let Some(o) = vars.as_object_mut() {
                    o.retain(|k, _| f.doc.contains(&format!("${k}:")));
                }
                let resp = app
                    .client
                    .post(app.url("/graphql"))
                    .bearer_auth(&c.token)
                    .json(&json!({ "query": f.doc, "variables": vars }))
                    .send()
                    .await
                    .expect("request");
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                let code = body["errors"][0]["extensions"]["code"].as_str();
                let want = gql_oracle(f, &c, access);
                let ok = match want {
                    None => !matches!(code, Some("FORBIDDEN" | "UNAUTHENTICATED")) && status == 200,
                    Some(w) => code == Some(w) && body["data"][f.name].is_null(),
                };
                let case = format!(
                    "{access:<10} {:<40} {}{}",
                    c.label,
                    if f.mutation { "mutation " } else { "" },
                    f.name
                );
                let got = format!(
                    "{status} {} {}",
                    code.unwrap_or("ok"),
                    body["errors"][0]["message"].as_str().unwrap_or("")
                );
                (case, want.unwrap_or("allowed"), got, ok)
            }
        };
        let results: Vec<_> = futures::stream::iter(cases)
            .map(run)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (case, want, got, ok) in results {
            report.check(case, want, &got, ok);
        }
    }
    eprintln!("GraphQL matrix done in {:?}", started.elapsed());
    report.finish("GraphQL authorisation matrix");
}
db_test!(graphql_matrix);

// --- cross-tenant ----------------------------------------------------------------------------

/// Company B's objects of every id kind, with names that must never reach a caller of A.
struct TenantB {
    admin_role: String,
    user: String,
    token_id: String,
    pat: String,
    key_id: String,
    key: String,
    cred_id: String,
    client_id: String,
    role: String,
    group: String,
    log: String,
}

const B_SECRETS: &[&str] = &[
    "secret-b-user@b.example",
    "Secret B user",
    "Secret B token",
    "Secret B key",
    "Secret B cred",
    "Secret B role",
    "Secret B group",
    "BDept",
];

async fn tenant_b(app: &TestApp, w: &World) -> TenantB {
    let admin_b = role_id(app, &w.super_admin, &w.b, roles::COMPANY_ADMIN).await;
    let d = app
        .gql_ok(
            Some(&w.super_admin),
            "mutation($r: ID!, $c: ID!) { createUser(input: { email: \"secret-b-user@b.example\", \
             name: \"Secret B user\", roleId: $r, companyId: $c }) { id } }",
            json!({ "r": admin_b, "c": w.b }),
        )
        .await;
    let user = d["createUser"]["id"].as_str().expect("id").to_string();
    let session_b = session_for(app, uuid(&user)).await;
    let d = app
        .gql_ok(
            Some(&session_b),
            "mutation { createPersonalAccessToken(input: { name: \"Secret B token\" }) { token \
             personalAccessToken { id } } }",
            json!({}),
        )
        .await;
    let pat = d["createPersonalAccessToken"]["token"]
        .as_str()
        .expect("t")
        .to_string();
    let token_id = d["createPersonalAccessToken"]["personalAccessToken"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let d = app
        .gql_ok(
            Some(&session_b),
            "mutation($c: ID!) { createApiKey(input: { companyId: $c, name: \"Secret B key\", \
             grants: [{ endpoint: COMPANY, actions: [READ] }] }) { key apiKey { id } } }",
            json!({ "c": w.b }),
        )
        .await;
    let key = d["createApiKey"]["key"].as_str().expect("key").to_string();
    let key_id = d["createApiKey"]["apiKey"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let d = app
        .gql_ok(
            Some(&session_b),
            "mutation($c: ID!) { createApiCredential(input: { companyId: $c, name: \"Secret B \
             cred\" }) { clientId credential { id } } }",
            json!({ "c": w.b }),
        )
        .await;
    let client_id = d["createApiCredential"]["clientId"]
        .as_str()
        .expect("c")
        .to_string();
    let cred_id = d["createApiCredential"]["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let role = create_role(
        app,
        &session_b,
        &w.b,
        "Secret B role",
        &[perm::EMPLOYEES_READ.into()],
    )
    .await;
    let group = id_of(
        app,
        &session_b,
        "mutation($c: ID!) { createVisibilityGroup(input: { companyId: $c, name: \"Secret B \
         group\", departments: [\"BDept\"] }) { id } }",
        json!({ "c": w.b }),
        "createVisibilityGroup",
    )
    .await;
    // A request of B's key, logged.
    let (status, ..) = raw(app.client.get(app.url("/api/v1/company")).bearer_auth(&key)).await;
    assert_eq!(status, 200);
    let b = uuid(&w.b);
    let mut log = None;
    for _ in 0..400 {
        let rows = backend::entity::api_log::Entity::find()
            .all(&app.state().app.db)
            .await
            .expect("logs");
        if let Some(r) = rows.iter().find(|r| r.company_id == Some(b)) {
            log = Some(r.id.to_string());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    TenantB {
        admin_role: admin_b,
        user,
        token_id,
        pat,
        key_id,
        key,
        cred_id,
        client_id,
        role,
        group,
        log: log.expect("B's request is logged"),
    }
}

/// Every kind of id of company B, asked for by company A's admin (session and token) and by the
/// admin of another reseller, on every GraphQL field that takes it, reads and writes: the answer
/// is NOT_FOUND or null — the same as for an id that exists nowhere (or FORBIDDEN where that
/// random id is forbidden too: the caller lacks the permission) — with none of B's data;
/// and nothing of B's changed. REST: `/api/v1/companies/{B}` for another reseller's admin is
/// 404. (REST employee, time-off and document ids: `rest_resources::other_tenants_ids_are_not_found`.)
async fn cross_tenant_ids(app: &TestApp) {
    let w = world(app).await;
    let b = tenant_b(app, &w).await;
    let other_reseller = id_of(
        app,
        &w.super_admin,
        "mutation { createReseller(input: { name: \"R2\" }) { id } }",
        json!({}),
        "createReseller",
    )
    .await;
    let r2_role = hub_role(app, &w.super_admin, roles::RESELLER_ADMIN).await;
    let r2_admin = create_user(
        app,
        &w.super_admin,
        "r2@matrix.example",
        &r2_role,
        json!({ "resellerId": other_reseller }),
    )
    .await;
    let admin_a = {
        let d = app
            .gql_ok(Some(&w.session), "{ me { id } }", json!({}))
            .await;
        uuid(d["me"]["id"].as_str().expect("id"))
    };
    let callers = [
        ("A admin session", w.session.clone()),
        ("A admin token", pat_for(app, admin_a, "cross").await),
        ("R2 admin session", session_for(app, r2_admin).await),
    ];
    // (field, document, variable holding B's id, B's id). `$id` is replaced by a random id for
    // the control run.
    let probes: Vec<(&str, &str, String)> = vec![
        (
            "company",
            "query($id: ID!) { company(id: $id) { id name } }",
            w.b.clone(),
        ),
        (
            "updateCompany",
            "mutation($id: ID!) { updateCompany(id: $id, input: { name: \"Hacked\" }) { id name } }",
            w.b.clone(),
        ),
        (
            "setCompanyFeature",
            "mutation($id: ID!) { setCompanyFeature(companyId: $id, flag: \"api_access\", enabled: false) { id } }",
            w.b.clone(),
        ),
        (
            "user",
            "query($id: ID!) { user(id: $id) { id email name } }",
            b.user.clone(),
        ),
        (
            "updateUser",
            "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Hacked\", active: false }) { id name } }",
            b.user.clone(),
        ),
        (
            "revokePersonalAccessToken",
            "mutation($id: ID!) { revokePersonalAccessToken(id: $id) }",
            b.token_id.clone(),
        ),
        (
            "apiKeys",
            "query($id: ID!) { apiKeys(companyId: $id) { id name maskedKey } }",
            w.b.clone(),
        ),
        (
            "revokeApiKey",
            "mutation($id: ID!) { revokeApiKey(id: $id) }",
            b.key_id.clone(),
        ),
        (
            "regenerateApiKey",
            "mutation($id: ID!) { regenerateApiKey(id: $id) { key } }",
            b.key_id.clone(),
        ),
        (
            "updateApiKeyGrants",
            "mutation($id: ID!) { updateApiKeyGrants(id: $id, grants: [{ endpoint: USERS, actions: [READ] }]) { id name } }",
            b.key_id.clone(),
        ),
        (
            "revokeAllApiKeys",
            "mutation($id: ID!) { revokeAllApiKeys(companyId: $id) }",
            w.b.clone(),
        ),
        (
            "createApiKey",
            "mutation($id: ID!) { createApiKey(input: { companyId: $id, name: \"planted\", grants: [{ endpoint: USERS, actions: [READ] }] }) { key } }",
            w.b.clone(),
        ),
        (
            "apiCredentials",
            "query($id: ID!) { apiCredentials(companyId: $id) { id name clientId } }",
            w.b.clone(),
        ),
        (
            "apiCredential",
            "query($id: ID!) { apiCredential(id: $id) { id name clientId } }",
            b.cred_id.clone(),
        ),
        (
            "regenerateApiCredentialSecret",
            "mutation($id: ID!) { regenerateApiCredentialSecret(id: $id) { clientSecret } }",
            b.cred_id.clone(),
        ),
        (
            "narrowApiCredential",
            "mutation($id: ID!) { narrowApiCredential(id: $id, input: { roleName: \"planted\", permissions: [\"company.read\"] }) { id } }",
            b.cred_id.clone(),
        ),
        (
            "revokeApiCredential",
            "mutation($id: ID!) { revokeApiCredential(id: $id) }",
            b.cred_id.clone(),
        ),
        (
            "createApiCredential",
            "mutation($id: ID!) { createApiCredential(input: { companyId: $id, name: \"planted\" }) { clientSecret } }",
            w.b.clone(),
        ),
        (
            "roles",
            "query($id: ID) { roles(companyId: $id) { id name } }",
            w.b.clone(),
        ),
        (
            "updateRole",
            "mutation($id: ID!) { updateRole(id: $id, input: { name: \"Hacked\" }) { id name } }",
            b.role.clone(),
        ),
        (
            "deleteRole",
            "mutation($id: ID!) { deleteRole(id: $id) }",
            b.role.clone(),
        ),
        (
            "createRole",
            "mutation($id: ID!) { createRole(input: { companyId: $id, name: \"planted\", permissions: [\"company.read\"] }) { id } }",
            w.b.clone(),
        ),
        (
            "visibilityGroups",
            "query($id: ID!) { visibilityGroups(companyId: $id) { id name departments } }",
            w.b.clone(),
        ),
        (
            "updateVisibilityGroup",
            "mutation($id: ID!) { updateVisibilityGroup(id: $id, input: { name: \"Hacked\" }) { id name } }",
            b.group.clone(),
        ),
        (
            "deleteVisibilityGroup",
            "mutation($id: ID!) { deleteVisibilityGroup(id: $id) }",
            b.group.clone(),
        ),
        (
            "createVisibilityGroup",
            "mutation($id: ID!) { createVisibilityGroup(input: { companyId: $id, name: \"planted\", departments: [\"X\"] }) { id } }",
            w.b.clone(),
        ),
        (
            "createUser",
            "mutation($id: ID!, $role: ID!) { createUser(input: { email: \"planted@b.example\", name: \"planted\", roleId: $role, companyId: $id }) { id } }",
            w.b.clone(),
        ),
        (
            "apiLog",
            "query($id: ID!) { apiLog(id: $id) { id uri } }",
            b.log.clone(),
        ),
    ];
    let mut report = Report::default();
    let outcome = |body: &Value, field: &str| -> String {
        match body["errors"][0]["extensions"]["code"].as_str() {
            Some(c) => c.to_string(),
            None if body["data"][field].is_null() => "null".into(),
            None => format!("data {}", body["data"][field]),
        }
    };
    for (label, token) in &callers {
        for (field, doc, id) in &probes {
            let vars = |id: &str| {
                if doc.contains("$role") {
                    json!({ "id": id, "role": b.admin_role })
                } else {
                    json!({ "id": id })
                }
            };
            let real = app.gql(Some(token), doc, vars(id)).await;
            let control = app
                .gql(Some(token), doc, vars(&Uuid::now_v7().to_string()))
                .await;
            // A probe must reach the resolver: a malformed document would prove nothing.
            assert!(
                real["errors"][0]["extensions"]["code"].is_string() || real["errors"].is_null(),
                "{field}: {real:#}"
            );
            let text = real.to_string();
            let leaked: Vec<&&str> = B_SECRETS.iter().filter(|s| text.contains(**s)).collect();
            let (got, want) = (outcome(&real, field), outcome(&control, field));
            // Lists of B's company may answer an empty list instead of an error.
            let empty_list = real["data"][field].as_array().is_some_and(|a| a.is_empty());
            // FORBIDDEN (or VALIDATION) is accepted only where an id that exists nowhere gets it
            // too: a caller
            // lacking the permission, or a company user naming any other company — it tells
            // nothing about B.
            let ok = leaked.is_empty()
                && !text.contains(&b.client_id)
                && (matches!(
                    got.as_str(),
                    "NOT_FOUND" | "null" | "FORBIDDEN" | "VALIDATION"
                ) || empty_list)
                && (got == want || empty_list);
            report.check(
                format!("{label:<18} {field}"),
                &format!("NOT_FOUND|null like random ({want})"),
                &format!("{got} leaked={leaked:?}"),
                ok,
            );
        }
        // Filters naming B return nothing of B.
        let logs = app
            .gql(
                Some(token),
                "query($c: ID!) { apiLogs(filter: { companyId: $c }) { totalCount nodes { id } } \
                 apiLogStats(filter: { companyId: $c }) { total } }",
                json!({ "c": w.b }),
            )
            .await;
        let none = logs["data"].is_null()
            || (logs["data"]["apiLogs"]["totalCount"] == 0
                && logs["data"]["apiLogStats"]["total"] == 0);
        report.check(
            format!("{label:<18} apiLogs/apiLogStats filter companyId=B"),
            "nothing",
            &logs.to_string(),
            none && !logs.to_string().contains(&b.log),
        );
        let users = app
            .gql(
                Some(token),
                "query($c: ID!) { users(companyId: $c) { nodes { email } } }",
                json!({ "c": w.b }),
            )
            .await;
        report.check(
            format!("{label:<18} users(companyId: B)"),
            "nothing of B",
            &users.to_string(),
            !users.to_string().contains("secret-b-user"),
        );
    }
    // REST: another reseller's admin asking for B by id.
    let (status, ct, _, body) = raw(app
        .client
        .get(app.url(&format!("/api/v1/companies/{}", w.b)))
        .bearer_auth(&callers[2].1))
    .await;
    report.check(
        "R2 admin session GET /api/v1/companies/{B}".into(),
        "404 problem",
        &format!("{status} {ct} {body}"),
        status == 404 && ct == "application/problem+json" && body.get("name").is_none(),
    );
    report.finish("cross-tenant ids");

    // Nothing of B's changed: its token, key and credential work, its objects are intact, and
    // nothing was planted.
    let (status, ..) = raw(app
        .client
        .get(app.url("/api/v1/company"))
        .bearer_auth(&b.key))
    .await;
    assert_eq!(status, 200, "B's key still works");
    let me = app
        .gql_ok(Some(&b.pat), "{ me { name active } }", json!({}))
        .await;
    assert_eq!(me["me"], json!({ "name": "Secret B user", "active": true }));
    let d = app
        .gql_ok(
            Some(&w.super_admin),
            "query($c: ID!) { company(id: $c) { name features { flag enabled } } \
             apiKeys(companyId: $c) { name } apiCredentials(companyId: $c) { name } \
             roles(companyId: $c) { name } visibilityGroups(companyId: $c) { name departments } \
             users(companyId: $c) { totalCount } }",
            json!({ "c": w.b }),
        )
        .await;
    assert_eq!(d["company"]["name"], "B", "{d:#}");
    assert!(
        d["company"]["features"].to_string().contains("true"),
        "{d:#}"
    );
    assert_eq!(d["apiKeys"], json!([{ "name": "Secret B key" }]), "{d:#}");
    assert_eq!(
        d["apiCredentials"],
        json!([{ "name": "Secret B cred" }]),
        "{d:#}"
    );
    assert_eq!(
        d["visibilityGroups"],
        json!([{ "name": "Secret B group", "departments": ["BDept"] }])
    );
    let custom: Vec<&Value> = d["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| !n.starts_with("Company "))
        })
        .collect();
    assert_eq!(custom, [&json!({ "name": "Secret B role" })], "{d:#}");
    assert_eq!(d["users"]["totalCount"], 1, "{d:#}");
    let resp = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", b.client_id.as_str()),
        ])
        .send()
        .await
        .expect("token");
    // Without its secret the client cannot get a token, but it still exists (invalid_client is
    // about the secret, not a revoked client: checked through introspection of its row).
    assert_eq!(resp.status().as_u16(), 401);
    let cred = app
        .gql_ok(
            Some(&w.super_admin),
            "query($id: ID!) { apiCredential(id: $id) { name revokedAt } }",
            json!({ "id": b.cred_id }),
        )
        .await;
    assert_eq!(cred["apiCredential"]["revokedAt"], Value::Null, "{cred:#}");
}
db_test!(cross_tenant_ids);
