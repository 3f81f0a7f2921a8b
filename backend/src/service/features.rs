//! Feature flags on resellers and companies, and their funnelled (effective) state.

use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use shared::features::{FEATURE_FLAGS, FeatureFlag};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::{company_feature, reseller_feature};
use crate::error::{AppError, AppResult};

/// Flag key → enabled, for one reseller or company. A flag never set is off.
pub type Flags = HashMap<String, bool>;

/// One flag's state as shown to admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureState {
    pub flag: &'static FeatureFlag,
    /// Set on this level.
    pub enabled: bool,
    /// In force: for a company, enabled here and on its reseller.
    pub effective: bool,
}

pub fn validate_flag(flag: &str) -> AppResult<&'static FeatureFlag> {
    shared::features::find(flag).ok_or_else(|| {
        let known: Vec<&str> = FEATURE_FLAGS.iter().map(|f| f.key).collect();
        AppError::validation(
            "flag",
            format!(
                "unknown feature flag '{flag}'; known flags: {}",
                known.join(", ")
            ),
        )
    })
}

pub fn reseller_states(flags: &Flags) -> Vec<FeatureState> {
    FEATURE_FLAGS
        .iter()
        .map(|f| {
            let enabled = flags.get(f.key).copied().unwrap_or(false);
            FeatureState {
                flag: f,
                enabled,
                effective: enabled,
            }
        })
        .collect()
}

pub fn company_states(company: &Flags, reseller: &Flags) -> Vec<FeatureState> {
    FEATURE_FLAGS
        .iter()
        .map(|f| {
            let enabled = company.get(f.key).copied().unwrap_or(false);
            let reseller_on = reseller.get(f.key).copied().unwrap_or(false);
            FeatureState {
                flag: f,
                enabled,
                effective: shared::features::effective_for_company(enabled, reseller_on),
            }
        })
        .collect()
}

/// Flags of many resellers in one query.
pub async fn reseller_flags(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, Flags>> {
    let rows = reseller_feature::Entity::find()
        .filter(reseller_feature::Column::ResellerId.is_in(ids))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Flags> = HashMap::new();
    for r in rows {
        out.entry(r.reseller_id)
            .or_default()
            .insert(r.flag, r.enabled);
    }
    Ok(out)
}

/// Flags of many companies in one query.
pub async fn company_flags(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, Flags>> {
    let rows = company_feature::Entity::find()
        .filter(company_feature::Column::CompanyId.is_in(ids))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Flags> = HashMap::new();
    for r in rows {
        out.entry(r.company_id)
            .or_default()
            .insert(r.flag, r.enabled);
    }
    Ok(out)
}

pub async fn upsert_reseller_flag(
    db: &impl ConnectionTrait,
    reseller_id: Uuid,
    flag: &str,
    enabled: bool,
) -> AppResult<()> {
    reseller_feature::Entity::insert(reseller_feature::ActiveModel {
        reseller_id: Set(reseller_id),
        flag: Set(flag.into()),
        enabled: Set(enabled),
        updated_at: Set(OffsetDateTime::now_utc()),
    })
    .on_conflict(
        OnConflict::columns([
            reseller_feature::Column::ResellerId,
            reseller_feature::Column::Flag,
        ])
        .update_columns([
            reseller_feature::Column::Enabled,
            reseller_feature::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn upsert_company_flag(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    flag: &str,
    enabled: bool,
) -> AppResult<()> {
    company_feature::Entity::insert(company_feature::ActiveModel {
        company_id: Set(company_id),
        flag: Set(flag.into()),
        enabled: Set(enabled),
        updated_at: Set(OffsetDateTime::now_utc()),
    })
    .on_conflict(
        OnConflict::columns([
            company_feature::Column::CompanyId,
            company_feature::Column::Flag,
        ])
        .update_columns([
            company_feature::Column::Enabled,
            company_feature::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_state_is_funnelled() {
        let company: Flags = [("api_access".to_string(), true)].into();
        let reseller_off = Flags::new();
        let s = &company_states(&company, &reseller_off)[0];
        assert!(s.enabled && !s.effective);
        let reseller_on: Flags = [("api_access".to_string(), true)].into();
        assert!(company_states(&company, &reseller_on)[0].effective);
        assert!(validate_flag("nope").is_err());
    }
}
