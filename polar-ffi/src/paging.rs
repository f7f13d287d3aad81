//! Data-driven pagination: the parameters of the next page from the parameters sent and the
//! parsed output, by the same rule as `polar_core::operation::Paginated` (`page` below
//! `pagination.max_page`, or `pagination.has_next_page` for cursor-style lists; an unknown
//! list shape stops rather than loops).

use crate::codes::*;
use crate::failure::Failure;
use serde_json::{Map, Value};

/// The operations with a `page` parameter (`x-polar-pagination` lists, and `events:list`),
/// sorted. The test `paginated_matches_the_spec` checks this against the vendored spec.
pub(crate) const PAGINATED: &[&str] = &[
    "benefit-grants:list",
    "benefits:files",
    "benefits:grants",
    "benefits:list",
    "checkout-links:list",
    "checkouts:list",
    "custom-fields:list",
    "customer_meters:list",
    "customer_portal:benefit-grants:list",
    "customer_portal:customer_meters:list",
    "customer_portal:customers:list_payment_methods",
    "customer_portal:downloadables:list",
    "customer_portal:license_keys:list",
    "customer_portal:members:list_members",
    "customer_portal:orders:list",
    "customer_portal:seats:list_claimed_subscriptions",
    "customer_portal:subscriptions:list",
    "customer_portal:wallets:list",
    "customers:list",
    "customers:list_payment_methods",
    "customers:list_payment_methods_external",
    "discounts:list",
    "disputes:list",
    "event-types:list",
    "events:list",
    "events:list_names",
    "files:list",
    "license_keys:list",
    "members:list_members",
    "meters:list",
    "orders:list",
    "organizations:list",
    "payments:list",
    "products:list",
    "refunds:list",
    "subscriptions:list",
    "webhooks:list_webhook_deliveries",
    "webhooks:list_webhook_endpoints",
];

pub(crate) fn is_paginated(op: &str) -> bool {
    PAGINATED.binary_search(&op).is_ok()
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
