//! Security headers of the admin SPA's responses (issue 10: CSP and security headers on the SPA).
//!
//! The app is one origin, no CDN, no web fonts, so the policy can be strict: everything from
//! `'self'`, WebAssembly compilation allowed (`'wasm-unsafe-eval'`, not `'unsafe-eval'`), no
//! framing, no plugins, no `<base>` rewriting. The one inline script is Trunk's loader in
//! `index.html`; it changes with every build (it names the hashed assets), so instead of
//! `'unsafe-inline'` the server allows exactly that script by its SHA-256 hash, computed from the
//! `index.html` it is about to send. Inline `style` attributes (Leptos `style:` bindings, the
//! charts) stay allowed through `style-src-attr`; style sheets come only from the app's files.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy's fixed part; the inline scripts' hashes are added to `script-src`.
const CSP_PREFIX: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const CSP_SUFFIX: &str = "; style-src 'self'; style-src-attr 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The `'sha256-…'` source of every inline `<script>` (one without `src`) of an HTML page, in
/// order. Hand-written rather than an HTML parser: the input is Trunk's own output, and a
/// script it does not find is simply not allowed (the browser refuses it; nothing opens up).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after_tag = &rest[start..];
        let Some(open_end) = after_tag.find('>') else {
            break;
        };
        let open_tag = &after_tag[..open_end];
        let body_and_rest = &after_tag[open_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else {
            break;
        };
        if !open_tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_rest[close + "</script>".len()..];
    }
    hashes
}

/// The Content-Security-Policy for a page whose inline scripts have these hashes.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut csp = String::from(CSP_PREFIX);
    for hash in script_hashes {
        csp.push(' ');
        csp.push_str(hash);
    }
    csp.push_str(CSP_SUFFIX);
    csp
}

/// Adds the headers every SPA response carries; `html` is the page's text when the response
/// is the app's `index.html` (then the CSP allows its inline loader), `None` for assets.
pub fn apply(headers: &mut HeaderMap, html: Option<&str>) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let csp = content_security_policy(&html.map(inline_script_hashes).unwrap_or_default());
    // Built only from fixed ASCII text and base64, so it is always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_each_inline_script_and_skips_external_ones() {
        let html = "<head><script src=\"/a.js\"></script>\
            <script type=\"module\">\nimport init from '/x.js';\n</script></head>\
            <body><script>alert(1)</script></body>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = |body: &str| {
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
            )
        };
        assert_eq!(hashes[0], expected("\nimport init from '/x.js';\n"));
        assert_eq!(hashes[1], expected("alert(1)"));
    }

    #[test]
    fn a_known_script_has_its_known_hash() {
        // `echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            inline_script_hashes("<script>alert(1)</script>"),
            vec!["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_string()]
        );
    }

    #[test]
    fn an_unclosed_script_is_not_allowed() {
        assert!(inline_script_hashes("<script>alert(1)").is_empty());
    }

    #[test]
    fn the_policy_never_allows_unsafe_inline_scripts_or_framing() {
        let csp = content_security_policy(&["'sha256-abc='".to_string()]);
        assert!(csp.starts_with(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-abc='; "
        ));
        assert!(!csp.contains("'unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"));
    }
}
