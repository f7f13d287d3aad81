//! Turning the spec's names into Rust identifiers, deterministically.

/// Splits a name into words: on any non-alphanumeric character, on lower-to-upper
/// boundaries (`customerId`) and before the last capital of an acronym (`IDCreate`).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut cur = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = if i > 0 { Some(chars[i - 1]) } else { None };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if c.is_ascii_uppercase() => {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                }
                _ => false,
            };
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// `ListResource_Customer_` -> `ListResourceCustomer`, `HTTPValidationError` -> `HttpValidationError`.
pub fn pascal(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            s.push(f.to_ascii_uppercase());
            s.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    s
}

/// `cf-turnstile-response` -> `cf_turnstile_response`, `customerID` -> `customer_id`.
pub fn snake(name: &str) -> String {
    let s = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    let s = if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{s}")
    } else {
        s
    };
    if is_keyword(&s) {
        format!("{s}_")
    } else {
        s
    }
}

/// Enum variant for a string value: `-created_at` -> `CreatedAtDesc` (Polar's sort
/// syntax), `user:read` -> `UserRead`, `checkout.created` -> `CheckoutCreated`.
pub fn enum_variant(value: &str) -> String {
    if let Some(rest) = value.strip_prefix('-') {
        if !rest.is_empty() {
            return format!("{}Desc", pascal(rest));
        }
    }
    if value.is_empty() {
        return "Empty".into();
    }
    let p = pascal(value);
    if p == "V" {
        // Nothing alphanumeric in the value (e.g. "+"): spell its bytes.
        let hex: String = value.bytes().map(|b| format!("{b:02X}")).collect();
        return format!("X{hex}");
    }
    p
}

/// Makes names unique within one scope: a repeated name gets `2`, `3`, ... in the
/// order given, which callers keep fixed (spec order), so names never shuffle.
pub fn dedupe(names: Vec<String>, reserved: &[&str]) -> Vec<String> {
    let mut seen: std::collections::BTreeSet<String> =
        reserved.iter().map(|s| s.to_string()).collect();
    names
        .into_iter()
        .map(|n| {
            if seen.insert(n.clone()) {
                return n;
            }
            let mut i = 2;
            loop {
                let cand = format!("{n}{i}");
                if seen.insert(cand.clone()) {
                    return cand;
                }
                i += 1;
            }
        })
        .collect()
}

pub fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// Rust string literal for `s`.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_cases() {
        assert_eq!(pascal("ListResource_Customer_"), "ListResourceCustomer");
        assert_eq!(pascal("HTTPValidationError"), "HttpValidationError");
        assert_eq!(
            pascal("CustomerSessionCustomerIDCreate"),
            "CustomerSessionCustomerIdCreate"
        );
        assert_eq!(pascal("CostMetadata-Input"), "CostMetadataInput");
        assert_eq!(pascal("S3FileCreatePart"), "S3FileCreatePart");
        assert_eq!(
            pascal("Body_email-update_verify_email_update"),
            "BodyEmailUpdateVerifyEmailUpdate"
        );
        assert_eq!(pascal("3ds"), "V3ds");
    }

    #[test]
    fn snake_cases() {
        assert_eq!(snake("cf-turnstile-response"), "cf_turnstile_response");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("_cost"), "cost");
        assert_eq!(snake("customerID"), "customer_id");
    }

    #[test]
    fn enum_variants() {
        assert_eq!(enum_variant("-created_at"), "CreatedAtDesc");
        assert_eq!(enum_variant("created_at"), "CreatedAt");
        assert_eq!(enum_variant("user:read"), "UserRead");
        assert_eq!(enum_variant("checkout.created"), "CheckoutCreated");
        assert_eq!(enum_variant(""), "Empty");
        assert_eq!(
            dedupe(vec!["A".into(), "B".into(), "A".into()], &["Unknown"]),
            vec!["A", "B", "A2"]
        );
        assert_eq!(
            dedupe(vec!["Unknown".into()], &["Unknown"]),
            vec!["Unknown2"]
        );
    }
}
