//! Reading presented credentials, masking them the way providers print them in errors, and the
//! form encoding credentials travel in.

/// `Authorization: Bearer X` → `X` (scheme case-insensitive).
pub(crate) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// OpenAI's mask in "Incorrect API key provided": a few leading characters, `***`, the last four.
/// Short keys are hidden entirely so the fake never echoes a key by accident.
pub(crate) fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "***".to_owned();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}***{tail}")
}

/// The value of `name` in a raw query string, percent-decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// Decode `%XX` escapes and `+` (form encoding); malformed escapes stay as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `application/x-www-form-urlencoded` encoding of one name or value: the WHATWG set kept as it
/// is, space as `+`, every other byte as `%XX`.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_openai() {
        assert_eq!(mask("sk-abcdefghijklmnopwxyz"), "sk-ab***wxyz");
        assert_eq!(mask("short"), "***");
    }

    #[test]
    fn reads_bearer_tokens() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn reads_query_params() {
        assert_eq!(
            query_param(Some("alt=sse&key=a%2Bb"), "key").as_deref(),
            Some("a+b")
        );
        assert_eq!(query_param(Some("alt=sse"), "key"), None);
        assert_eq!(query_param(None, "key"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%3a%3A%zz"), "::%zz");
    }

    #[test]
    fn form_encoding_round_trips() {
        assert_eq!(form_encode("tpx-A.b_c*9"), "tpx-A.b_c*9");
        assert_eq!(form_encode("a b+c/d=é&"), "a+b%2Bc%2Fd%3D%C3%A9%26");
        let odd = "a b+c/d=é&%~:";
        assert_eq!(percent_decode(&form_encode(odd)), odd);
    }
}
