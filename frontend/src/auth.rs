//! The session: its token (kept in localStorage, so a reload stays signed in) and the signed-in
//! user, whose permissions decide which navigation entries and pages exist.

use leptos::prelude::*;
use serde::Deserialize;
use shared::{forms, roles::RoleKind};

const TOKEN_KEY: &str = "portcullis.session";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The session token, when signed in.
pub fn token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok()?
}

pub fn set_token(token: &str) {
    if let Some(s) = storage() {
        // A full or disabled storage only means the next reload asks to sign in again.
        let _ = s.set_item(TOKEN_KEY, token);
    }
}

pub fn clear_token() {
    if let Some(s) = storage() {
        let _ = s.remove_item(TOKEN_KEY);
    }
}

/// The session stopped working: forget it and start over at the sign-in page (a full load, so
/// no state of the previous user survives).
pub fn session_lost() {
    clear_token();
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href("/login?expired=1");
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoleRef {
    pub name: String,
}

/// The signed-in user (`me`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: RoleRef,
    pub permissions: Vec<String>,
    pub company: Option<Named>,
    pub reseller: Option<Named>,
}

impl Me {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Hub users (platform or reseller staff) manage companies from above; company users
    /// manage only their own company.
    pub fn is_hub(&self) -> bool {
        self.company.is_none()
    }

    /// Super admins are the platform's own staff (no reseller, no company): "Super admin" is the
    /// only role of that kind, and the server treats that tenant as the whole platform.
    pub fn is_super_admin(&self) -> bool {
        forms::user_kind(self.company.is_some(), self.reseller.is_some()) == RoleKind::Platform
    }

    /// Where this user belongs, for the shell's header.
    pub fn tenant_label(&self) -> String {
        match (&self.company, &self.reseller) {
            (Some(c), _) => c.name.clone(),
            (None, Some(r)) => r.name.clone(),
            (None, None) => "Platform".to_string(),
        }
    }
}

/// Provided by the shell once `me` is loaded; every page inside the shell can rely on it.
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: RwSignal<Option<Me>>,
}

impl Auth {
    pub fn can(&self, permission: &str) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|m| m.can(permission)))
    }

    pub fn is_hub(&self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(Me::is_hub))
    }

    /// Global Settings are for super admins only (seed 003).
    pub fn is_super_admin(&self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(Me::is_super_admin))
    }

    /// The kind of the signed-in user (platform, reseller or company staff): what they may
    /// create and manage follows from it (see `shared::forms::creatable_user_kinds`).
    pub fn kind(&self) -> RoleKind {
        self.me.with(|m| {
            m.as_ref().map_or(RoleKind::Company, |m| {
                forms::user_kind(m.company.is_some(), m.reseller.is_some())
            })
        })
    }

    /// The reseller of reseller staff.
    pub fn reseller(&self) -> Option<Named> {
        self.me
            .with(|m| m.as_ref().and_then(|m| m.reseller.clone()))
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<String> {
        self.me.with(|m| m.as_ref().map(|m| m.id.clone()))
    }

    /// The company of a company user.
    pub fn company_id(&self) -> Option<String> {
        self.me.with(|m| {
            m.as_ref()
                .and_then(|m| m.company.as_ref().map(|c| c.id.clone()))
        })
    }
}

pub fn use_auth() -> Auth {
    use_context::<Auth>().unwrap_or_else(|| Auth {
        me: RwSignal::new(None),
    })
}
