//! Resolver errors. async-graphql converts anything `Display` into an error without extensions,
//! so returning `AppError` with `?` would silently drop `extensions.code`. Resolvers return
//! `GqlResult<T>` instead: `GqlError` has no `Display`, so the only way in is `From<AppError>`,
//! which keeps the code, the field and the hidden internal cause.

use crate::error::AppError;

#[derive(Clone)]
pub struct GqlError(async_graphql::Error);

pub type GqlResult<T> = Result<T, GqlError>;

impl From<AppError> for GqlError {
    fn from(e: AppError) -> Self {
        Self(e.into_graphql())
    }
}

impl From<sea_orm::DbErr> for GqlError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::from(e).into()
    }
}

impl From<GqlError> for async_graphql::Error {
    fn from(e: GqlError) -> Self {
        e.0
    }
}

/// Parses an `ID` argument as a UUID, naming the argument when it is not one.
pub fn parse_id(field: &'static str, id: &async_graphql::ID) -> Result<uuid::Uuid, GqlError> {
    uuid::Uuid::parse_str(id.as_str()).map_err(|_| {
        AppError::validation(
            field,
            format!("{field} '{}' is not a valid id", id.as_str()),
        )
        .into()
    })
}
