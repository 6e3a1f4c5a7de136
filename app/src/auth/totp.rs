//! Time-based one-time passwords (RFC 6238) for two-step sign-in: SHA-1, 6 digits,
//! 30-second steps, one step of clock drift either way — what every authenticator app
//! reads from an `otpauth://` QR code. A code is accepted once: the caller stores the
//! step it matched and passes it back as `after_step`.

use totp_rs::{Algorithm, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
pub const ISSUER: &str = "Voxdesk";

fn totp(secret: &[u8], account: &str) -> TOTP {
    // new_unchecked: the secret is ours (20 random bytes), the account name is a
    // validated username (no colon).
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec(), Some(ISSUER.into()), account.into())
}

/// A fresh secret: 160 random bits, as RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    rand::random::<[u8; 20]>().to_vec()
}

/// The secret as people type it into an app that cannot scan (base32, in groups of 4).
pub fn secret_text(secret: &[u8]) -> String {
    let encoded = totp_rs::Secret::Raw(secret.to_vec()).to_encoded().to_string();
    encoded.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The `otpauth://totp/Voxdesk:{account}?secret=…&issuer=Voxdesk` URL the QR code holds.
pub fn otpauth_url(secret: &[u8], account: &str) -> String {
    totp(secret, account).get_url()
}

/// The code for `unix_seconds` (what the user's app shows then).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret, "").generate(unix_seconds)
}

/// The time step `code` matches at `unix_seconds` (±1 step), if it is later than
/// `after_step`: a code, once accepted, is refused the second time.
pub fn accept(secret: &[u8], code: &str, unix_seconds: u64, after_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = unix_seconds / STEP_SECONDS;
    [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter(|step| *step > after_step)
        .find(|step| constant_time_equal(code_at(secret, step * STEP_SECONDS).as_bytes(), code.as_bytes()))
}

fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The QR code of `text` as an SVG drawn on the server (no script, no image request).
pub fn qr_svg(text: &str) -> String {
    qrcode::QrCode::new(text.as_bytes())
        .map(|code| code.render::<qrcode::render::svg::Color>().min_dimensions(192, 192).quiet_zone(true).build())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238() {
        // The RFC's SHA-1 vectors, cut to 6 digits.
        for (time, code) in [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")] {
            assert_eq!(code_at(RFC_SECRET, time), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let now = 1_800_000_000;
        let code = code_at(RFC_SECRET, now);
        let step = accept(RFC_SECRET, &code, now, 0).expect("the current code");
        assert_eq!(step, now / STEP_SECONDS);
        assert_eq!(accept(RFC_SECRET, &code, now, step), None, "the same code twice");
        assert!(accept(RFC_SECRET, &code, now + 30, 0).is_some(), "one step of drift");
        assert_eq!(accept(RFC_SECRET, &code, now + 90, 0), None, "too late");
        assert_eq!(accept(RFC_SECRET, "12345", now, 0), None);
        assert_eq!(accept(RFC_SECRET, "abcdef", now, 0), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(accept(RFC_SECRET, &spaced, now, 0).is_some(), "spaces as apps show them");
    }

    #[test]
    fn enrolment_material() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        let url = otpauth_url(&secret, "pat");
        assert!(url.starts_with("otpauth://totp/Voxdesk:pat?secret="), "{url}");
        assert!(url.contains("issuer=Voxdesk"), "{url}");
        assert_eq!(secret_text(&secret).replace(' ', "").len(), 32);
        assert!(qr_svg(&url).starts_with("<?xml") || qr_svg(&url).contains("<svg"));
    }
}
