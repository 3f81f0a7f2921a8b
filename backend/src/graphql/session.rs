//! `login`, `logout`, `me`.

use async_graphql::{Context, Object, SimpleObject};

use crate::graphql::error::GqlResult;
use time::OffsetDateTime;

use crate::graphql::context::{ClientIp, ContextExt};
use crate::graphql::objects::User;
use crate::service;

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<User> {
        let p = ctx.principal()?;
        Ok(User::from(p.user.clone()))
    }
}

/// A signed-in session. Send `token` as `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct Session {
    pub token: String,
    pub expires_at: OffsetDateTime,
    pub user: User,
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Signs in with e-mail and password; wrong e-mail and wrong password fail alike.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> GqlResult<Session> {
        let app = ctx.app();
        let ip = ctx.data_opt::<ClientIp>().map(|c| c.0);
        let (token, expires_at, principal) =
            service::sessions::login(app, &email, password, ip).await?;
        Ok(Session {
            token,
            expires_at,
            user: User::seen_by(principal.user.clone(), std::sync::Arc::new(principal)),
        })
    }

    /// Signs the current session out; its token stops working at once.
    async fn logout(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let p = ctx.principal()?;
        if let Some(sid) = p.session_id {
            crate::service::sessions::logout(ctx.app(), p, sid).await?;
        }
        Ok(true)
    }
}
