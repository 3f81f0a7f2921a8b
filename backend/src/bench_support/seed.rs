//! `portcullis bench-seed`: the load suite's data, fast. One reseller of `--companies`
//! companies with `api_access` on and a limit far above any load (the guarded scenarios measure
//! the guards, not 429s), `--employees` employees spread evenly over them, and `--tokens`
//! credentials of each kind, spread the same way: personal access tokens (one company admin
//! user each), API keys (EMPLOYEES:READ, every field) and Partner API credentials (role Company
//! admin), whose client secrets are exchanged for access tokens by the real
//! `oauth::token::client_credentials_grant` on a server started for the purpose. A second
//! reseller holds one company limited to `--limited-rate` requests per minute, with
//! `--limited-tokens` API keys, for the rate-limited scenario.
//!
//! Rows are inserted in batches inside one transaction per table, rather than one service call
//! each; every secret is still minted and hashed by the real token code (`token::mint`), so the
//! server verifies them exactly as it would any other. The company named [`BASELINE_COMPANY`]
//! (the first) serves the unguarded baseline route.
//!
//! Writes `pat.txt`, `api_key.txt`, `jwt.txt` and `limited.txt` (one bearer token per line,
//! token i belonging to company i mod `--companies`) and `seed.json` (counts, timings) to `--out`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde_json::json;
use shared::features::API_ACCESS;
use shared::roles::COMPANY_ADMIN;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::{DatabaseArgs, ServeArgs};
use crate::entity::{
    api_credential, api_key, api_key_grant, company, company_feature, employee,
    personal_access_token as pat, reseller, reseller_feature, user,
};
use crate::token::{self, TokenKind};
use crate::{bootstrap, db, oauth, server};

/// The name of the company the baseline route serves.
pub const BASELINE_COMPANY: &str = "bench company 0000";
/// The name of the rate-limited company.
pub const LIMITED_COMPANY: &str = "bench limited company";
/// The limit of the unlimited companies: no load reaches it.
pub const UNLIMITED_RATE: i32 = 1_000_000_000;
/// Rows per INSERT.
const BATCH: usize = 400;

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Companies (the first is the baseline company).
    #[arg(long, default_value_t = 1000)]
    pub companies: usize,
    /// Employees, spread evenly over the companies.
    #[arg(long, default_value_t = 10_000)]
    pub employees: usize,
    /// Tokens of each kind (PAT, API key, OAuth access token).
    #[arg(long, default_value_t = 10_000)]
    pub tokens: usize,
    /// API keys of the rate-limited company.
    #[arg(long, default_value_t = 64)]
    pub limited_tokens: usize,
    /// Requests per minute of the rate-limited company.
    #[arg(long, default_value_t = 60)]
    pub limited_rate: i32,
    /// Folder for the token files and `seed.json` (created).
    #[arg(long)]
    pub out: PathBuf,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.companies > 0, "--companies must be at least 1");
    let started = Instant::now();
    let db = db::connect(&args.database).await?;
    bootstrap::sync_catalogue(&db).await?;
    let admin_role = bootstrap::built_in_role_id(&db, COMPANY_ADMIN).await?;
    let now = OffsetDateTime::now_utc();

    let reseller_id = insert_reseller(&db, "bench reseller", UNLIMITED_RATE, now).await?;
    let companies: Vec<Uuid> = (0..args.companies).map(|_| Uuid::now_v7()).collect();
    let rows = companies.iter().enumerate().map(|(i, id)| {
        company_row(
            *id,
            reseller_id,
            format!("bench company {i:04}"),
            UNLIMITED_RATE,
            now,
        )
    });
    insert_batched(&db, rows.collect()).await?;
    enable_api_access(&db, &companies, now).await?;

    let employees =
        (0..args.employees).map(|i| employee_row(companies[i % companies.len()], i, now));
    insert_batched(&db, employees.collect()).await?;

    let company_of = |i: usize| companies[i % companies.len()];
    let mut pats = Vec::with_capacity(args.tokens);
    let mut users = Vec::with_capacity(args.tokens);
    let mut pat_rows = Vec::with_capacity(args.tokens);
    for i in 0..args.tokens {
        let user_id = Uuid::now_v7();
        users.push(user::ActiveModel::from(user::Model {
            id: user_id,
            email: format!("bench-{i}@bench.example"),
            name: format!("Bench user {i}"),
            password_hash: None,
            role_id: admin_role,
            reseller_id: None,
            company_id: Some(company_of(i)),
            active: true,
            last_login_at: None,
            created_at: now,
            updated_at: now,
        }));
        let minted = token::mint(TokenKind::PersonalAccessToken)?;
        pat_rows.push(pat::ActiveModel::from(pat::Model {
            id: Uuid::now_v7(),
            user_id,
            name: "bench".into(),
            public_id: minted.public_id.clone(),
            token_hash: minted.hash.clone(),
            created_at: now,
            last_used_at: None,
            expires_at: None,
        }));
        pats.push(minted.expose().to_string());
    }
    insert_batched(&db, users).await?;
    insert_batched(&db, pat_rows).await?;

    let keys = insert_api_keys(&db, (0..args.tokens).map(company_of), now).await?;

    let mut secrets = Vec::with_capacity(args.tokens);
    let mut creds = Vec::with_capacity(args.tokens);
    for i in 0..args.tokens {
        let minted = token::mint(TokenKind::ClientSecret)?;
        let client_id = token::new_client_id()?;
        creds.push(api_credential::ActiveModel::from(api_credential::Model {
            id: Uuid::now_v7(),
            company_id: company_of(i),
            name: format!("bench credential {i}"),
            client_id: client_id.clone(),
            role_id: admin_role,
            secret_public_id: minted.public_id.clone(),
            secret_hash: minted.hash.clone(),
            previous_secret_public_id: None,
            previous_secret_hash: None,
            previous_secret_expires_at: None,
            tokens_not_before: now,
            created_by_user_id: None,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        }));
        secrets.push((client_id, minted.expose().to_string()));
    }
    insert_batched(&db, creds).await?;

    let limited_reseller =
        insert_reseller(&db, "bench limited reseller", args.limited_rate, now).await?;
    let limited = Uuid::now_v7();
    insert_batched(
        &db,
        vec![company_row(
            limited,
            limited_reseller,
            LIMITED_COMPANY.into(),
            args.limited_rate,
            now,
        )],
    )
    .await?;
    enable_api_access(&db, &[limited], now).await?;
    let employees = (0..10).map(|i| employee_row(limited, i, now));
    insert_batched(&db, employees.collect()).await?;
    let limited_keys =
        insert_api_keys(&db, std::iter::repeat_n(limited, args.limited_tokens), now).await?;
    let seeded = started.elapsed();

    let minting = Instant::now();
    let jwts = mint_access_tokens(&args.database, &secrets).await?;
    db.close().await.ok();

    std::fs::create_dir_all(&args.out).with_context(|| format!("{}", args.out.display()))?;
    for (name, list) in [
        ("pat.txt", &pats),
        ("api_key.txt", &keys),
        ("jwt.txt", &jwts),
        ("limited.txt", &limited_keys),
    ] {
        let mut text = list.join("\n");
        text.push('\n');
        std::fs::write(args.out.join(name), text)?;
    }
    let summary = json!({
        "companies": args.companies,
        "employees": args.employees,
        "tokens_per_kind": args.tokens,
        "limited_tokens": args.limited_tokens,
        "limited_rate": args.limited_rate,
        "baseline_company": companies[0],
        "seconds_inserting": seeded.as_secs_f64(),
        "seconds_minting_access_tokens": minting.elapsed().as_secs_f64(),
    });
    std::fs::write(
        args.out.join("seed.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}

async fn insert_reseller(
    db: &DatabaseConnection,
    name: &str,
    rate: i32,
    now: OffsetDateTime,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    reseller::ActiveModel::from(reseller::Model {
        id,
        name: name.into(),
        api_rate_limit: rate,
        created_at: now,
        updated_at: now,
    })
    .insert(db)
    .await?;
    reseller_feature::ActiveModel {
        reseller_id: Set(id),
        flag: Set(API_ACCESS.into()),
        enabled: Set(true),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn company_row(
    id: Uuid,
    reseller_id: Uuid,
    name: String,
    rate: i32,
    now: OffsetDateTime,
) -> company::ActiveModel {
    company::ActiveModel::from(company::Model {
        id,
        reseller_id,
        name,
        api_access_type: "read_write".into(),
        api_rate_limit: rate,
        api_request_delay_seconds: None,
        created_at: now,
        updated_at: now,
    })
}

async fn enable_api_access(
    db: &DatabaseConnection,
    companies: &[Uuid],
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let rows = companies.iter().map(|id| company_feature::ActiveModel {
        company_id: Set(*id),
        flag: Set(API_ACCESS.into()),
        enabled: Set(true),
        updated_at: Set(now),
    });
    insert_batched(db, rows.collect()).await
}

fn employee_row(company_id: Uuid, i: usize, now: OffsetDateTime) -> employee::ActiveModel {
    const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Finance", "Support"];
    employee::ActiveModel::from(employee::Model {
        id: Uuid::now_v7(),
        company_id,
        first_name: format!("Ada{i}"),
        last_name: format!("Lovelace{i:05}"),
        email: Some(format!("ada{i}@bench.example")),
        department: Some(DEPARTMENTS[i % DEPARTMENTS.len()].into()),
        job_title: Some("Engineer".into()),
        start_date: None,
        end_date: None,
        phone: Some("+44 20 7946 0000".into()),
        salary: Some(50_000),
        created_at: now,
        updated_at: now,
    })
}

/// One API key per company given, EMPLOYEES:READ on every field; returns the keys.
async fn insert_api_keys(
    db: &DatabaseConnection,
    companies: impl Iterator<Item = Uuid>,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<String>> {
    let mut secrets = Vec::new();
    let mut keys = Vec::new();
    let mut grants = Vec::new();
    for (i, company_id) in companies.enumerate() {
        let minted = token::mint(TokenKind::ApiKey)?;
        let id = Uuid::now_v7();
        keys.push(api_key::ActiveModel::from(api_key::Model {
            id,
            company_id,
            name: format!("bench key {i:05}"),
            public_id: minted.public_id.clone(),
            key_hash: minted.hash.clone(),
            created_by_user_id: None,
            created_at: now,
            last_used_at: None,
            previous_public_id: None,
            previous_key_hash: None,
            previous_key_expires_at: None,
        }));
        grants.push(api_key_grant::ActiveModel::from(api_key_grant::Model {
            api_key_id: id,
            endpoint: shared::api::ApiEndpoint::Employees.as_str().into(),
            actions: json!([shared::api::ApiAction::Read.as_str()]),
            fields: None,
        }));
        secrets.push(minted.expose().to_string());
    }
    insert_batched(db, keys).await?;
    insert_batched(db, grants).await?;
    Ok(secrets)
}

/// Inserts rows in batches of [`BATCH`], in one transaction.
async fn insert_batched<A>(db: &DatabaseConnection, rows: Vec<A>) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Send,
{
    let txn = db.begin().await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch)
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Exchanges every client secret for an access token, as `POST /oauth/token` does, on a server
/// started on the seeded database for the purpose (its signing key is the one later servers
/// load).
async fn mint_access_tokens(
    database: &DatabaseArgs,
    secrets: &[(String, String)],
) -> anyhow::Result<Vec<String>> {
    let mut config = ServeArgs::for_database(database.database_url.clone());
    config.admin_password = Some("bench-admin-password".into());
    let running = server::start(config, std::future::pending()).await?;
    let app = running.state.app.clone();
    let results: Vec<_> = futures_util::stream::iter(secrets.iter().map(|(id, secret)| {
        let app = app.clone();
        async move { oauth::token::client_credentials_grant(&app, id, secret, None).await }
    }))
    .buffered(16)
    .collect()
    .await;
    let mut jwts = Vec::with_capacity(results.len());
    for r in results {
        let (jwt, _) = r.map_err(|e| anyhow::anyhow!("minting an access token: {e:?}"))?;
        jwts.push(jwt);
    }
    drop(app);
    running.stop().await?;
    Ok(jwts)
}

/// Ids of the seeded companies, for tests: the baseline company first.
pub async fn baseline_company(db: &DatabaseConnection) -> anyhow::Result<Option<Uuid>> {
    Ok(company::Entity::find()
        .filter(company::Column::Name.eq(BASELINE_COMPANY))
        .one(db)
        .await?
        .map(|c| c.id))
}
