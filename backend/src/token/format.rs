//! Minting, parsing, hashing and masking of prefixed secrets.

use std::fmt;

use rand::TryRngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Which kind of secret a token is; its prefix says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    PersonalAccessToken,
    ApiKey,
    ClientSecret,
}

impl TokenKind {
    pub const ALL: [TokenKind; 3] = [Self::PersonalAccessToken, Self::ApiKey, Self::ClientSecret];

    pub fn prefix(self) -> &'static str {
        match self {
            Self::PersonalAccessToken => "pat",
            Self::ApiKey => "key",
            Self::ClientSecret => "pcs",
        }
    }

    fn from_prefix(p: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.prefix() == p)
    }
}

/// Prefix of OAuth client ids (`cli_<public id>`): an identifier, not a secret.
pub const CLIENT_ID_PREFIX: &str = "cli";

const PUBLIC_ID_LEN: usize = 11; // u64 in base62
const SECRET_HALF_LEN: usize = 22; // u128 in base62
const SECRET_LEN: usize = 2 * SECRET_HALF_LEN;
const CHECKSUM_LEN: usize = 6; // u32 in base62
/// Longest string `parse` even looks at; anything longer is malformed.
const MAX_TOKEN_LEN: usize = 3 + 1 + PUBLIC_ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN;

/// Why a string is not a token. The messages never contain the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has an unknown prefix")]
    UnknownPrefix,
    #[error("the token's checksum does not match: it was mistyped or truncated")]
    BadChecksum,
    #[error("the operating system's random number generator failed")]
    Rng,
}

/// A freshly minted token. The full token exists only here, to be shown once.
pub struct MintedToken {
    pub kind: TokenKind,
    pub public_id: String,
    token: SecretString,
    /// Hex SHA-256 of the full token: what the database keeps.
    pub hash: String,
}

impl MintedToken {
    /// The full token, for the one creation response.
    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }

    pub fn masked(&self) -> String {
        mask(self.kind, &self.public_id)
    }
}

impl fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedToken")
            .field("kind", &self.kind)
            .field("public_id", &self.public_id)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

/// A syntactically valid token whose checksum matched. Still unverified: `verify_hash` against
/// the stored hash decides.
pub struct ParsedToken<'a> {
    pub kind: TokenKind,
    pub public_id: &'a str,
    full: &'a str,
}

impl ParsedToken<'_> {
    /// Hex SHA-256 of the full token.
    pub fn hash(&self) -> String {
        hash_token(self.full)
    }

    /// Whether the token hashes to `stored_hex`, compared in constant time.
    pub fn matches(&self, stored_hex: &str) -> bool {
        verify_hash(self.full, stored_hex)
    }
}

impl fmt::Debug for ParsedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedToken")
            .field("kind", &self.kind)
            .field("public_id", &self.public_id)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

fn random_u64() -> Result<u64, TokenError> {
    OsRng.try_next_u64().map_err(|_| TokenError::Rng)
}

fn random_u128() -> Result<u128, TokenError> {
    Ok((u128::from(random_u64()?) << 64) | u128::from(random_u64()?))
}

/// base62 of `n`, left-padded with `0` (the digit zero) to a fixed width.
fn fixed_base62(n: u128, width: usize) -> String {
    let s = base62::encode(n);
    format!("{s:0>width$}")
}

fn checksum(body: &str) -> String {
    fixed_base62(u128::from(crc32fast::hash(body.as_bytes())), CHECKSUM_LEN)
}

fn is_base62(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn public_id() -> Result<String, TokenError> {
    Ok(fixed_base62(u128::from(random_u64()?), PUBLIC_ID_LEN))
}

/// Mints a new token of `kind` from the OS CSPRNG.
pub fn mint(kind: TokenKind) -> Result<MintedToken, TokenError> {
    let public_id = public_id()?;
    let secret = format!(
        "{}{}",
        fixed_base62(random_u128()?, SECRET_HALF_LEN),
        fixed_base62(random_u128()?, SECRET_HALF_LEN)
    );
    let body = format!("{}_{public_id}_{secret}", kind.prefix());
    let token = format!("{body}{}", checksum(&body));
    let hash = hash_token(&token);
    Ok(MintedToken {
        kind,
        public_id,
        token: SecretString::from(token),
        hash,
    })
}

/// A new OAuth client id, `cli_<public id>`.
pub fn new_client_id() -> Result<String, TokenError> {
    Ok(format!("{CLIENT_ID_PREFIX}_{}", public_id()?))
}

/// Checks shape and checksum, without touching the database.
pub fn parse(token: &str) -> Result<ParsedToken<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN || !token.is_ascii() {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.splitn(3, '_');
    let (Some(prefix), Some(public_id), Some(rest)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let kind = TokenKind::from_prefix(prefix).ok_or(TokenError::UnknownPrefix)?;
    if public_id.len() != PUBLIC_ID_LEN
        || rest.len() != SECRET_LEN + CHECKSUM_LEN
        || !is_base62(public_id)
        || !is_base62(rest)
    {
        return Err(TokenError::Malformed);
    }
    let (body, sum) = token.split_at(token.len() - CHECKSUM_LEN);
    if checksum(body) != sum {
        return Err(TokenError::BadChecksum);
    }
    Ok(ParsedToken {
        kind,
        public_id,
        full: token,
    })
}

/// Hex SHA-256 of a token.
pub fn hash_token(token: &str) -> String {
    hex_encode(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` hashes to `stored_hex`, in time independent of where they differ.
pub fn verify_hash(token: &str, stored_hex: &str) -> bool {
    let computed = hash_token(token);
    computed.as_bytes().ct_eq(stored_hex.as_bytes()).into()
}

fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

/// The form lists show: prefix and public id, the secret replaced by dots.
pub fn mask(kind: TokenKind, public_id: &str) -> String {
    format!("{}_{public_id}_{}", kind.prefix(), "•".repeat(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_for_every_kind() {
        for kind in TokenKind::ALL {
            let t = mint(kind).expect("mint");
            assert!(t.expose().starts_with(&format!("{}_", kind.prefix())));
            assert_eq!(t.expose().len(), MAX_TOKEN_LEN);
            let p = parse(t.expose()).expect("parses");
            assert_eq!(p.kind, kind);
            assert_eq!(p.public_id, t.public_id);
            assert!(p.matches(&t.hash));
            assert_eq!(p.hash(), t.hash);
        }
    }

    #[test]
    fn tokens_are_unique_and_long_enough() {
        let a = mint(TokenKind::PersonalAccessToken).expect("mint");
        let b = mint(TokenKind::PersonalAccessToken).expect("mint");
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.public_id, b.public_id);
        // 44 base62 characters carry log2(62)*44 ≈ 262 bits; at least 160 are required.
        assert!((SECRET_LEN as f64) * 62f64.log2() >= 160.0);
    }

    #[test]
    fn every_malformed_shape_is_rejected() {
        let good = mint(TokenKind::ApiKey).expect("mint");
        let g = good.expose();
        let cases: Vec<(String, TokenError)> = vec![
            (String::new(), TokenError::Malformed),
            ("key".into(), TokenError::Malformed),
            ("key_abc".into(), TokenError::Malformed),
            (g.replacen("key_", "xyz_", 1), TokenError::UnknownPrefix),
            (g.replacen("key_", "KEY_", 1), TokenError::UnknownPrefix),
            (g[..g.len() - 1].to_string(), TokenError::Malformed),
            (format!("{g}x"), TokenError::Malformed),
            (g.replacen('_', "-", 2), TokenError::Malformed),
            (format!("{}é", &g[..g.len() - 2]), TokenError::Malformed),
            (" ".repeat(g.len()), TokenError::Malformed),
            ("a".repeat(10_000), TokenError::Malformed),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(&input).map(|_| ()).expect_err(&input),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn a_flipped_character_fails_the_checksum() {
        let t = mint(TokenKind::PersonalAccessToken).expect("mint");
        let s = t.expose();
        // Flip one character in the public id, the secret, and the checksum in turn.
        for pos in [5, 20, s.len() - 1] {
            let mut bytes = s.as_bytes().to_vec();
            bytes[pos] = if bytes[pos] == b'a' { b'b' } else { b'a' };
            let flipped = String::from_utf8(bytes).expect("ascii");
            assert_eq!(
                parse(&flipped).map(|_| ()),
                Err(TokenError::BadChecksum),
                "position {pos}"
            );
        }
    }

    #[test]
    fn wrong_secret_with_valid_checksum_does_not_verify() {
        let a = mint(TokenKind::ClientSecret).expect("mint");
        let b = mint(TokenKind::ClientSecret).expect("mint");
        let pb = parse(b.expose()).expect("parses");
        assert!(!pb.matches(&a.hash));
        assert!(!verify_hash(a.expose(), "not a hash"));
    }

    #[test]
    fn nothing_prints_the_secret() {
        let t = mint(TokenKind::PersonalAccessToken).expect("mint");
        let secret_part = &t.expose()[16..];
        let debug = format!("{t:?} {:?}", parse(t.expose()).expect("parses"));
        assert!(!debug.contains(secret_part), "{debug}");
        assert!(!t.masked().contains(secret_part));
        assert!(t.masked().contains(&t.public_id));
        for e in [TokenError::Malformed, TokenError::BadChecksum] {
            assert!(!e.to_string().contains(secret_part));
        }
    }

    #[test]
    fn client_ids() {
        let id = new_client_id().expect("id");
        assert!(id.starts_with("cli_"));
        assert_eq!(id.len(), 4 + PUBLIC_ID_LEN);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// What follows `<prefix>_<public id>_` in a masked token: nothing of the secret.
        fn assert_masked(masked: &str, kind: TokenKind, public_id: &str, token: &str) {
            let head = format!("{}_{public_id}_", kind.prefix());
            let tail = masked
                .strip_prefix(&head)
                .expect("prefix and public id first");
            assert!(
                !tail.is_empty() && !tail.chars().any(|c| c.is_ascii_alphanumeric()),
                "{masked}"
            );
            assert!(!masked.contains(&token[head.len()..]), "{masked}");
        }

        #[test]
        fn masked_minted_tokens_never_contain_the_secret() {
            for kind in TokenKind::ALL {
                for _ in 0..100 {
                    let t = mint(kind).expect("mint");
                    assert_masked(&t.masked(), kind, &t.public_id, t.expose());
                    let p = parse(t.expose()).expect("parses");
                    assert_masked(&mask(p.kind, p.public_id), kind, &t.public_id, t.expose());
                }
            }
        }

        proptest! {
            #[test]
            fn masked_tokens_never_contain_the_secret(
                k in 0..3usize,
                public_id in "[0-9A-Za-z]{11}",
                secret in "[0-9A-Za-z]{44}",
            ) {
                let kind = TokenKind::ALL[k];
                let body = format!("{}_{public_id}_{secret}", kind.prefix());
                let token = format!("{body}{}", checksum(&body));
                let p = parse(&token).expect("a well-formed token");
                prop_assert_eq!(p.kind, kind);
                assert_masked(&mask(p.kind, p.public_id), kind, &public_id, &token);
            }

            /// Whatever the input, the error names a kind of mistake, never the input.
            #[test]
            fn parse_errors_never_contain_the_input(s in "(pat|key|pcs|cli)?_?[^_]{0,20}_?.{0,60}") {
                if let Err(e) = parse(&s) {
                    let msg = format!("{e} {e:?}");
                    prop_assert!(s.chars().count() < 8 || !msg.contains(&s), "{}", msg);
                }
            }
        }
    }
}
