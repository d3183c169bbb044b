//! The app's cookies, in one place: their names, scope and flags. Served over https (the base
//! URL says so) every cookie is `Secure` with the `__Host-` prefix, which the browser keeps
//! only for this very host and path `/`, so no other subdomain can set or shadow it.

use axum::http::{HeaderMap, HeaderValue, header};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cookie {
    /// A signed-in staff member's session: a random token whose SHA-256 names the row.
    StaffSession,
    /// The login form's CSRF token (there is no session yet to hold it).
    LoginForm,
    /// A language chosen with `?lang=`.
    Language,
}

impl Cookie {
    fn base_name(self) -> &'static str {
        match self {
            Cookie::StaffSession => "gc_staff",
            Cookie::LoginForm => "gc_login",
            Cookie::Language => "gc_lang",
        }
    }

    /// The path over plain http; `__Host-` cookies must be `/`.
    fn plain_path(self) -> &'static str {
        match self {
            Cookie::StaffSession | Cookie::LoginForm => "/staff",
            Cookie::Language => "/",
        }
    }

    fn same_site(self) -> &'static str {
        match self {
            Cookie::LoginForm => "Strict",
            Cookie::StaffSession | Cookie::Language => "Lax",
        }
    }

    fn max_age(self) -> Option<u32> {
        match self {
            Cookie::Language => Some(365 * 24 * 3600),
            // Session cookies: gone with the browser; the server ends sessions anyway.
            Cookie::StaffSession | Cookie::LoginForm => None,
        }
    }
}

/// The cookie rules of one deployment.
#[derive(Clone, Copy, Debug)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    /// Secure cookies when patients and staff reach the app over https.
    pub fn for_base_url(base_url: &str) -> Cookies {
        Cookies { secure: base_url.starts_with("https://") }
    }

    pub fn name(&self, cookie: Cookie) -> Cow<'static, str> {
        if self.secure {
            Cow::Owned(format!("__Host-{}", cookie.base_name()))
        } else {
            Cow::Borrowed(cookie.base_name())
        }
    }

    /// The cookie's value in the request, if sent.
    pub fn get<'a>(&self, headers: &'a HeaderMap, cookie: Cookie) -> Option<&'a str> {
        let name = self.name(cookie);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// A `Set-Cookie` value giving `cookie` this value. Values are ours (hex, language codes).
    pub fn set(&self, cookie: Cookie, value: &str) -> HeaderValue {
        let max_age = cookie.max_age().map(|s| format!("; Max-Age={s}")).unwrap_or_default();
        self.header(cookie, value, &max_age)
    }

    /// A `Set-Cookie` value removing `cookie`.
    pub fn clear(&self, cookie: Cookie) -> HeaderValue {
        self.header(cookie, "", "; Max-Age=0")
    }

    fn header(&self, cookie: Cookie, value: &str, max_age: &str) -> HeaderValue {
        let (path, secure) = if self.secure { ("/", "; Secure") } else { (cookie.plain_path(), "") };
        let text = format!(
            "{}={value}; Path={path}; HttpOnly; SameSite={}{max_age}{secure}",
            self.name(cookie),
            cookie.same_site()
        );
        HeaderValue::from_str(&text).expect("cookie values are ours: hex and language codes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_every_cookie_is_secure_and_host_only() {
        let https = Cookies::for_base_url("https://clinic.example");
        let set = https.set(Cookie::StaffSession, "abc");
        assert_eq!(set, "__Host-gc_staff=abc; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert_eq!(
            https.clear(Cookie::LoginForm),
            "__Host-gc_login=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
        let plain = Cookies::for_base_url("http://127.0.0.1:3000");
        assert_eq!(
            plain.set(Cookie::StaffSession, "abc"),
            "gc_staff=abc; Path=/staff; HttpOnly; SameSite=Lax"
        );
        assert_eq!(
            plain.set(Cookie::Language, "es"),
            "gc_lang=es; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000"
        );
    }

    #[test]
    fn a_cookie_is_found_by_its_full_name_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; gc_staff=plain; __Host-gc_staff=host"));
        assert_eq!(Cookies::for_base_url("http://x").get(&headers, Cookie::StaffSession), Some("plain"));
        assert_eq!(Cookies::for_base_url("https://x").get(&headers, Cookie::StaffSession), Some("host"));
        assert_eq!(Cookies::for_base_url("https://x").get(&headers, Cookie::Language), None);
    }
}
