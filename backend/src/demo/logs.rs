//! A day of demo request logs (SPEC §7), so the API Logs dashboard has something to show.
//!
//! The day is cut into 30-second slots; each slot's rows are a pure function of the slot number
//! (their ids included), so seeding again inserts only the slots that are missing: a restart
//! tops the logs up to the last 24 hours and never duplicates a row. Old slots are left to
//! retention. Decisions read like the capture engine's (`allowed`,
//! `rate_limit: company limit 60/min reached, resets in 12 s`, ...).

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use shared::ApiAccessType;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::api_log;

/// A demo company and its users, whose requests the logs show.
pub struct LogTenant {
    pub company_id: Uuid,
    pub users: Vec<Uuid>,
    pub access: ApiAccessType,
}

/// Seconds per slot.
const SLOT: i64 = 30;
/// The high half of every demo log id: `demo-log` in ASCII.
const ID_PREFIX: u64 = 0x6465_6d6f_2d6c_6f67;

const ENDPOINTS: [(&str, &str, i64); 10] = [
    ("GET", "/api/v1/employees", 6_000),
    ("GET", "/api/v1/employees/{id}", 2_500),
    ("POST", "/api/v1/employees", 9_000),
    ("PATCH", "/api/v1/employees/{id}", 8_000),
    ("GET", "/api/v1/time-off", 4_000),
    ("POST", "/api/v1/time-off", 7_000),
    ("GET", "/api/v1/documents", 5_000),
    ("GET", "/api/v1/documents/{id}/download", 40_000),
    ("GET", "/api/v1/company", 1_500),
    ("POST", "/oauth/token", 3_000),
];

fn slot_rows(slot: i64, tenants: &[LogTenant], now: OffsetDateTime) -> Vec<api_log::Model> {
    let mut rng = StdRng::seed_from_u64(slot as u64);
    let count = if rng.random_bool(0.3) { 2 } else { 1 };
    let mut out = Vec::new();
    for k in 0..count {
        let offset_ms = rng.random_range(0..SLOT * 1_000);
        let Ok(start) = OffsetDateTime::from_unix_timestamp(slot * SLOT) else {
            continue;
        };
        let time = start + Duration::milliseconds(offset_ms);
        let tenant = &tenants[rng.random_range(0..tenants.len())];
        let (method, endpoint, typical_us) = ENDPOINTS[rng.random_range(0..ENDPOINTS.len())];
        let user = tenant.users[rng.random_range(0..tenant.users.len())];
        let writes = method != "GET";
        let roll = rng.random_range(0..100);
        let (status, decision, denied_by, exception) = if tenant.access == ApiAccessType::None {
            (
                401,
                "access_type: company has no API access".to_string(),
                Some("access_type"),
                None,
            )
        } else if writes && tenant.access == ApiAccessType::ReadOnly {
            (
                403,
                "access_type: company is read-only".into(),
                Some("access_type"),
                None,
            )
        } else {
            match roll {
                0..=3 => (
                    429,
                    format!(
                        "rate_limit: company limit 60/min reached, resets in {} s",
                        rng.random_range(1..60)
                    ),
                    Some("rate_limit"),
                    None,
                ),
                4..=6 => (
                    403,
                    "permission: key lacks employees:CREATE".into(),
                    Some("permission"),
                    None,
                ),
                7..=11 => (404, "allowed".into(), None, None),
                12 => (
                    500,
                    "allowed".into(),
                    None,
                    Some("internal error: database timeout after 5 s"),
                ),
                _ => (if writes { 201 } else { 200 }, "allowed".into(), None, None),
            }
        };
        let slow = if rng.random_bool(0.02) { 20 } else { 1 };
        let us = rng.random_range(typical_us / 2..typical_us * 3 / 2) * slow;
        let id = Uuid::from_u64_pair(ID_PREFIX, (slot as u64) * 2 + k);
        let path = endpoint.replace(
            "{id}",
            &Uuid::from_u64_pair(ID_PREFIX, slot as u64).to_string(),
        );
        if time > now {
            continue;
        }
        out.push(api_log::Model {
            id,
            time,
            method: method.into(),
            uri: path,
            endpoint: endpoint.into(),
            status_code: status,
            response_time_us: us,
            request_ip: Some(format!("203.0.113.{}", 10 + rng.random_range(0..40))),
            request_headers: json!({
                "accept": "application/json",
                "authorization": "Bearer [redacted]",
                "user-agent": "acme-sync/2.3",
            }),
            response_headers: json!({ "content-type": "application/json" }),
            request_body: writes.then(|| "{\"firstName\":\"Ada\"}".to_string()),
            response_body: Some(if status < 400 {
                "{\"data\":{}}".to_string()
            } else {
                format!("{{\"status\":{status}}}")
            }),
            exception: exception.map(str::to_string),
            decision,
            denied_by: denied_by.map(str::to_string),
            company_id: Some(tenant.company_id),
            user_id: Some(user),
            credential_kind: Some("personal_access_token".into()),
            credential_id: None,
        });
    }
    out
}

/// Inserts the missing rows of the 24 hours before `now`; adds their number to `created`.
pub async fn ensure_day(
    txn: &DatabaseTransaction,
    now: OffsetDateTime,
    tenants: &[LogTenant],
    created: &mut usize,
) -> anyhow::Result<()> {
    if tenants.is_empty() {
        return Ok(());
    }
    let last = now.unix_timestamp().div_euclid(SLOT);
    let first = (now - Duration::hours(24))
        .unix_timestamp()
        .div_euclid(SLOT)
        + 1;
    let wanted: Vec<api_log::Model> = (first..=last)
        .flat_map(|slot| slot_rows(slot, tenants, now))
        .collect();
    let mut present = HashSet::new();
    for chunk in wanted.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|m| m.id).collect();
        let found: Vec<Uuid> = api_log::Entity::find()
            .select_only()
            .column(api_log::Column::Id)
            .filter(api_log::Column::Id.is_in(ids))
            .into_tuple()
            .all(txn)
            .await?;
        present.extend(found);
    }
    let missing: Vec<api_log::ActiveModel> = wanted
        .into_iter()
        .filter(|m| !present.contains(&m.id))
        .map(Into::into)
        .collect();
    for chunk in missing.chunks(500) {
        api_log::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
        *created += chunk.len();
    }
    Ok(())
}
