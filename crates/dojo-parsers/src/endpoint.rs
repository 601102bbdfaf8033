//! Endpoints in DefectDojo's legacy shape (protocol, userinfo, host, port,
//! path, query, fragment) and its canonical string form.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub protocol: Option<String>,
    pub userinfo: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Without the leading slash, as DefectDojo stores it.
    pub path: Option<String>,
    pub query: Option<String>,
    pub fragment: Option<String>,
}

/// Ports the canonical form leaves out because the scheme implies them.
pub fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "ssh" | "sftp" => 22,
        "telnet" => 23,
        "dns" => 53,
        "gopher" => 70,
        "pop" => 110,
        "nfs" => 111,
        "nntp" => 119,
        "imap" => 143,
        "snmp" => 161,
        "irc" => 194,
        "wais" => 210,
        "ldap" => 389,
        "smb" => 445,
        "afp" => 548,
        "rtsp" => 554,
        "nntps" => 563,
        "ipp" | "ipps" => 631,
        "ldaps" => 636,
        "acap" => 674,
        "rsync" => 873,
        "mtqp" => 1038,
        "prospero" => 1525,
        "mms" => 1755,
        "dict" => 2628,
        "msrp" => 2855,
        "svn" => 3690,
        "ventrilo" => 3784,
        "rtspu" => 5005,
        "vnc" => 5900,
        "redis" => 6379,
        "ircs" => 6697,
        "git" => 9418,
        _ => return None,
    })
}

fn non_empty(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

impl Endpoint {
    pub fn host(host: impl Into<String>) -> Self {
        Endpoint {
            host: non_empty(&host.into()),
            ..Endpoint::default()
        }
    }

    /// Parses a URL the way DefectDojo's `Endpoint.from_uri` does. Without
    /// `scheme://` the whole text is a path, as in `hyperlink`; callers that
    /// hold bare host names should use [`Endpoint::host`] instead.
    pub fn from_uri(uri: &str) -> Self {
        let uri = uri.trim();
        let mut ep = Endpoint::default();
        let (scheme, rest) = if let Some(rest) = uri.strip_prefix("//") {
            (Some(""), rest)
        } else {
            match uri.find("://") {
                Some(i)
                    if i > 0
                        && uri[..i]
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
                {
                    (Some(&uri[..i]), &uri[i + 3..])
                }
                _ => (None, uri),
            }
        };
        let (rest, fragment) = match rest.split_once('#') {
            Some((a, b)) => (a, non_empty(b)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((a, b)) => (a, non_empty(b)),
            None => (rest, None),
        };
        ep.fragment = fragment;
        ep.query = query;
        let path = if let Some(scheme) = scheme {
            ep.protocol = non_empty(&scheme.to_ascii_lowercase());
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            };
            let hostport = match authority.rsplit_once('@') {
                Some((ui, hp)) => {
                    ep.userinfo = non_empty(ui);
                    hp
                }
                None => authority,
            };
            let (host, port) = split_host_port(hostport);
            ep.host = non_empty(&host.to_lowercase());
            ep.port = port.or_else(|| default_port(scheme));
            path
        } else {
            rest
        };
        let path = path.trim_start_matches('/');
        ep.path = non_empty(path);
        ep
    }
}

/// Splits `host:port`, keeping IPv6 brackets and ignoring non-numeric ports.
pub fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if s.starts_with('[') {
        if let Some(end) = s.find(']') {
            let host = &s[..=end];
            let port = s[end + 1..].strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) if p.is_empty() => (h, None),
            Err(_) => (s, None),
        },
        _ => (s, None),
    }
}

/// Percent-encodes what may not appear literally in a URI path, query or
/// fragment (DefectDojo normalises endpoints to URI form). Existing escapes
/// are kept.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

impl Endpoint {
    /// Whether DefectDojo would accept this endpoint: a URL with a scheme
    /// needs a host.
    pub fn is_valid(&self) -> bool {
        self.host.as_deref().is_some_and(|h| !h.is_empty())
            || (self.protocol.is_none() && self.path.is_some())
    }
}

impl fmt::Display for Endpoint {
    /// DefectDojo's normalised URL text: lower-case scheme and host, the
    /// port only when it differs from the scheme's default.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(host) = self.host.as_deref().filter(|h| !h.is_empty()) else {
            if let Some(p) = &self.path {
                f.write_str(p)?;
            }
            return Ok(());
        };
        // DefectDojo cannot normalise a host that is not a valid DNS name or
        // IP (e.g. "my_host") and falls back to plain concatenation, which
        // keeps the port even when it is the scheme's default.
        // A '#' inside the query or a '?'/'#' inside the path cannot be
        // rebuilt into a URL either, with the same fallback.
        let normal_host = (host.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.'))
            && !self.query.as_deref().is_some_and(|q| q.contains('#'))
            && !self.path.as_deref().is_some_and(|p| p.contains(['?', '#']));
        if !normal_host {
            if let Some(p) = &self.protocol {
                write!(f, "{p}://")?;
            }
            if let Some(u) = &self.userinfo {
                write!(f, "{u}@")?;
            }
            f.write_str(host)?;
            if let Some(port) = self.port {
                write!(f, ":{port}")?;
            }
            if let Some(p) = &self.path {
                if !p.starts_with('/') {
                    f.write_str("/")?;
                }
                f.write_str(p)?;
            }
            if let Some(q) = &self.query {
                write!(f, "?{q}")?;
            }
            if let Some(fr) = &self.fragment {
                write!(f, "#{fr}")?;
            }
            return Ok(());
        }
        if let Some(p) = &self.protocol {
            write!(f, "{}://", p.to_ascii_lowercase())?;
        }
        if let Some(u) = &self.userinfo {
            write!(f, "{u}@")?;
        }
        f.write_str(&host.to_lowercase())?;
        if let Some(port) = self.port {
            let default = self.protocol.as_deref().and_then(default_port);
            if default != Some(port) {
                write!(f, ":{port}")?;
            }
        }
        // DefectDojo always puts one slash between authority and path, so a
        // stored path of "/x" renders as "//x", exactly as it does there.
        // A query needs a path to hang from: DefectDojo writes "host/?q".
        match &self.path {
            Some(p) => {
                f.write_str("/")?;
                f.write_str(&uri_encode(p))?;
            }
            None if self.query.is_some() => f.write_str("/")?,
            None => {}
        }
        if let Some(q) = &self.query {
            write!(f, "?{}", uri_encode(q))?;
        }
        if let Some(fr) = &self.fragment {
            write!(f, "#{}", uri_encode(fr))?;
        }
        Ok(())
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("str", &self.to_string())?;
        m.serialize_entry("protocol", &self.protocol)?;
        m.serialize_entry("userinfo", &self.userinfo)?;
        m.serialize_entry("host", &self.host)?;
        m.serialize_entry("port", &self.port)?;
        m.serialize_entry("path", &self.path)?;
        m.serialize_entry("query", &self.query)?;
        m.serialize_entry("fragment", &self.fragment)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_string_drops_default_port() {
        let e = Endpoint::from_uri("HTTPS://Example.com:443/a/b?x=1#f");
        assert_eq!(e.port, Some(443));
        assert_eq!(e.path.as_deref(), Some("a/b"));
        assert_eq!(e.to_string(), "https://example.com/a/b?x=1#f");
        assert_eq!(
            Endpoint::from_uri("http://h:8080").to_string(),
            "http://h:8080"
        );
    }

    #[test]
    fn bare_host_has_no_scheme() {
        let mut e = Endpoint::host("10.0.0.1");
        e.port = Some(22);
        assert_eq!(e.to_string(), "10.0.0.1:22");
    }
}
