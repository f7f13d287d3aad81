//! Data-driven pagination: the parameters of the next page from the parameters sent and the
//! parsed output, by the same rule as `polar_core::operation::Paginated` (`page` below
//! `pagination.max_page`, or `pagination.has_next_page` for cursor-style lists; an unknown
//! list shape stops rather than loops).

use crate::codes::*;
use crate::failure::Failure;
use serde_json::{Map, Value};

/// Whether `op` lists by `page`, as the generator marked it from the spec
/// (`x-polar-pagination` lists, and `events:list`). The test `paginated_matches_the_spec`
/// checks the marks against the vendored spec.
pub(crate) fn is_paginated(op: &str) -> bool {
    polar_core::operations::ALL
        .iter()
        .any(|s| s.id == op && s.paginated)
}

/// The next page's parameters, or `None` after the last page.
pub(crate) fn next_params(
    op: &str,
    mut params: Map<String, Value>,
    output: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    if !polar_core::operations::ALL.iter().any(|s| s.id == op) {
        return Err(Failure::unknown_operation(op));
    }
    if !is_paginated(op) {
        return Err(Failure::new(
            POLAR_ERR_NOT_PAGINATED,
            "not_paginated",
            format!("`{op}` is not paginated (it has no `page` parameter)"),
        ));
    }
    let page = match params.get("page") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_i64() {
            Some(p) if p >= 1 => p,
            _ => {
                return Err(Failure::new(
                    POLAR_ERR_BUILD,
                    "invalid_parameter",
                    format!("parameter `page` must be an integer >= 1, found {v}"),
                ))
            }
        },
    };
    let pagination = output.get("pagination");
    let max_page = pagination
        .and_then(|p| p.get("max_page"))
        .and_then(Value::as_i64);
    let cursor = pagination
        .and_then(|p| p.get("has_next_page"))
        .and_then(Value::as_bool);
    let has_next = match (max_page, cursor) {
        (Some(max), _) => page < max,
        (None, Some(flag)) => flag,
        // A list shape this version does not know: stop rather than loop.
        (None, None) => false,
    };
    if !has_next {
        return Ok(None);
    }
    params.insert("page".into(), Value::from(page.saturating_add(1)));
    Ok(Some(params))
}
