//! Demo data: two resellers, four companies, their admins and members, employees, time off and
//! documents, so that a fresh install's SPA and public API have something to show and explore.
//!
//! `portcullis serve --demo` calls [`seed`] on every start (and `portcullis seed-demo` on demand),
//! so it is idempotent: each row is looked up by its natural key (reseller name, company name
//! within its reseller, user e-mail, employee e-mail within the company, ...) and only missing
//! rows are inserted. Rows that exist are never changed, so edits made while exploring survive a
//! restart. Everything happens in one transaction: the demo is never half-written.
//!
//! The content is deterministic (fixed lists, no randomness) and chosen to show the features:
//! Contoso has `api_access` disabled at reseller level, so Umbrella Health's own flag is not
//! effective (funnelling); the three Northwind companies cover the three API access types; Acme's
//! member sees only the Engineering department through a visibility group.

mod logs;

use std::collections::HashMap;
use std::fmt;

use anyhow::Context;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use shared::ApiAccessType;
use shared::features::API_ACCESS;
use shared::roles::{COMPANY_ADMIN, COMPANY_MEMBER, RESELLER_ADMIN};
use time::macros::date;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

use crate::bootstrap::built_in_role_id;
use crate::entity::{
    company, company_feature, document, employee, reseller, reseller_feature, time_off, user,
    user_visibility_group, visibility_group,
};

/// The password of every demo user. **Demo only**: it is public (it is in the source and the
/// README), so a database seeded with demo data must never be exposed as a real deployment.
pub const DEMO_PASSWORD: &str = "portcullis-demo";

/// How many rows of each kind one [`seed`] run created; all zero when the demo was already there.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub resellers: usize,
    pub companies: usize,
    /// Reseller and company feature-flag rows.
    pub feature_flags: usize,
    pub users: usize,
    pub visibility_groups: usize,
    /// Users added to a visibility group.
    pub group_members: usize,
    pub employees: usize,
    pub time_off: usize,
    pub documents: usize,
    /// Request log rows (a day of them, kept topped up to the last 24 hours).
    pub api_logs: usize,
}

impl DemoSummary {
    /// Rows created in total.
    pub fn total(&self) -> usize {
        self.resellers
            + self.companies
            + self.feature_flags
            + self.users
            + self.visibility_groups
            + self.group_members
            + self.employees
            + self.time_off
            + self.documents
            + self.api_logs
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total() == 0 {
            return write!(f, "demo data: already present");
        }
        let parts: Vec<String> = [
            (self.resellers, "reseller", "resellers"),
            (self.companies, "company", "companies"),
            (self.feature_flags, "feature flag", "feature flags"),
            (self.users, "user", "users"),
            (
                self.visibility_groups,
                "visibility group",
                "visibility groups",
            ),
            (self.group_members, "group membership", "group memberships"),
            (self.employees, "employee", "employees"),
            (self.time_off, "time-off entry", "time-off entries"),
            (self.documents, "document", "documents"),
            (self.api_logs, "request log", "request logs"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        write!(f, "demo data: created {}", parts.join(", "))
    }
}

struct ResellerSpec {
    name: &'static str,
    api_rate_limit: i32,
    api_access: bool,
}

const RESELLERS: [ResellerSpec; 2] = [
    ResellerSpec {
        name: "Northwind Partners",
        api_rate_limit: 600,
        api_access: true,
    },
    ResellerSpec {
        name: "Contoso Channel",
        api_rate_limit: 120,
        // Off at reseller level: Umbrella Health's own flag is then not effective (funnelling).
        api_access: false,
    },
];

/// The reseller admin: one, for Northwind, enough to show the reseller-scoped hub.
const RESELLER_ADMIN_EMAIL: &str = "reseller.admin@northwind.example";
const RESELLER_ADMIN_NAME: &str = "Northwind Admin";
const RESELLER_ADMIN_OF: &str = "Northwind Partners";

struct CompanySpec {
    reseller: &'static str,
    name: &'static str,
    /// Short name, used in user names.
    short: &'static str,
    /// Domain part of every e-mail: `<slug>.example`.
    slug: &'static str,
    access: ApiAccessType,
    api_rate_limit: i32,
    api_request_delay_seconds: Option<i32>,
    /// The company-level `api_access` flag.
    api_access: bool,
    /// The visibility group the member user is limited to, if any.
    member_group: Option<&'static str>,
    /// (first name, last name) of the 12 employees, matched with [`POSITIONS`] by index.
    employees: [(&'static str, &'static str); 12],
}

const COMPANIES: [CompanySpec; 4] = [
    CompanySpec {
        reseller: "Northwind Partners",
        name: "Acme Manufacturing",
        short: "Acme",
        slug: "acme",
        access: ApiAccessType::ReadWrite,
        api_rate_limit: 120,
        api_request_delay_seconds: Some(2),
        api_access: true,
        member_group: Some("Engineering only"),
        employees: [
            ("Alice", "Johnson"),
            ("Bruno", "Silva"),
            ("Chen", "Wei"),
            ("Dana", "Kowalski"),
            ("Elias", "Novak"),
            ("Fatima", "Haddad"),
            ("George", "Okafor"),
            ("Hannah", "Berg"),
            ("Ivan", "Petrov"),
            ("Julia", "Moreau"),
            ("Kenji", "Tanaka"),
            ("Laura", "Fischer"),
        ],
    },
    CompanySpec {
        reseller: "Northwind Partners",
        name: "Globex Retail",
        short: "Globex",
        slug: "globex",
        access: ApiAccessType::ReadOnly,
        api_rate_limit: 60,
        api_request_delay_seconds: None,
        api_access: true,
        member_group: None,
        employees: [
            ("Marcus", "Reed"),
            ("Nadia", "Rahman"),
            ("Oscar", "Lindqvist"),
            ("Priya", "Natarajan"),
            ("Quentin", "Blake"),
            ("Rosa", "Alvarez"),
            ("Samuel", "Adeyemi"),
            ("Tara", "Nolan"),
            ("Umar", "Siddiqui"),
            ("Valentina", "Russo"),
            ("William", "Hart"),
            ("Xenia", "Volkova"),
        ],
    },
    CompanySpec {
        reseller: "Northwind Partners",
        name: "Initech Services",
        short: "Initech",
        slug: "initech",
        access: ApiAccessType::None,
        api_rate_limit: 60,
        api_request_delay_seconds: None,
        api_access: false,
        member_group: None,
        employees: [
            ("Yusuf", "Demir"),
            ("Zoe", "Clarke"),
            ("Aaron", "Mitchell"),
            ("Beatriz", "Costa"),
            ("Caleb", "Turner"),
            ("Daria", "Sokolova"),
            ("Emeka", "Obi"),
            ("Freya", "Larsen"),
            ("Gabriel", "Dubois"),
            ("Helena", "Vargas"),
            ("Isaac", "Cohen"),
            ("Jasmine", "Patel"),
        ],
    },
    CompanySpec {
        reseller: "Contoso Channel",
        name: "Umbrella Health",
        short: "Umbrella",
        slug: "umbrella",
        access: ApiAccessType::ReadWrite,
        api_rate_limit: 60,
        api_request_delay_seconds: None,
        // Enabled here but not effective: Contoso has the flag off.
        api_access: true,
        member_group: None,
        employees: [
            ("Kofi", "Mensah"),
            ("Lena", "Hoffmann"),
            ("Mateo", "Romero"),
            ("Noor", "Khalil"),
            ("Owen", "Price"),
            ("Paula", "Nowak"),
            ("Rafael", "Santos"),
            ("Sofia", "Marino"),
            ("Tomas", "Horvat"),
            ("Ursula", "Keller"),
            ("Victor", "Lambert"),
            ("Wen", "Li"),
        ],
    },
];

/// (department, job title, base yearly salary) of employee `i` of every company.
const POSITIONS: [(&str, &str, i64); 12] = [
    ("Engineering", "Engineering Manager", 128_000),
    ("Engineering", "Senior Software Engineer", 112_000),
    ("Engineering", "Software Engineer", 92_000),
    ("Engineering", "QA Engineer", 78_000),
    ("Sales", "Sales Director", 118_000),
    ("Sales", "Account Executive", 72_000),
    ("Support", "Support Lead", 68_000),
    ("Support", "Support Specialist", 52_000),
    ("Finance", "Controller", 98_000),
    ("Finance", "Accountant", 64_000),
    ("People", "People Partner", 70_000),
    ("Sales", "Sales Development Representative", 48_000),
];

/// The departments, in display order.
const DEPARTMENTS: [&str; 5] = ["Engineering", "Sales", "Support", "Finance", "People"];

/// Employee index (into [`POSITIONS`]) who has left the company: their `end_date` is set.
const LEAVER: usize = 11;

/// Visibility groups of every company: (name, departments).
const GROUPS: [(&str, &[&str]); 2] = [
    ("Engineering only", &["Engineering"]),
    ("Sales & Support", &["Sales", "Support"]),
];

struct TimeOffSpec {
    /// Index into the company's employees.
    employee: usize,
    kind: &'static str,
    start: Date,
    end: Date,
    status: &'static str,
    note: Option<&'static str>,
}

/// Time off of every company. Fixed dates: the idempotency key includes the start date.
const TIME_OFF: [TimeOffSpec; 6] = [
    TimeOffSpec {
        employee: 0,
        kind: "vacation",
        start: date!(2026 - 07 - 13),
        end: date!(2026 - 07 - 24),
        status: "approved",
        note: Some("Summer holiday"),
    },
    TimeOffSpec {
        employee: 2,
        kind: "sick",
        start: date!(2026 - 10 - 05),
        end: date!(2026 - 10 - 07),
        status: "approved",
        note: None,
    },
    TimeOffSpec {
        employee: 4,
        kind: "vacation",
        start: date!(2026 - 12 - 21),
        end: date!(2027 - 01 - 01),
        status: "requested",
        note: Some("Year-end break"),
    },
    TimeOffSpec {
        employee: 6,
        kind: "parental",
        start: date!(2027 - 02 - 01),
        end: date!(2027 - 05 - 28),
        status: "approved",
        note: Some("Parental leave"),
    },
    TimeOffSpec {
        employee: 8,
        kind: "unpaid",
        start: date!(2026 - 12 - 28),
        end: date!(2027 - 01 - 08),
        status: "rejected",
        note: Some("Overlaps the year-end close"),
    },
    TimeOffSpec {
        employee: 9,
        kind: "vacation",
        start: date!(2027 - 03 - 15),
        end: date!(2027 - 03 - 19),
        status: "requested",
        note: None,
    },
];

/// The built-in roles demo users get.
struct Roles {
    reseller_admin: Uuid,
    company_admin: Uuid,
    company_member: Uuid,
}

/// A demo user to ensure.
struct UserSpec<'a> {
    email: String,
    name: String,
    role_id: Uuid,
    reseller_id: Option<Uuid>,
    company_id: Option<Uuid>,
    /// The demo password's hash, computed on first need and reused for every user.
    password_hash: &'a mut Option<String>,
}

/// Inserts whatever part of the demo data is missing, in one transaction.
/// Expects the built-in roles to exist (`bootstrap::sync_catalogue` runs first).
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<DemoSummary> {
    seed_at(db, OffsetDateTime::now_utc()).await
}

/// [`seed`] as if it were `now` (request logs cover the 24 hours before it).
pub async fn seed_at(db: &DatabaseConnection, now: OffsetDateTime) -> anyhow::Result<DemoSummary> {
    // Hash before the transaction when a user will be needed, so that the (deliberately slow)
    // hashing does not hold the database's write lock; once, as all demo users share it.
    let mut password_hash = if demo_users_missing(db).await? {
        Some(hash_demo_password().await?)
    } else {
        None
    };

    let txn = db.begin().await?;
    let mut summary = DemoSummary::default();
    let roles = Roles {
        reseller_admin: built_in_role_id(&txn, RESELLER_ADMIN).await?,
        company_admin: built_in_role_id(&txn, COMPANY_ADMIN).await?,
        company_member: built_in_role_id(&txn, COMPANY_MEMBER).await?,
    };

    let mut reseller_ids: HashMap<&str, Uuid> = HashMap::new();
    for spec in &RESELLERS {
        let id = ensure_reseller(&txn, spec, now, &mut summary).await?;
        ensure_reseller_feature(&txn, id, spec.api_access, now, &mut summary).await?;
        reseller_ids.insert(spec.name, id);
    }
    let northwind = *reseller_ids
        .get(RESELLER_ADMIN_OF)
        .context("demo reseller of the reseller admin is missing")?;
    ensure_user(
        &txn,
        UserSpec {
            email: RESELLER_ADMIN_EMAIL.into(),
            name: RESELLER_ADMIN_NAME.into(),
            role_id: roles.reseller_admin,
            reseller_id: Some(northwind),
            company_id: None,
            password_hash: &mut password_hash,
        },
        now,
        &mut summary,
    )
    .await?;

    let mut log_tenants = Vec::new();
    for (index, spec) in COMPANIES.iter().enumerate() {
        let reseller_id = *reseller_ids
            .get(spec.reseller)
            .with_context(|| format!("demo reseller {} is missing", spec.reseller))?;
        let tenant = seed_company(
            &txn,
            index,
            spec,
            reseller_id,
            &roles,
            &mut password_hash,
            now,
            &mut summary,
        )
        .await?;
        log_tenants.push(tenant);
    }
    logs::ensure_day(&txn, now, &log_tenants, &mut summary.api_logs).await?;

    txn.commit().await?;
    Ok(summary)
}

/// Everything of one company: the row, its flag, users, groups, employees, time off, documents.
#[allow(clippy::too_many_arguments)]
async fn seed_company(
    txn: &DatabaseTransaction,
    index: usize,
    spec: &CompanySpec,
    reseller_id: Uuid,
    roles: &Roles,
    password_hash: &mut Option<String>,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<logs::LogTenant> {
    let company_id = ensure_company(txn, spec, reseller_id, now, summary).await?;
    ensure_company_feature(txn, company_id, spec.api_access, now, summary).await?;

    let admin_id = ensure_user(
        txn,
        UserSpec {
            email: format!("admin@{}.example", spec.slug),
            name: format!("{} Admin", spec.short),
            role_id: roles.company_admin,
            reseller_id: None,
            company_id: Some(company_id),
            password_hash: &mut *password_hash,
        },
        now,
        summary,
    )
    .await?;
    let member_id = ensure_user(
        txn,
        UserSpec {
            email: format!("member@{}.example", spec.slug),
            name: format!("{} Member", spec.short),
            role_id: roles.company_member,
            reseller_id: None,
            company_id: Some(company_id),
            password_hash: &mut *password_hash,
        },
        now,
        summary,
    )
    .await?;

    for (name, departments) in GROUPS {
        let group_id =
            ensure_visibility_group(txn, company_id, name, departments, now, summary).await?;
        if spec.member_group == Some(name) {
            ensure_group_member(txn, member_id, group_id, summary).await?;
        }
    }

    let mut employee_ids = Vec::with_capacity(spec.employees.len());
    for (i, (first, last)) in spec.employees.iter().enumerate() {
        let id = ensure_employee(
            txn, company_id, index, i, spec.slug, first, last, now, summary,
        )
        .await?;
        employee_ids.push(id);
    }

    for t in &TIME_OFF {
        let employee_id = *employee_ids
            .get(t.employee)
            .context("demo time off refers to a missing employee")?;
        ensure_time_off(txn, company_id, employee_id, t, now, summary).await?;
    }

    for doc in documents(index, spec)? {
        let employee_id = match doc.employee {
            Some(i) => Some(
                *employee_ids
                    .get(i)
                    .context("demo document refers to a missing employee")?,
            ),
            None => None,
        };
        ensure_document(txn, company_id, employee_id, doc, now, summary).await?;
    }
    Ok(logs::LogTenant {
        company_id,
        users: vec![admin_id, member_id],
        access: spec.access,
    })
}

/// Whether any demo user is still to be created (then the password must be hashed).
async fn demo_users_missing(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let mut emails = vec![RESELLER_ADMIN_EMAIL.to_string()];
    for c in &COMPANIES {
        emails.push(format!("admin@{}.example", c.slug));
        emails.push(format!("member@{}.example", c.slug));
    }
    let wanted = emails.len() as u64;
    let present = user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .count(db)
        .await?;
    Ok(present < wanted)
}

async fn hash_demo_password() -> anyhow::Result<String> {
    tokio::task::spawn_blocking(|| crate::auth::password::hash_blocking(DEMO_PASSWORD)).await?
}

async fn ensure_reseller(
    txn: &DatabaseTransaction,
    spec: &ResellerSpec,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<Uuid> {
    if let Some(r) = reseller::Entity::find()
        .filter(reseller::Column::Name.eq(spec.name))
        .one(txn)
        .await?
    {
        return Ok(r.id);
    }
    let id = Uuid::now_v7();
    reseller::Entity::insert(reseller::ActiveModel {
        id: Set(id),
        name: Set(spec.name.into()),
        api_rate_limit: Set(spec.api_rate_limit),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.resellers += 1;
    Ok(id)
}

async fn ensure_reseller_feature(
    txn: &DatabaseTransaction,
    reseller_id: Uuid,
    enabled: bool,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if reseller_feature::Entity::find_by_id((reseller_id, API_ACCESS.to_string()))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    reseller_feature::Entity::insert(reseller_feature::ActiveModel {
        reseller_id: Set(reseller_id),
        flag: Set(API_ACCESS.into()),
        enabled: Set(enabled),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.feature_flags += 1;
    Ok(())
}

async fn ensure_company(
    txn: &DatabaseTransaction,
    spec: &CompanySpec,
    reseller_id: Uuid,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<Uuid> {
    if let Some(c) = company::Entity::find()
        .filter(company::Column::ResellerId.eq(reseller_id))
        .filter(company::Column::Name.eq(spec.name))
        .one(txn)
        .await?
    {
        return Ok(c.id);
    }
    let id = Uuid::now_v7();
    company::Entity::insert(company::ActiveModel {
        id: Set(id),
        reseller_id: Set(reseller_id),
        name: Set(spec.name.into()),
        api_access_type: Set(spec.access.as_str().into()),
        api_rate_limit: Set(spec.api_rate_limit),
        api_request_delay_seconds: Set(spec.api_request_delay_seconds),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.companies += 1;
    Ok(id)
}

async fn ensure_company_feature(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    enabled: bool,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if company_feature::Entity::find_by_id((company_id, API_ACCESS.to_string()))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    company_feature::Entity::insert(company_feature::ActiveModel {
        company_id: Set(company_id),
        flag: Set(API_ACCESS.into()),
        enabled: Set(enabled),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.feature_flags += 1;
    Ok(())
}

/// The user with this e-mail, created when missing. An existing user is left as it is, even if
/// it now belongs elsewhere: the demo never takes over accounts.
async fn ensure_user(
    txn: &DatabaseTransaction,
    spec: UserSpec<'_>,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<Uuid> {
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Email.eq(spec.email.as_str()))
        .one(txn)
        .await?
    {
        return Ok(u.id);
    }
    let hash = match spec.password_hash {
        Some(h) => h.clone(),
        None => {
            // Only if a user vanished between the check in `seed` and now.
            let h = hash_demo_password().await?;
            *spec.password_hash = Some(h.clone());
            h
        }
    };
    let id = Uuid::now_v7();
    user::Entity::insert(user::ActiveModel {
        id: Set(id),
        email: Set(spec.email),
        name: Set(spec.name),
        password_hash: Set(Some(hash)),
        role_id: Set(spec.role_id),
        reseller_id: Set(spec.reseller_id),
        company_id: Set(spec.company_id),
        active: Set(true),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.users += 1;
    Ok(id)
}

async fn ensure_visibility_group(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    name: &str,
    departments: &[&str],
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<Uuid> {
    if let Some(g) = visibility_group::Entity::find()
        .filter(visibility_group::Column::CompanyId.eq(company_id))
        .filter(visibility_group::Column::Name.eq(name))
        .one(txn)
        .await?
    {
        return Ok(g.id);
    }
    let id = Uuid::now_v7();
    visibility_group::Entity::insert(visibility_group::ActiveModel {
        id: Set(id),
        company_id: Set(company_id),
        name: Set(name.into()),
        departments: Set(serde_json::Value::Array(
            departments
                .iter()
                .map(|d| serde_json::Value::from(*d))
                .collect(),
        )),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.visibility_groups += 1;
    Ok(id)
}

async fn ensure_group_member(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    group_id: Uuid,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if user_visibility_group::Entity::find_by_id((user_id, group_id))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    user_visibility_group::Entity::insert(user_visibility_group::ActiveModel {
        user_id: Set(user_id),
        group_id: Set(group_id),
    })
    .exec(txn)
    .await?;
    summary.group_members += 1;
    Ok(())
}

/// `first.last@<slug>.example`.
fn employee_email(first: &str, last: &str, slug: &str) -> String {
    format!(
        "{}.{}@{slug}.example",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

/// A start date spread deterministically over 2015–2024.
fn start_date(company: usize, employee: usize) -> anyhow::Result<Date> {
    let year = 2015 + ((employee * 3 + company) % 10) as i32;
    let month = Month::try_from(1 + ((employee * 5 + company * 2) % 12) as u8)?;
    let day = 1 + ((employee * 7 + company * 3) % 28) as u8;
    Ok(Date::from_calendar_date(year, month, day)?)
}

#[allow(clippy::too_many_arguments)]
async fn ensure_employee(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    company_index: usize,
    i: usize,
    slug: &str,
    first: &str,
    last: &str,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<Uuid> {
    let email = employee_email(first, last, slug);
    if let Some(e) = employee::Entity::find()
        .filter(employee::Column::CompanyId.eq(company_id))
        .filter(employee::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?
    {
        return Ok(e.id);
    }
    let (department, job_title, base_salary) = POSITIONS
        .get(i)
        .copied()
        .context("demo employee without a position")?;
    let id = Uuid::now_v7();
    employee::Entity::insert(employee::ActiveModel {
        id: Set(id),
        company_id: Set(company_id),
        first_name: Set(first.into()),
        last_name: Set(last.into()),
        email: Set(Some(email)),
        department: Set(Some(department.into())),
        job_title: Set(Some(job_title.into())),
        start_date: Set(Some(start_date(company_index, i)?)),
        end_date: Set((i == LEAVER).then_some(date!(2026 - 06 - 30))),
        // 555-01xx numbers are reserved for fiction.
        phone: Set(Some(format!(
            "+1 202-555-{:04}",
            100 + company_index * 12 + i
        ))),
        salary: Set(Some(base_salary + 1_500 * company_index as i64)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.employees += 1;
    Ok(id)
}

async fn ensure_time_off(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    employee_id: Uuid,
    spec: &TimeOffSpec,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if time_off::Entity::find()
        .filter(time_off::Column::EmployeeId.eq(employee_id))
        .filter(time_off::Column::StartDate.eq(spec.start))
        .filter(time_off::Column::Kind.eq(spec.kind))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    time_off::Entity::insert(time_off::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_id: Set(company_id),
        employee_id: Set(employee_id),
        kind: Set(spec.kind.into()),
        start_date: Set(spec.start),
        end_date: Set(spec.end),
        status: Set(spec.status.into()),
        note: Set(spec.note.map(Into::into)),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.time_off += 1;
    Ok(())
}

/// A demo document of one company.
struct DocumentSpec {
    file_name: String,
    content_type: &'static str,
    content: String,
    /// Index into the company's employees, for documents about one employee.
    employee: Option<usize>,
}

/// The company's documents: a handbook, a department headcount CSV, and the first employee's
/// contract summary (attached to that employee, so visibility groups apply to it).
fn documents(company_index: usize, spec: &CompanySpec) -> anyhow::Result<Vec<DocumentSpec>> {
    let handbook = format!(
        "{name} employee handbook\n\
         \n\
         Welcome to {name}. This handbook summarises how we work.\n\
         \n\
         1. Working hours: core hours are 10:00 to 16:00; plan the rest with your team.\n\
         2. Time off: request vacation at least two weeks ahead; report sickness to your manager \
         on the first day.\n\
         3. Departments: {departments}.\n\
         4. Questions: ask People ({people}).\n",
        name = spec.name,
        departments = DEPARTMENTS.join(", "),
        people = employee_email(spec.employees[10].0, spec.employees[10].1, spec.slug),
    );

    let mut departments = String::from("department,headcount\n");
    for d in DEPARTMENTS {
        let headcount = POSITIONS
            .iter()
            .enumerate()
            .filter(|(i, (dep, _, _))| *dep == d && *i != LEAVER)
            .count();
        departments.push_str(&format!("{d},{headcount}\n"));
    }

    let (first, last) = spec.employees[0];
    let (_, title, base_salary) = POSITIONS[0];
    let contract = format!(
        "Employment contract summary\n\
         \n\
         Employer: {company}\n\
         Employee: {first} {last}\n\
         Position: {title}\n\
         Start date: {start}\n\
         Yearly salary: {salary}\n",
        company = spec.name,
        start = start_date(company_index, 0)?,
        salary = base_salary + 1_500 * company_index as i64,
    );

    Ok(vec![
        DocumentSpec {
            file_name: "employee-handbook.txt".into(),
            content_type: "text/plain",
            content: handbook,
            employee: None,
        },
        DocumentSpec {
            file_name: "departments.csv".into(),
            content_type: "text/csv",
            content: departments,
            employee: None,
        },
        DocumentSpec {
            file_name: format!(
                "contract-{}-{}.txt",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            content_type: "text/plain",
            content: contract,
            employee: Some(0),
        },
    ])
}

async fn ensure_document(
    txn: &DatabaseTransaction,
    company_id: Uuid,
    employee_id: Option<Uuid>,
    spec: DocumentSpec,
    now: OffsetDateTime,
    summary: &mut DemoSummary,
) -> anyhow::Result<()> {
    if document::Entity::find()
        .filter(document::Column::CompanyId.eq(company_id))
        .filter(document::Column::FileName.eq(spec.file_name.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let content = spec.content.into_bytes();
    document::Entity::insert(document::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_id: Set(company_id),
        employee_id: Set(employee_id),
        file_name: Set(spec.file_name),
        content_type: Set(spec.content_type.into()),
        size_bytes: Set(i64::try_from(content.len())?),
        content: Set(content),
        created_at: Set(now),
    })
    .exec(txn)
    .await?;
    summary.documents += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeds_once_then_finds_everything_present() {
        let path = std::env::temp_dir().join(format!("portcullis-demo-{}.db", Uuid::now_v7()));
        let database_url = format!("sqlite://{}?mode=rwc", path.display());
        let db = crate::db::connect(&crate::config::DatabaseArgs {
            database_url,
            db_max_connections: 4,
            db_acquire_timeout_ms: 5_000,
        })
        .await
        .expect("connect");
        crate::bootstrap::sync_catalogue(&db)
            .await
            .expect("sync catalogue");

        let now = OffsetDateTime::now_utc();
        let first = seed_at(&db, now).await.expect("first seed");
        // About 1.3 rows per 30-second slot: a few thousand a day.
        assert!((2_500..=5_000).contains(&first.api_logs), "{first:?}");
        assert_eq!(
            first,
            DemoSummary {
                api_logs: first.api_logs,
                resellers: 2,
                companies: 4,
                feature_flags: 6,
                users: 9,
                visibility_groups: 8,
                group_members: 1,
                employees: 48,
                time_off: 24,
                documents: 12,
            }
        );
        assert!(
            first
                .to_string()
                .starts_with("demo data: created 2 resellers, 4 companies")
        );

        let second = seed_at(&db, now).await.expect("second seed");
        assert_eq!(second, DemoSummary::default());
        assert_eq!(second.to_string(), "demo data: already present");

        assert_eq!(company::Entity::find().count(&db).await.expect("count"), 4);
        assert_eq!(
            employee::Entity::find().count(&db).await.expect("count"),
            48
        );
        assert_eq!(user::Entity::find().count(&db).await.expect("count"), 9);
        let logs = crate::entity::api_log::Entity::find()
            .count(&db)
            .await
            .expect("count");
        assert_eq!(logs, first.api_logs as u64);
        // A restart 10 minutes later tops the day up, and only with the new slots.
        let later = seed_at(&db, now + time::Duration::minutes(10))
            .await
            .expect("later seed");
        assert!((10..=40).contains(&later.api_logs), "{later:?}");
        assert_eq!(later.total(), later.api_logs);

        // Funnelling is visible: Contoso has api_access off, Umbrella has it on.
        let contoso = reseller::Entity::find()
            .filter(reseller::Column::Name.eq("Contoso Channel"))
            .one(&db)
            .await
            .expect("query")
            .expect("contoso");
        let flag = reseller_feature::Entity::find_by_id((contoso.id, API_ACCESS.to_string()))
            .one(&db)
            .await
            .expect("query")
            .expect("flag");
        assert!(!flag.enabled);

        // Documents carry their real size.
        for d in document::Entity::find().all(&db).await.expect("documents") {
            assert_eq!(d.size_bytes, d.content.len() as i64);
        }

        // Demo users log in with the demo password.
        let member = user::Entity::find()
            .filter(user::Column::Email.eq("member@acme.example"))
            .one(&db)
            .await
            .expect("query")
            .expect("acme member");
        assert!(
            crate::auth::password::verify(DEMO_PASSWORD.into(), member.password_hash.clone())
                .await
                .expect("verify")
        );
        let groups = user_visibility_group::Entity::find()
            .filter(user_visibility_group::Column::UserId.eq(member.id))
            .count(&db)
            .await
            .expect("count");
        assert_eq!(groups, 1);

        db.close().await.expect("close");
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
