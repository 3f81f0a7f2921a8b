//! The access-token signing key: Ed25519 (JWS `EdDSA`, RFC 8037), generated on first start and
//! kept in `server_secrets`, so every instance and every restart signs with the same key and
//! tokens survive a restart. Its public half is published at `/.well-known/jwks.json` under a
//! `kid` that is the key's RFC 7638 thumbprint: derived, not stored, so it cannot drift.
//!
//! Ed25519 rather than HMAC: resource servers and integrators can verify tokens with the public
//! key alone, and nothing that can verify can also forge.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::TryRngCore;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::entity::server_secret;
use crate::oauth::cache::VerifiedTokens;

/// Row name in `server_secrets`; the value is the PKCS#8 DER private key in base64.
const SECRET_NAME: &str = "oauth_ed25519_pkcs8";

/// The signing key and its public form. Deliberately not `Debug` or `Clone`.
pub struct OAuthKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key, base64url (the JWK `x`).
    x: String,
    kid: String,
    /// Tokens these keys verified. Kept with the keys because a cached verification is only as
    /// good as the key that checked it: new keys come with an empty cache.
    verified: VerifiedTokens,
}

/// RFC 7638 thumbprint of an Ed25519 public key: SHA-256 over the JWK's required members in
/// lexicographic order, without whitespace (RFC 8037 appendix A.3), base64url.
pub fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

impl OAuthKeys {
    /// Reads the signing key, creating it on first start. Two instances starting together both
    /// try to insert; the loser's insert is ignored and both read the winner's key.
    pub async fn load_or_create(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut seed)
            .context("reading the OS random number generator")?;
        let candidate = SigningKey::from_bytes(&seed);
        let der = candidate
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding the signing key: {e}"))?;
        server_secret::Entity::insert(server_secret::ActiveModel {
            name: Set(SECRET_NAME.into()),
            value: Set(STANDARD.encode(der.as_bytes())),
            created_at: Set(OffsetDateTime::now_utc()),
        })
        .on_conflict_do_nothing_on([server_secret::Column::Name])
        .exec(db)
        .await?;
        let row = server_secret::Entity::find_by_id(SECRET_NAME.to_string())
            .one(db)
            .await?
            .context("OAuth signing key missing after insert")?;
        let der = STANDARD
            .decode(row.value.as_bytes())
            .context("OAuth signing key is not base64")?;
        let key = SigningKey::from_pkcs8_der(&der)
            .map_err(|_| anyhow::anyhow!("OAuth signing key is not an Ed25519 PKCS#8 key"))?;
        Self::from_signing_key(&key)
    }

    /// Builds the keys from an Ed25519 private key.
    pub fn from_signing_key(key: &SigningKey) -> anyhow::Result<Self> {
        let der = key
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding the signing key: {e}"))?;
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_components(&x).context("public key")?,
            kid: thumbprint(&x),
            x,
            verified: VerifiedTokens::default(),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The cache of verified access tokens (see `oauth::cache`).
    pub fn verified(&self) -> &VerifiedTokens {
        &self.verified
    }

    /// The public key as a JWK (RFC 8037).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    /// The JWK Set served at `/.well-known/jwks.json`. A list, so a future key rotation can
    /// publish the next key before signing with it.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8037 appendix A: the example key and its thumbprint.
    #[test]
    fn thumbprint_matches_rfc_8037() {
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        let seed = URL_SAFE_NO_PAD
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .expect("b64");
        let key = SigningKey::from_bytes(&seed.try_into().expect("32 bytes"));
        let keys = OAuthKeys::from_signing_key(&key).expect("keys");
        assert_eq!(keys.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(
            keys.jwk()["x"],
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        );
    }
}
