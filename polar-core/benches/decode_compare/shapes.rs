#![allow(dead_code)] // The shapes are decoded, never read.

//! The serde baseline: `#[derive(Deserialize)]` structs of the same shapes as the generated
//! models the bench decodes (same fields, required/optional/nullable alike, owned `String`s,
//! dates parsed into `time::OffsetDateTime` by the `time` crate's RFC 3339 parser), written
//! the way a serde user would: internally tagged enums for unions with a tag, untagged ones
//! for the others. Two simplifications, both in serde's favour: enum-typed fields are
//! `String`s (an allocation, where the models keep known values as unit variants and only
//! unknown ones as strings), and properties the shapes do not declare are ignored, not kept
//! (the models keep them in `extra`).

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// `time`'s RFC 3339 parser on a borrowed string (no allocation for the text).
fn parse_date<E: serde::de::Error>(s: &str) -> Result<OffsetDateTime, E> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(E::custom)
}

struct DateVisitor;

impl serde::de::Visitor<'_> for DateVisitor {
    type Value = OffsetDateTime;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an RFC 3339 date-time")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<OffsetDateTime, E> {
        parse_date(s)
    }
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    d.deserialize_str(DateVisitor)
}

/// A date-time that may be `null` (or absent, with `#[serde(default)]`).
struct Date(OffsetDateTime);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        date(d).map(Date)
    }
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    Ok(Option::<Date>::deserialize(d)?.map(|d| d.0))
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum MetadataValue {
    String(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum StringOrIntegerOrBooleanOrDateTime {
    String(String),
    Integer(i64),
    Boolean(bool),
}

#[derive(Deserialize)]
pub struct Address {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    pub country: String,
}

/// The fields `CustomerIndividual`, `CustomerTeam` and `OrderCustomer` share (`email` is
/// required in the first; kept optional here, which costs serde nothing).
#[derive(Deserialize)]
pub struct CustomerFields {
    pub id: String,
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub metadata: BTreeMap<String, MetadataValue>,
    #[serde(default)]
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub billing_name: Option<String>,
    pub billing_address: Option<Address>,
    pub tax_id: Option<(String, String)>,
    #[serde(default)]
    pub locale: Option<String>,
    pub organization_id: String,
    #[serde(default)]
    pub default_payment_method_id: Option<String>,
    #[serde(deserialize_with = "opt_date")]
    pub deleted_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub first_user_event_at: Option<OffsetDateTime>,
    pub avatar_url: Option<String>,
}

/// `Customer`: a union tagged by `type`.
#[derive(Deserialize)]
#[serde(tag = "type")]
pub enum Customer {
    #[serde(rename = "individual")]
    Individual(CustomerFields),
    #[serde(rename = "team")]
    Team(CustomerFields),
}

/// `OrderCustomer`: the same fields, `type` an enum-typed field.
#[derive(Deserialize)]
pub struct OrderCustomer {
    pub id: String,
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub metadata: BTreeMap<String, MetadataValue>,
    #[serde(default)]
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: Option<String>,
    pub billing_name: Option<String>,
    pub billing_address: Option<Address>,
    pub tax_id: Option<(String, String)>,
    #[serde(default)]
    pub locale: Option<String>,
    pub organization_id: String,
    #[serde(default)]
    pub default_payment_method_id: Option<String>,
    #[serde(deserialize_with = "opt_date")]
    pub deleted_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub first_user_event_at: Option<OffsetDateTime>,
    pub avatar_url: Option<String>,
}

#[derive(Deserialize)]
pub struct OrderProduct {
    pub metadata: BTreeMap<String, MetadataValue>,
    pub id: String,
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub trial_interval: Option<String>,
    pub trial_interval_count: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub visibility: String,
    pub recurring_interval: Option<String>,
    pub recurring_interval_count: Option<i64>,
    pub meter_interval: Option<String>,
    pub meter_interval_count: Option<i64>,
    pub is_recurring: bool,
    pub is_archived: bool,
    pub organization_id: String,
}

/// The four `DiscountBase` members: (fixed | percentage) x (once/forever | repeat).
macro_rules! discount {
    ($name:ident { $($field:ident: $t:ty),* }) => {
        #[derive(Deserialize)]
        pub struct $name {
            pub duration: String,
            #[serde(rename = "type")]
            pub type_: String,
            $(pub $field: $t,)*
            #[serde(deserialize_with = "date")]
            pub created_at: OffsetDateTime,
            #[serde(deserialize_with = "opt_date")]
            pub modified_at: Option<OffsetDateTime>,
            pub id: String,
            pub metadata: BTreeMap<String, MetadataValue>,
            pub name: String,
            pub code: Option<String>,
            #[serde(deserialize_with = "opt_date")]
            pub starts_at: Option<OffsetDateTime>,
            #[serde(deserialize_with = "opt_date")]
            pub ends_at: Option<OffsetDateTime>,
            pub max_redemptions: Option<i64>,
            pub max_redemptions_per_customer: Option<i64>,
            pub redemptions_count: i64,
            pub organization_id: String,
        }
    };
}
discount!(DiscountFixedRepeat { duration_in_months: i64, amount: i64, currency: String, amounts: BTreeMap<String, i64> });
discount!(DiscountFixedOnceForever { amount: i64, currency: String, amounts: BTreeMap<String, i64> });
discount!(DiscountPercentageRepeat {
    duration_in_months: i64,
    basis_points: i64
});
discount!(DiscountPercentageOnceForever { basis_points: i64 });

/// `DiscountBase`: no tag; the most specific member first, as serde takes the first that
/// fits.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum DiscountBase {
    FixedRepeat(DiscountFixedRepeat),
    PercentageRepeat(DiscountPercentageRepeat),
    FixedOnceForever(DiscountFixedOnceForever),
    PercentageOnceForever(DiscountPercentageOnceForever),
}

#[derive(Deserialize)]
pub struct OrderSubscription {
    pub metadata: BTreeMap<String, MetadataValue>,
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub recurring_interval: String,
    pub recurring_interval_count: i64,
    pub status: String,
    #[serde(deserialize_with = "date")]
    pub current_period_start: OffsetDateTime,
    #[serde(deserialize_with = "date")]
    pub current_period_end: OffsetDateTime,
    #[serde(default, deserialize_with = "opt_date")]
    pub current_meter_period_start: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "opt_date")]
    pub current_meter_period_end: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub trial_start: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub trial_end: Option<OffsetDateTime>,
    pub cancel_at_period_end: bool,
    #[serde(deserialize_with = "opt_date")]
    pub canceled_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub ends_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "opt_date")]
    pub ended_at: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "opt_date")]
    pub past_due_at: Option<OffsetDateTime>,
    pub pause_at_period_end: bool,
    #[serde(default, deserialize_with = "opt_date")]
    pub paused_at: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "opt_date")]
    pub resumes_at: Option<OffsetDateTime>,
    pub customer_id: String,
    pub product_id: String,
    pub discount_id: Option<String>,
    pub checkout_id: Option<String>,
    #[serde(default)]
    pub seats: Option<i64>,
    pub customer_cancellation_reason: Option<String>,
    pub customer_cancellation_comment: Option<String>,
}

#[derive(Deserialize)]
pub struct OrderItem {
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub id: String,
    pub label: String,
    pub amount: i64,
    pub tax_amount: i64,
    pub proration: bool,
    pub product_price_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Order {
    pub id: String,
    #[serde(deserialize_with = "date")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "opt_date")]
    pub modified_at: Option<OffsetDateTime>,
    pub status: String,
    pub paid: bool,
    pub subtotal_amount: i64,
    pub discount_amount: i64,
    pub net_amount: i64,
    pub tax_amount: i64,
    pub total_amount: i64,
    pub applied_balance_amount: i64,
    pub due_amount: i64,
    pub refunded_amount: i64,
    pub refunded_tax_amount: i64,
    pub currency: String,
    pub billing_reason: String,
    pub billing_name: Option<String>,
    pub billing_address: Option<Address>,
    pub invoice_number: Option<String>,
    pub is_invoice_generated: bool,
    pub receipt_number: Option<String>,
    #[serde(default)]
    pub seats: Option<i64>,
    pub customer_id: String,
    pub product_id: Option<String>,
    pub discount_id: Option<String>,
    pub subscription_id: Option<String>,
    pub checkout_id: Option<String>,
    #[serde(default, deserialize_with = "opt_date")]
    pub next_payment_attempt_at: Option<OffsetDateTime>,
    pub metadata: BTreeMap<String, MetadataValue>,
    #[serde(default)]
    pub custom_field_data: Option<BTreeMap<String, Option<StringOrIntegerOrBooleanOrDateTime>>>,
    pub platform_fee_amount: i64,
    pub platform_fee_currency: Option<String>,
    pub customer: OrderCustomer,
    pub product: Option<OrderProduct>,
    pub discount: Option<DiscountBase>,
    pub subscription: Option<OrderSubscription>,
    pub items: Vec<OrderItem>,
    pub description: String,
    pub refundable_amount: i64,
    pub refundable_tax_amount: i64,
}

#[derive(Deserialize)]
pub struct Pagination {
    pub total_count: i64,
    pub max_page: i64,
}

#[derive(Deserialize)]
pub struct ListResourceOrder {
    pub items: Vec<Order>,
    pub pagination: Pagination,
}

/// `WebhookPayload`, of which the bench decodes `order.paid`: events tagged by `type`.
#[derive(Deserialize)]
#[serde(tag = "type")]
pub enum WebhookPayload {
    #[serde(rename = "order.created")]
    OrderCreated {
        #[serde(deserialize_with = "date")]
        timestamp: OffsetDateTime,
        data: Order,
    },
    #[serde(rename = "order.paid")]
    OrderPaid {
        #[serde(deserialize_with = "date")]
        timestamp: OffsetDateTime,
        data: Order,
    },
}
