//! One module for every secret Portcullis hands out (SPEC §3): personal access tokens (`pat`),
//! API keys (`key`) and OAuth client secrets (`pcs`), all shaped
//! `<prefix>_<public id>_<secret><checksum>`.
//!
//! - The public id (64 random bits, 11 base62 characters) finds the row; it is not secret and
//!   is what lists show (`mask`).
//! - The secret is 256 bits from the OS CSPRNG (44 base62 characters).
//! - The checksum (CRC32 of everything before it, 6 base62 characters) lets `parse` reject a
//!   mistyped or truncated token before any database read, and lets secret scanners recognise
//!   leaked tokens with few false positives (the scheme GitHub uses).
//! - At rest only SHA-256 of the whole token is kept (right for high-entropy secrets: no salt or
//!   slow hash needed), and comparison is constant-time.
//!
//! Nothing here formats a secret into an error or a `Debug` string.

mod format;

pub use format::{
    CLIENT_ID_PREFIX, MintedToken, ParsedToken, TokenError, TokenKind, hash_token, mask, mint,
    new_client_id, parse, verify_hash,
};
