//! The rules the generated models follow, one test per rule, each on real schemas of the
//! vendored spec: open string enums, enum variant names, discriminated and undiscriminated
//! unions, the three states of request fields, maps and tuples, dates, unknown properties,
//! errors that name the JSON path, and the serde integration.

use polarsh_core::json::{from_slice, to_vec, DecodeError, FromJson, Path, ToJson};
use polarsh_core::models::{
    AnyProductPrice, Benefit, BenefitGrantWebhook, BenefitVisibility, CountAggregation, Customer,
    CustomerCreate, CustomerIndividual, CustomerSortProperty, CustomerUpdate, Discount,
    DiscountDuration, DiscountType, DiscountUpdate, Event, Filter, FilterClausesItem,
    FilterConjunction, FilterOperator, LegacyRecurringProductPrice, ListResourceCustomer,
    MetadataValue, MetricPeriod, MetricsLimits, Pagination, PresentmentCurrency, Product,
    ProductPrice, Scope, StringOrIntegerOrBoolean, SubscriptionUpdate, SystemEvent, TaxIdFormat,
    WebhookEventType, WebhookPayload,
};
use polarsh_core::{Patch, Str};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Helpers and fixtures
// ---------------------------------------------------------------------------------------------

/// Decodes `value` into `T`, failing the test with the decode error.
fn decode<T: FromJson>(value: &Value) -> T {
    T::from_json(value, &Path::Root)
        .unwrap_or_else(|e| panic!("{} did not decode: {e}", std::any::type_name::<T>()))
}

/// Decodes `value` into `T`, expecting an error.
fn decode_err<T: FromJson + std::fmt::Debug>(value: &Value) -> DecodeError {
    match T::from_json(value, &Path::Root) {
        Ok(v) => panic!("expected a decode error, got {v:?}"),
        Err(e) => e,
    }
}

/// Decodes `value` into `T` and checks that encoding it gives `value` back.
fn round_trip<T: FromJson + ToJson>(value: &Value) -> T {
    let decoded: T = decode(value);
    assert_eq!(decoded.to_json(), *value, "round trip changed the JSON");
    decoded
}

const ORG: &str = "1dbfc517-0bbf-4301-9ba8-555ca42b9737";

/// An individual customer as Polar sends it.
fn individual_json() -> Value {
    json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "created_at": "2025-01-02T03:04:05.123456Z",
        "modified_at": null,
        "metadata": {"plan": "pro", "seats": 3, "ratio": 1.5, "vip": true},
        "external_id": "usr_1337",
        "email": "ada@example.com",
        "email_verified": true,
        "type": "individual",
        "name": "Ada Lovelace",
        "billing_name": null,
        "billing_address": {"country": "FR", "city": "Paris"},
        "tax_id": ["FR40303265045", "eu_vat"],
        "locale": "fr",
        "organization_id": ORG,
        "deleted_at": null,
        "first_user_event_at": null,
        "avatar_url": null
    })
}

/// A team customer as Polar sends it.
fn team_json() -> Value {
    json!({
        "id": "5c3bd1a6-6b1d-4b5b-9b52-2b9f3f1b9d2c",
        "created_at": "2025-01-02T03:04:05Z",
        "modified_at": "2025-02-03T04:05:06Z",
        "metadata": {},
        "email": "billing@acme.test",
        "email_verified": false,
        "type": "team",
        "name": "Acme",
        "billing_name": "Acme Inc.",
        "billing_address": null,
        "tax_id": null,
        "organization_id": ORG,
        "deleted_at": null,
        "first_user_event_at": "2024-12-31T23:59:59Z",
        "avatar_url": "https://example.com/acme.png"
    })
}

fn benefit_custom_json() -> Value {
    json!({
        "id": "b1b1b1b1-0000-4000-8000-000000000001",
        "created_at": "2025-01-01T00:00:00Z",
        "modified_at": null,
        "type": "custom",
        "description": "Priority support",
        "selectable": true,
        "deletable": true,
        "is_deleted": false,
        "organization_id": ORG,
        "metadata": {},
        "visibility": "public",
        "properties": {"note": "Write to support@example.com"},
        "visibility_configurable": true
    })
}

fn benefit_discord_json() -> Value {
    json!({
        "id": "b1b1b1b1-0000-4000-8000-000000000002",
        "created_at": "2025-01-01T00:00:00Z",
        "modified_at": null,
        "type": "discord",
        "description": "Discord role",
        "selectable": true,
        "deletable": true,
        "is_deleted": false,
        "organization_id": ORG,
        "metadata": {},
        "visibility": "public",
        "properties": {
            "guild_id": "g1",
            "role_id": "r1",
            "kick_member": false,
            "guild_token": "t1"
        },
        "visibility_configurable": true
    })
}

/// The common part of the four discount schemas.
fn discount_base(type_: &str, duration: &str) -> Value {
    json!({
        "duration": duration,
        "type": type_,
        "created_at": "2025-01-01T00:00:00Z",
        "modified_at": null,
        "id": "d0d0d0d0-0000-4000-8000-000000000000",
        "metadata": {},
        "name": "Launch",
        "code": "LAUNCH",
        "starts_at": null,
        "ends_at": null,
        "max_redemptions": null,
        "max_redemptions_per_customer": null,
        "redemptions_count": 0,
        "organization_id": ORG,
        "products": []
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    let obj = base.as_object_mut().expect("an object");
    for (k, v) in extra.as_object().expect("an object") {
        obj.insert(k.clone(), v.clone());
    }
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().expect("an object").remove(key);
    base
}

fn price_common(amount_type: &str) -> Value {
    json!({
        "created_at": "2025-01-01T00:00:00Z",
        "modified_at": null,
        "id": "p0p0p0p0-0000-4000-8000-000000000000",
        "source": "catalog",
        "amount_type": amount_type,
        "price_currency": "usd",
        "tax_behavior": null,
        "is_archived": false,
        "product_id": "a0a0a0a0-0000-4000-8000-000000000000"
    })
}

// ---------------------------------------------------------------------------------------------
// 1. String enums keep unknown values
// ---------------------------------------------------------------------------------------------

#[test]
fn string_enums_keep_unknown_values() {
    // Known values decode to their variant.
    let known: WebhookEventType = decode(&json!("checkout.created"));
    assert_eq!(known, WebhookEventType::CheckoutCreated);
    assert_eq!(known.to_json(), json!("checkout.created"));

    // An unknown value is kept as sent and written back unchanged.
    let unknown: WebhookEventType = decode(&json!("subscription.teleported"));
    assert_eq!(
        unknown,
        WebhookEventType::Unknown("subscription.teleported".to_owned())
    );
    assert_eq!(unknown.as_str(), "subscription.teleported");
    assert_eq!(unknown.to_string(), "subscription.teleported");
    assert_eq!(unknown.to_json(), json!("subscription.teleported"));

    // `as_str` and `Display` give the wire value.
    assert_eq!(
        BenefitVisibility::Private.as_str(),
        "private",
        "as_str of a known variant"
    );
    assert_eq!(format!("{}", BenefitVisibility::Public), "public");
    assert_eq!(BenefitVisibility::from("draft"), BenefitVisibility::Draft);

    // Inside a struct: an unknown visibility does not fail the benefit and round-trips.
    let v = with(benefit_custom_json(), json!({"visibility": "members_only"}));
    let benefit: Benefit = round_trip(&v);
    let Benefit::Custom(b) = benefit else {
        panic!("expected Benefit::Custom, got {benefit:?}")
    };
    assert_eq!(
        b.visibility,
        BenefitVisibility::Unknown("members_only".to_owned())
    );

    // A non-string is an error, not an unknown value.
    let err = decode_err::<WebhookEventType>(&json!(42));
    assert_eq!(err.path, "$");
    assert!(err.message.contains("string"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// 2. Enum variant names
// ---------------------------------------------------------------------------------------------

#[test]
fn enum_variant_names_are_readable() {
    // A sort enum keeps `created_at` and `-created_at` apart.
    assert_eq!(CustomerSortProperty::CreatedAt.as_str(), "created_at");
    assert_eq!(CustomerSortProperty::CreatedAtDesc.as_str(), "-created_at");
    assert_eq!(CustomerSortProperty::NameDesc.as_str(), "-name");
    assert_eq!(
        decode::<CustomerSortProperty>(&json!("-created_at")),
        CustomerSortProperty::CreatedAtDesc
    );
    assert_eq!(
        decode::<CustomerSortProperty>(&json!("created_at")),
        CustomerSortProperty::CreatedAt
    );

    // Scopes (`user:read`) and webhook event types (`checkout.created`).
    assert_eq!(Scope::UserRead.as_str(), "user:read");
    assert_eq!(Scope::CustomFieldsWrite.as_str(), "custom_fields:write");
    assert_eq!(decode::<Scope>(&json!("user:read")), Scope::UserRead);
    assert_eq!(
        WebhookEventType::CheckoutCreated.as_str(),
        "checkout.created"
    );
    assert_eq!(
        WebhookEventType::CustomerDeleted.as_str(),
        "customer.deleted"
    );
    assert_eq!(
        decode::<WebhookEventType>(&json!("customer.deleted")),
        WebhookEventType::CustomerDeleted
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Unions with a discriminator
// ---------------------------------------------------------------------------------------------

#[test]
fn discriminated_unions_dispatch_on_the_tag() {
    // Customer by `type`.
    let individual: Customer = round_trip(&individual_json());
    let Customer::Individual(c) = &individual else {
        panic!("expected Customer::Individual, got {individual:?}")
    };
    assert_eq!(c.email, "ada@example.com");
    assert_eq!(c.name.as_deref(), Some("Ada Lovelace"));

    let team: Customer = round_trip(&team_json());
    let Customer::Team(t) = &team else {
        panic!("expected Customer::Team, got {team:?}")
    };
    assert_eq!(t.name.as_deref(), Some("Acme"));
    assert_eq!(t.email.as_deref(), Some("billing@acme.test"));

    // An unknown tag is kept, raw, and written back as it came.
    let robot = json!({"type": "robot", "id": "x", "serial": [1, 2, 3]});
    let decoded: Customer = decode(&robot);
    assert_eq!(decoded, Customer::Unknown(robot.clone()));
    assert_eq!(decoded.to_json(), robot);

    // Benefit by `type`.
    let custom: Benefit = round_trip(&benefit_custom_json());
    let Benefit::Custom(b) = &custom else {
        panic!("expected Benefit::Custom, got {custom:?}")
    };
    assert_eq!(b.description, "Priority support");
    assert_eq!(
        b.properties.note,
        Some("Write to support@example.com".into())
    );

    let discord: Benefit = round_trip(&benefit_discord_json());
    let Benefit::Discord(d) = &discord else {
        panic!("expected Benefit::Discord, got {discord:?}")
    };
    assert_eq!(d.properties.guild_id, "g1");
    assert!(!d.properties.kick_member);

    let future = with(benefit_custom_json(), json!({"type": "nft_airdrop"}));
    let decoded: Benefit = decode(&future);
    assert_eq!(decoded, Benefit::Unknown(future.clone()));
    assert_eq!(decoded.to_json(), future);
}

// ---------------------------------------------------------------------------------------------
// 4. Nested discriminators
// ---------------------------------------------------------------------------------------------

#[test]
fn nested_discriminators_reach_the_inner_variant() {
    let reset = json!({
        "id": "e0e0e0e0-0000-4000-8000-000000000000",
        "timestamp": "2025-03-04T05:06:07.5Z",
        "organization_id": ORG,
        "customer_id": null,
        "customer": null,
        "external_customer_id": null,
        "label": "Meter reset",
        "source": "system",
        "name": "meter.reset",
        "metadata": {"meter_id": "m0m0m0m0-0000-4000-8000-000000000000"}
    });
    let event: Event = round_trip(&reset);
    let Event::SystemEvent(SystemEvent::MeterResetEvent(e)) = &event else {
        panic!("expected Event::SystemEvent(MeterResetEvent), got {event:?}")
    };
    assert_eq!(e.metadata.meter_id, "m0m0m0m0-0000-4000-8000-000000000000");
    assert_eq!(e.label, "Meter reset");

    // A system event this SDK does not know stays a system event.
    let future = with(reset.clone(), json!({"name": "meter.exploded"}));
    let event: Event = decode(&future);
    assert_eq!(
        event,
        Event::SystemEvent(SystemEvent::Unknown(future.clone()))
    );
    assert_eq!(event.to_json(), future);

    // A user event goes to the other branch.
    let user = with(
        reset,
        json!({"source": "user", "name": "api_call", "metadata": {"tokens": 12}}),
    );
    let event: Event = decode(&user);
    let Event::UserEvent(u) = &event else {
        panic!("expected Event::UserEvent, got {event:?}")
    };
    assert_eq!(u.name, "api_call");
    assert_eq!(event.to_json(), user);

    // An unknown source is kept as sent.
    let other = json!({"source": "partner", "name": "x"});
    assert_eq!(decode::<Event>(&other), Event::Unknown(other.clone()));
}

// ---------------------------------------------------------------------------------------------
// 5. Unions without a discriminator
// ---------------------------------------------------------------------------------------------

#[test]
fn union_decided_by_a_const() {
    // CustomerCreate is a oneOf without discriminator; `type` is a const in each member
    // (optional, defaulting to `individual`, in CustomerIndividualCreate).
    let v = json!({"email": "ada@example.com"});
    let c: CustomerCreate = round_trip(&v);
    let CustomerCreate::CustomerIndividualCreate(i) = &c else {
        panic!("expected CustomerIndividualCreate, got {c:?}")
    };
    assert_eq!(i.email, "ada@example.com");
    assert_eq!(i.type_, None);

    let v = json!({"type": "individual", "email": "ada@example.com", "name": "Ada"});
    let c: CustomerCreate = round_trip(&v);
    assert!(
        matches!(c, CustomerCreate::CustomerIndividualCreate(_)),
        "{c:?}"
    );

    let v = json!({"type": "team", "name": "Acme", "email": "billing@acme.test"});
    let c: CustomerCreate = round_trip(&v);
    let CustomerCreate::CustomerTeamCreate(t) = &c else {
        panic!("expected CustomerTeamCreate, got {c:?}")
    };
    assert_eq!(t.name, Patch::Set("Acme".into()));

    // A team without an email is still a team (email is optional there).
    let v = json!({"type": "team", "name": "Acme"});
    assert!(matches!(
        decode::<CustomerCreate>(&v),
        CustomerCreate::CustomerTeamCreate(_)
    ));

    // Matches no member: kept as Unknown.
    let v = json!({"type": "robot", "email": "r@example.com"});
    assert_eq!(
        decode::<CustomerCreate>(&v),
        CustomerCreate::Unknown(v.clone())
    );
}

#[test]
fn union_decided_by_two_fields() {
    let fixed = json!({"amount": 1000, "currency": "usd", "amounts": {"usd": 1000, "eur": 900}});

    let once = with(discount_base("fixed", "once"), fixed.clone());
    let d: Discount = round_trip(&once);
    let Discount::FixedOnceForeverDuration(f) = &d else {
        panic!("expected FixedOnceForeverDuration, got {d:?}")
    };
    assert_eq!(f.duration, DiscountDuration::Once);
    assert_eq!(f.type_, DiscountType::Fixed);
    assert_eq!(f.amounts.get("eur"), Some(&900));

    let repeating = with(
        discount_base("fixed", "repeating"),
        with(fixed, json!({"duration_in_months": 3})),
    );
    let d: Discount = round_trip(&repeating);
    let Discount::FixedRepeatDuration(f) = &d else {
        panic!("expected FixedRepeatDuration, got {d:?}")
    };
    assert_eq!(f.duration, DiscountDuration::Repeating);
    assert_eq!(f.duration_in_months, 3);

    let pct_forever = with(
        discount_base("percentage", "forever"),
        json!({"basis_points": 1000}),
    );
    let d: Discount = round_trip(&pct_forever);
    let Discount::PercentageOnceForeverDuration(p) = &d else {
        panic!("expected PercentageOnceForeverDuration, got {d:?}")
    };
    assert_eq!(p.duration, DiscountDuration::Forever);
    assert_eq!(p.basis_points, 1000);

    let pct_repeating = with(
        discount_base("percentage", "repeating"),
        json!({"basis_points": 2500, "duration_in_months": 12}),
    );
    let d: Discount = round_trip(&pct_repeating);
    let Discount::PercentageRepeatDuration(p) = &d else {
        panic!("expected PercentageRepeatDuration, got {d:?}")
    };
    assert_eq!(p.type_, DiscountType::Percentage);
    assert_eq!(p.duration_in_months, 12);

    // Matches no member.
    let v = json!({"type": "fixed", "duration": "once"});
    assert_eq!(decode::<Discount>(&v), Discount::Unknown(v.clone()));
}

#[test]
fn union_decided_by_a_nested_field() {
    // BenefitGrantWebhook members differ only in the type of `benefit` (`benefit.type`).
    let grant = |benefit: Value, properties: Value| {
        json!({
            "created_at": "2025-01-01T00:00:00Z",
            "modified_at": null,
            "id": "a1a1a1a1-0000-4000-8000-000000000000",
            "is_granted": true,
            "is_revoked": false,
            "subscription_id": null,
            "order_id": "c1c1c1c1-0000-4000-8000-000000000000",
            "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
            "benefit_id": benefit["id"].clone(),
            "customer": individual_json(),
            "benefit": benefit,
            "properties": properties
        })
    };

    let custom = grant(benefit_custom_json(), json!({}));
    let g: BenefitGrantWebhook = round_trip(&custom);
    let BenefitGrantWebhook::BenefitGrantCustomWebhook(c) = &g else {
        panic!("expected BenefitGrantCustomWebhook, got {g:?}")
    };
    assert_eq!(c.benefit.description, "Priority support");

    let discord = grant(benefit_discord_json(), json!({}));
    let g: BenefitGrantWebhook = round_trip(&discord);
    assert!(
        matches!(g, BenefitGrantWebhook::BenefitGrantDiscordWebhook(_)),
        "{g:?}"
    );

    let discord = grant(
        benefit_discord_json(),
        json!({"guild_id": "g1", "role_id": "r1", "granted_account_id": "acc"}),
    );
    let g: BenefitGrantWebhook = round_trip(&discord);
    let BenefitGrantWebhook::BenefitGrantDiscordWebhook(d) = &g else {
        panic!("expected BenefitGrantDiscordWebhook, got {g:?}")
    };
    assert_eq!(d.properties.guild_id.as_deref(), Some("g1"));

    // A benefit type no member has: Unknown, kept as sent.
    let future = grant(
        with(benefit_custom_json(), json!({"type": "nft_airdrop"})),
        json!({}),
    );
    let g: BenefitGrantWebhook = decode(&future);
    assert_eq!(g, BenefitGrantWebhook::Unknown(future.clone()));
    assert_eq!(g.to_json(), future);
}

#[test]
fn union_with_overlapping_tags_in_product_prices() {
    let legacy = with(
        price_common("fixed"),
        json!({"type": "recurring", "recurring_interval": "month", "price_amount": 900, "legacy": true}),
    );
    let current = with(price_common("fixed"), json!({"price_amount": 1500}));
    let custom = with(
        price_common("custom"),
        json!({"minimum_amount": 500, "maximum_amount": null, "preset_amount": 1000}),
    );
    let product = json!({
        "id": "a0a0a0a0-0000-4000-8000-000000000000",
        "created_at": "2025-01-01T00:00:00Z",
        "modified_at": null,
        "trial_interval": null,
        "trial_interval_count": null,
        "name": "Pro",
        "description": null,
        "visibility": "public",
        "recurring_interval": "month",
        "recurring_interval_count": 1,
        "meter_interval": null,
        "meter_interval_count": null,
        "is_recurring": true,
        "is_archived": false,
        "organization_id": ORG,
        "metadata": {},
        "prices": [legacy, current, custom],
        "benefits": [benefit_custom_json()],
        "medias": [],
        "attached_custom_fields": []
    });
    let p: Product = round_trip(&product);
    assert_eq!(p.prices.len(), 3);
    let AnyProductPrice::LegacyRecurringProductPrice(LegacyRecurringProductPrice::Fixed(l)) =
        &p.prices[0]
    else {
        panic!("expected a legacy fixed price, got {:?}", p.prices[0])
    };
    assert_eq!(l.price_amount, 900);
    let AnyProductPrice::ProductPrice(ProductPrice::Fixed(f)) = &p.prices[1] else {
        panic!("expected a current fixed price, got {:?}", p.prices[1])
    };
    assert_eq!(f.price_amount, 1500);
    let AnyProductPrice::ProductPrice(ProductPrice::Custom(c)) = &p.prices[2] else {
        panic!("expected a current custom price, got {:?}", p.prices[2])
    };
    assert_eq!(c.minimum_amount, 500);
    assert!(matches!(p.benefits[0], Benefit::Custom(_)));
}

#[test]
fn union_accessors_read_what_every_variant_shares() {
    use polarsh_core::models::{ProductPriceSource, RecurringInterval};
    use time::macros::datetime;

    // A property every variant has, required in one and nullable in the other.
    let ada: Customer = decode(&individual_json());
    let acme: Customer = decode(&team_json());
    assert_eq!(ada.email(), Some("ada@example.com"));
    assert_eq!(acme.email(), Some("billing@acme.test"));
    assert_eq!(ada.id(), Some("992fae2a-2a17-4b7a-8d9e-e287cf90131b"));
    assert_eq!(ada.modified_at(), None);
    assert_eq!(acme.modified_at(), Some(datetime!(2025-02-03 04:05:06 UTC)));
    // The tag: a constant of each variant.
    assert_eq!(
        (ada.type_(), acme.type_()),
        (Some("individual"), Some("team"))
    );
    assert_eq!(ada.metadata().map(|m| m.len()), Some(4));
    let without_email: Customer = decode(&with(team_json(), json!({"email": null})));
    assert_eq!(without_email.email(), None);

    // A variant this SDK does not know: read from the JSON that was kept, where it can be.
    let robot: Customer = decode(&with(
        team_json(),
        json!({"type": "robot", "email": "r2@example.com", "email_verified": "yes"}),
    ));
    assert!(matches!(robot, Customer::Unknown(_)));
    assert_eq!(robot.type_(), Some("robot"));
    assert_eq!(robot.email(), Some("r2@example.com"));
    assert_eq!(robot.created_at(), Some(datetime!(2025-01-02 03:04:05 UTC)));
    // Of another type than the known variants': `None`, not a guess.
    assert_eq!(robot.email_verified(), None);
    // A map is not decoded out of the kept JSON.
    assert_eq!(robot.metadata(), None);

    let benefits: Vec<Benefit> = vec![
        decode(&benefit_custom_json()),
        decode(&benefit_discord_json()),
    ];
    let ids: Vec<Option<&str>> = benefits.iter().map(Benefit::id).collect();
    assert_eq!(
        ids,
        [
            Some("b1b1b1b1-0000-4000-8000-000000000001"),
            Some("b1b1b1b1-0000-4000-8000-000000000002")
        ]
    );

    // Through a nested union (`ProductPrice` inside `AnyProductPrice`) and a string enum.
    let legacy: AnyProductPrice = decode(&with(
        price_common("fixed"),
        json!({"type": "recurring", "recurring_interval": "month", "price_amount": 900, "legacy": true}),
    ));
    let custom: AnyProductPrice = decode(&with(
        price_common("custom"),
        json!({"minimum_amount": 500, "maximum_amount": null, "preset_amount": 1000}),
    ));
    assert_eq!(legacy.amount_type(), Some("fixed"));
    assert_eq!(custom.amount_type(), Some("custom"));
    assert_eq!(custom.source(), Some(ProductPriceSource::Catalog));
    assert_eq!(custom.is_archived(), Some(false));
    assert!(matches!(
        custom,
        AnyProductPrice::ProductPrice(ProductPrice::Custom(_))
    ));
    let AnyProductPrice::LegacyRecurringProductPrice(l) = &legacy else {
        panic!("expected a legacy price, got {legacy:?}")
    };
    assert_eq!(l.recurring_interval(), Some(RecurringInterval::Month));
    // An amount type Polar adds later: still read, as a string.
    let metered: AnyProductPrice = decode(&with(price_common("metered_v2"), json!({})));
    assert_eq!(metered.amount_type(), Some("metered_v2"));
    assert_eq!(metered.source(), Some(ProductPriceSource::Catalog));
}

#[test]
fn product_price_matching_no_member_is_unknown() {
    // Only `legacy: true` tells a legacy price from a current one. A price with a new
    // `amount_type` and no `legacy` flag must not be filed as a legacy price.
    let v = with(price_common("tiered"), json!({"price_amount": 100}));
    let item: AnyProductPrice = decode(&v);
    assert!(
        !matches!(item, AnyProductPrice::LegacyRecurringProductPrice(_)),
        "a price without `legacy: true` decoded as legacy: {item:?}"
    );
    assert_eq!(item.to_json(), v);

    // Not an object at all: matches no member.
    let v = json!("free");
    assert_eq!(
        decode::<AnyProductPrice>(&v),
        AnyProductPrice::Unknown(v.clone())
    );
}

#[test]
fn a_union_that_falls_back_to_unknown_says_which_member_came_closest_and_why() {
    // A fixed discount with a bad date: no member of the undiscriminated union fits, the
    // value is kept whole, and the error of the member that came closest is reachable (the
    // date, not the percentage members' missing `basis_points`).
    let fixed = json!({"amount": 1000, "currency": "usd", "amounts": {"usd": 1000}});
    let v = with(
        with(discount_base("fixed", "once"), fixed),
        json!({"created_at": "yesterday"}),
    );
    let d: Discount = decode(&v);
    assert_eq!(d, Discount::Unknown(v.clone()));
    let why = d.unknown_reason().expect("a reason");
    assert_eq!(
        why.to_string(),
        r#"invalid JSON at $.created_at: expected an RFC 3339 date-time, found "yesterday""#
    );

    // A known member has no reason; nor has a discriminated union's unknown tag, a newer
    // variant rather than a mismatch.
    assert_eq!(
        decode::<Customer>(&individual_json()).unknown_reason(),
        None
    );
    let v = with(
        discount_base("percentage", "once"),
        json!({"basis_points": 1}),
    );
    assert_eq!(decode::<Discount>(&v).unknown_reason(), None);
    let benefit: Benefit = decode(&json!({"type": "telepathy", "id": "x"}));
    assert!(matches!(benefit, Benefit::Unknown(_)));
    assert_eq!(benefit.unknown_reason(), None);
    // A value of another kind: every member fails at the root; one of them is reported.
    let why = AnyProductPrice::Unknown(json!("free"))
        .unknown_reason()
        .expect("a reason");
    assert_eq!(why.path, "$");
}

#[test]
fn union_decided_by_shape() {
    let v = json!({"product_id": "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23"});
    let u: SubscriptionUpdate = round_trip(&v);
    let SubscriptionUpdate::Base(b) = &u else {
        panic!("expected SubscriptionUpdate::Base, got {u:?}")
    };
    assert_eq!(
        b.product_id,
        Patch::Set("d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23".into())
    );

    let v = json!({"cancel_at_period_end": true});
    let u: SubscriptionUpdate = round_trip(&v);
    let SubscriptionUpdate::SubscriptionCancel(c) = &u else {
        panic!("expected SubscriptionCancel, got {u:?}")
    };
    assert!(c.cancel_at_period_end);
    assert!(c.customer_cancellation_reason.is_absent());

    let v = json!({"revoke": true, "customer_cancellation_comment": "bye"});
    let u: SubscriptionUpdate = round_trip(&v);
    let SubscriptionUpdate::SubscriptionRevoke(r) = &u else {
        panic!("expected SubscriptionRevoke, got {u:?}")
    };
    assert_eq!(r.customer_cancellation_comment, Patch::Set("bye".into()));

    let v = json!({"seats": 5});
    let u: SubscriptionUpdate = round_trip(&v);
    assert!(
        matches!(&u, SubscriptionUpdate::Seats(s) if s.seats == 5),
        "{u:?}"
    );

    let v = json!({"resume": true});
    let u: SubscriptionUpdate = round_trip(&v);
    assert!(
        matches!(u, SubscriptionUpdate::SubscriptionResume(_)),
        "{u:?}"
    );

    let v = json!({"pause_at_period_end": true});
    let u: SubscriptionUpdate = round_trip(&v);
    assert!(
        matches!(u, SubscriptionUpdate::SubscriptionPause(_)),
        "{u:?}"
    );

    let v = json!({"pending_update": null});
    let u: SubscriptionUpdate = round_trip(&v);
    assert!(matches!(u, SubscriptionUpdate::Clear(_)), "{u:?}");

    let v = json!({"current_billing_period_end": "2025-07-01T00:00:00Z"});
    let u: SubscriptionUpdate = round_trip(&v);
    assert!(matches!(u, SubscriptionUpdate::BillingPeriod(_)), "{u:?}");

    // Matches no member.
    for v in [json!("cancel"), json!(42), json!([{"revoke": true}])] {
        assert_eq!(
            decode::<SubscriptionUpdate>(&v),
            SubscriptionUpdate::Unknown(v.clone())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Three states in request bodies
// ---------------------------------------------------------------------------------------------

#[test]
fn request_fields_have_three_states() {
    // Absent: the key is left out.
    let mut update = CustomerUpdate::new();
    assert!(update.name.is_absent());
    assert_eq!(update.to_json(), json!({}));

    // Null: `null` is sent (clears the name).
    update.name = Patch::Null;
    assert_eq!(update.to_json(), json!({"name": null}));

    // Set: the value is sent.
    update.name = Patch::Set("Ada".into());
    update.billing_address = Patch::Null;
    assert_eq!(
        update.to_json(),
        json!({"name": "Ada", "billing_address": null})
    );
    assert_eq!(
        String::from_utf8(to_vec(&CustomerUpdate {
            name: Patch::Null,
            ..CustomerUpdate::new()
        }))
        .expect("UTF-8"),
        r#"{"name":null}"#
    );

    // And all three decode back.
    let u: CustomerUpdate = round_trip(&json!({}));
    assert_eq!(u.name, Patch::Absent);
    let u: CustomerUpdate = round_trip(&json!({"name": null}));
    assert_eq!(u.name, Patch::Null);
    let u: CustomerUpdate = round_trip(&json!({"name": "Ada", "tax_id": null}));
    assert_eq!(u.name, Patch::Set("Ada".into()));
    assert_eq!(u.tax_id, Patch::Null);
    assert_eq!(u.email, Patch::Absent);

    // A response type uses Option for the same kind of field.
    let Customer::Individual(c) = decode::<Customer>(&individual_json()) else {
        panic!("expected an individual customer")
    };
    let billing_name: Option<Str> = c.billing_name;
    assert_eq!(billing_name, None);
    let name: Option<Str> = c.name;
    assert_eq!(name.as_deref(), Some("Ada Lovelace"));
}

/// Strings are `Str`: up to 23 bytes inline, longer ones on the heap. Both sides of that
/// line, escapes and multi-byte characters read as the text and are written back as sent.
#[test]
fn strings_on_both_sides_of_the_inline_limit_read_and_write_back() {
    // (the JSON string as sent, its text)
    let cases = [
        (String::from(r#""""#), String::new()),
        (format!(r#""{}""#, "a".repeat(23)), "a".repeat(23)),
        (format!(r#""{}""#, "a".repeat(24)), "a".repeat(24)),
        (format!(r#""{}a""#, "é".repeat(11)), "é".repeat(11) + "a"), // 23 bytes
        (format!(r#""{}""#, "é".repeat(12)), "é".repeat(12)),        // 24 bytes
        (
            String::from(r#""a\nb \"q\" \\ \u00e9\ud83d\ude00""#),
            String::from("a\nb \"q\" \\ é😀"),
        ),
        (
            String::from(r#""\u0041\u0042\u0043 twenty-four bytes!!!!""#),
            String::from("ABC twenty-four bytes!!!!"),
        ),
        (format!(r#""{}""#, "x".repeat(5000)), "x".repeat(5000)),
    ];
    for (sent, text) in cases {
        let mut value = individual_json();
        value["name"] = Value::from("NAME");
        let body = value.to_string().replace(r#""NAME""#, &sent);
        let Customer::Individual(c) = from_slice::<Customer>(body.as_bytes()).expect("decodes")
        else {
            panic!("expected an individual customer")
        };
        assert_eq!(c.name.as_deref(), Some(text.as_str()), "{sent}");
        let on_heap = c.name.as_ref().map(Str::is_heap_allocated);
        assert_eq!(on_heap, Some(text.len() > 23), "{sent}");
        let written = to_vec(&Customer::Individual(c));
        let back: Value = serde_json::from_slice(&written).expect("JSON");
        value["name"] = Value::String(text);
        assert_eq!(back, value, "{sent} was not written back as sent");
    }
}

#[test]
fn ids_read_inline_and_write_back_whatever_polar_sent() {
    let uuid = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
    // (the JSON string as sent, its text): a UUID and text that is no canonical UUID, on both
    // sides of the 38 inline bytes.
    let cases = [
        (format!(r#""{uuid}""#), uuid.to_string()),
        (format!(r#""{}""#, uuid.to_uppercase()), uuid.to_uppercase()),
        (format!(r#""{{{uuid}}}""#), format!("{{{uuid}}}")), // 38 bytes
        (format!(r#""{uuid}-ab""#), format!("{uuid}-ab")),   // 39 bytes
        (format!(r#""{}""#, "é".repeat(19)), "é".repeat(19)), // 38 bytes
        (String::from(r#""\u0041-\"id\"""#), String::from("A-\"id\"")),
        (String::from(r#""""#), String::new()),
        (format!(r#""{}""#, "x".repeat(5000)), "x".repeat(5000)),
    ];
    for (sent, text) in cases {
        let mut value = individual_json();
        value["organization_id"] = Value::from("ORG");
        let body = value.to_string().replace(r#""ORG""#, &sent);
        let Customer::Individual(c) = from_slice::<Customer>(body.as_bytes()).expect("decodes")
        else {
            panic!("expected an individual customer")
        };
        assert_eq!(c.organization_id, text.as_str(), "{sent}");
        assert_eq!(
            c.organization_id.is_heap_allocated(),
            text.len() > 38,
            "{sent}"
        );
        let written = to_vec(&Customer::Individual(c));
        let back: Value = serde_json::from_slice(&written).expect("JSON");
        value["organization_id"] = Value::String(text);
        assert_eq!(back, value, "{sent} was not written back as sent");
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Maps, tuples, recursion, numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn metadata_values_keep_their_json_type() {
    let Customer::Individual(c) = decode::<Customer>(&individual_json()) else {
        panic!("expected an individual customer")
    };
    assert_eq!(
        c.metadata.get("plan"),
        Some(&MetadataValue::String("pro".into()))
    );
    assert_eq!(c.metadata.get("seats"), Some(&MetadataValue::Integer(3)));
    assert_eq!(c.metadata.get("ratio"), Some(&MetadataValue::Number(1.5)));
    assert_eq!(c.metadata.get("vip"), Some(&MetadataValue::Boolean(true)));

    // In a request body, built in Rust.
    let mut update = CustomerUpdate::new();
    update.metadata = Some(BTreeMap::from([
        ("plan".into(), MetadataValue::String("pro".into())),
        ("seats".into(), MetadataValue::Integer(3)),
        ("ratio".into(), MetadataValue::Number(0.25)),
        ("vip".into(), MetadataValue::Boolean(false)),
    ]));
    assert_eq!(
        update.to_json(),
        json!({"metadata": {"plan": "pro", "seats": 3, "ratio": 0.25, "vip": false}})
    );
    let back: CustomerUpdate = decode(&update.to_json());
    assert_eq!(back, update);
}

#[test]
fn maps_with_enum_keys() {
    // DiscountUpdate.amounts: `propertyNames` is PresentmentCurrency.
    let v = json!({"amounts": {"usd": 1000, "eur": 900, "zzz": 1}});
    let u: DiscountUpdate = round_trip(&v);
    let Patch::Set(amounts) = &u.amounts else {
        panic!("expected amounts to be set, got {:?}", u.amounts)
    };
    assert_eq!(amounts.get(&PresentmentCurrency::Usd), Some(&1000));
    assert_eq!(amounts.get(&PresentmentCurrency::Eur), Some(&900));
    assert_eq!(
        amounts.get(&PresentmentCurrency::Unknown("zzz".to_owned())),
        Some(&1)
    );

    let mut update = DiscountUpdate::new();
    update.amounts = Patch::Set(BTreeMap::from([(PresentmentCurrency::Usd, 500)]));
    assert_eq!(update.to_json(), json!({"amounts": {"usd": 500}}));

    let err = decode_err::<DiscountUpdate>(&json!({"amounts": {"usd": "ten"}}));
    assert_eq!(err.path, "$.amounts.usd");
}

#[test]
fn prefix_items_are_tuples() {
    let Customer::Individual(c) = decode::<Customer>(&individual_json()) else {
        panic!("expected an individual customer")
    };
    let tax_id: Option<(Str, TaxIdFormat)> = c.tax_id;
    assert_eq!(tax_id, Some(("FR40303265045".into(), TaxIdFormat::EuVat)));

    // An unknown format is kept.
    let v = with(individual_json(), json!({"tax_id": ["123", "xx_new"]}));
    let Customer::Individual(c) = round_trip::<Customer>(&v) else {
        panic!("expected an individual customer")
    };
    assert_eq!(
        c.tax_id,
        Some(("123".into(), TaxIdFormat::Unknown("xx_new".to_owned())))
    );

    // Wrong length or item type: an error at the tuple or at the item.
    let v = with(individual_json(), json!({"tax_id": ["123"]}));
    let err = decode_err::<Customer>(&v);
    assert_eq!(err.path, "$.tax_id");
    assert!(err.message.contains("2 items"), "{}", err.message);
    let v = with(individual_json(), json!({"tax_id": ["123", 7]}));
    assert_eq!(decode_err::<Customer>(&v).path, "$.tax_id[1]");
}

#[test]
fn recursive_filter() {
    let v = json!({
        "conjunction": "and",
        "clauses": [
            {"property": "name", "operator": "eq", "value": "api_call"},
            {
                "conjunction": "or",
                "clauses": [
                    {"property": "tokens", "operator": "gt", "value": 10},
                    {"property": "paid", "operator": "eq", "value": true},
                    {"conjunction": "and", "clauses": []}
                ]
            }
        ]
    });
    let f: Filter = round_trip(&v);
    assert_eq!(f.conjunction, FilterConjunction::And);
    assert_eq!(f.clauses.len(), 2);
    let FilterClausesItem::FilterClause(c) = &f.clauses[0] else {
        panic!("expected a clause, got {:?}", f.clauses[0])
    };
    assert_eq!(c.property, "name");
    assert_eq!(c.operator, FilterOperator::Eq);
    assert_eq!(c.value, StringOrIntegerOrBoolean::String("api_call".into()));

    let FilterClausesItem::Filter(inner) = &f.clauses[1] else {
        panic!("expected a nested filter, got {:?}", f.clauses[1])
    };
    assert_eq!(inner.conjunction, FilterConjunction::Or);
    assert!(matches!(
        &inner.clauses[0],
        FilterClausesItem::FilterClause(c)
            if c.operator == FilterOperator::Gt && c.value == StringOrIntegerOrBoolean::Integer(10)
    ));
    assert!(matches!(
        &inner.clauses[1],
        FilterClausesItem::FilterClause(c) if c.value == StringOrIntegerOrBoolean::Boolean(true)
    ));
    assert!(matches!(
        &inner.clauses[2],
        FilterClausesItem::Filter(g) if g.clauses.is_empty()
    ));
}

#[test]
fn int_or_number_fields_keep_the_number_exactly() {
    let v = json!({
        "timestamp": "2025-06-01T00:00:00Z",
        "orders": 1,
        "churn_rate": 1.5,
        "monthly_recurring_revenue": 12345678901234_i64
    });
    let m: MetricPeriod = round_trip(&v);
    let orders = m.orders.as_ref().expect("orders");
    assert!(orders.is_i64());
    assert_eq!(orders.to_string(), "1");
    let churn = m.churn_rate.as_ref().expect("churn_rate");
    assert!(churn.is_f64());
    assert_eq!(churn.to_string(), "1.5");
    assert_eq!(
        m.monthly_recurring_revenue
            .as_ref()
            .and_then(|n| n.as_i64()),
        Some(12_345_678_901_234)
    );
    assert_eq!(m.active_subscriptions, None);

    // The text written is the text read: `1` stays `1`, `1.5` stays `1.5`.
    let bytes = br#"{"timestamp":"2025-06-01T00:00:00Z","orders":1,"churn_rate":1.5}"#;
    let m: MetricPeriod = from_slice(bytes).expect("decodes");
    let out = String::from_utf8(to_vec(&m)).expect("UTF-8");
    assert!(
        out.contains(r#""orders":1,"#) || out.ends_with(r#""orders":1}"#),
        "{out}"
    );
    assert!(out.contains(r#""churn_rate":1.5"#), "{out}");
}

#[test]
fn integers_above_i32() {
    let v = json!({"total_count": 999_999_999_999_i64, "max_page": 4_000_000_000_i64});
    let p: Pagination = round_trip(&v);
    assert_eq!(p.total_count, 999_999_999_999);
    assert_eq!(p.max_page, 4_000_000_000);

    // A fraction is not an integer.
    let err = decode_err::<Pagination>(&json!({"total_count": 1.5, "max_page": 1}));
    assert_eq!(err.path, "$.total_count");
}

// ---------------------------------------------------------------------------------------------
// 8. Dates
// ---------------------------------------------------------------------------------------------

#[test]
fn date_time_and_date() {
    // date-time: RFC 3339 with fractional seconds and `Z`, both ways.
    let Customer::Individual(c) = round_trip::<Customer>(&individual_json()) else {
        panic!("expected an individual customer")
    };
    let created: time::OffsetDateTime = c.created_at;
    assert_eq!(
        created,
        time::macros::datetime!(2025-01-02 03:04:05.123456 UTC)
    );
    assert_eq!(created.offset(), time::UtcOffset::UTC);
    assert_eq!(
        created.to_json(),
        json!("2025-01-02T03:04:05.123456Z"),
        "written back as RFC 3339 with `Z`"
    );

    // A non-UTC offset is kept.
    let v = json!({"timestamp": "2025-06-01T12:30:00+02:00"});
    let m: MetricPeriod = round_trip(&v);
    assert_eq!(
        m.timestamp,
        time::macros::datetime!(2025-06-01 12:30:00 +02:00)
    );
    assert_eq!(m.timestamp.offset().whole_hours(), 2);

    // Not RFC 3339: an error at the field.
    let err = decode_err::<MetricPeriod>(&json!({"timestamp": "01/06/2025"}));
    assert_eq!(err.path, "$.timestamp");

    // date: `time::Date`.
    let limit = json!({"min_days": 1, "max_days": 7});
    let v = json!({
        "min_date": "2024-02-29",
        "intervals": {"hour": limit, "day": limit, "week": limit, "month": limit, "year": limit}
    });
    let l: MetricsLimits = round_trip(&v);
    let min_date: time::Date = l.min_date;
    assert_eq!(min_date, time::macros::date!(2024 - 02 - 29));
    assert_eq!(min_date.to_json(), json!("2024-02-29"));
    assert_eq!(l.intervals.week.max_days, 7);

    let bad = with(v, json!({"min_date": "2023-02-29"}));
    let err = decode_err::<MetricsLimits>(&bad);
    assert_eq!(err.path, "$.min_date");
}

// ---------------------------------------------------------------------------------------------
// 9. Unknown fields are kept
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_fields_are_kept_and_written_back() {
    let customer = with(
        individual_json(),
        json!({"loyalty": {"tier": "gold", "points": 12}, "flags": [1, 2]}),
    );
    let payload = json!({
        "type": "customer.created",
        "timestamp": "2025-01-02T03:04:05Z",
        "api_version": "2026-10",
        "data": customer
    });
    let p: WebhookPayload = round_trip(&payload);
    let WebhookPayload::CustomerCreated(created) = &p else {
        panic!("expected WebhookPayload::CustomerCreated, got {p:?}")
    };
    assert_eq!(created.extra.get("api_version"), Some(&json!("2026-10")));
    assert_eq!(created.extra.len(), 1);
    let Customer::Individual(c) = &created.data else {
        panic!("expected an individual customer, got {:?}", created.data)
    };
    assert_eq!(
        c.extra.get("loyalty"),
        Some(&json!({"tier": "gold", "points": 12}))
    );
    assert_eq!(c.extra.get("flags"), Some(&json!([1, 2])));
    assert_eq!(c.extra.len(), 2);

    // Nested structs keep theirs too.
    let v = with(
        individual_json(),
        json!({"billing_address": {"country": "FR", "district": "11e"}}),
    );
    let Customer::Individual(c) = round_trip::<Customer>(&v) else {
        panic!("expected an individual customer")
    };
    let address = c.billing_address.expect("billing address");
    assert_eq!(address.extra.get("district"), Some(&json!("11e")));
}

#[test]
fn a_struct_with_an_optional_constant_keeps_unknown_fields() {
    // `func` is read twice (checked against its constant, then stored): the new property
    // must still reach `extra`.
    let v = json!({"func": "count", "new_property": 1});
    let c: CountAggregation = round_trip(&v);
    assert_eq!(c.func.as_deref(), Some("count"));
    assert_eq!(c.extra.get("new_property"), Some(&json!(1)));
}

#[test]
fn explicit_nulls_in_responses_are_written_back_and_a_value_set_later_wins() {
    // `locale` and `external_id` are optional and nullable; Polar sends them as `null`.
    let v = with(
        individual_json(),
        json!({"locale": null, "external_id": null}),
    );
    let Customer::Individual(mut c) = round_trip::<Customer>(&v) else {
        panic!("expected an individual customer")
    };
    // One `Option` to read, as for an absent property; which came as `null` is in `nulls`
    // (by place in `FIELDS`), not in `extra`.
    assert_eq!(c.locale, None);
    assert_eq!(c.external_id, None);
    let place = |key: &str| CustomerIndividual::FIELDS.iter().position(|f| *f == key);
    let (locale, external_id) = (place("locale").unwrap(), place("external_id").unwrap());
    assert!(c.nulls.contains(locale) && c.nulls.contains(external_id));
    assert!(!c.nulls.contains(place("name").unwrap()));
    assert!(c.extra.is_empty());
    // Unmarked, a `None` is left out.
    let mut unmarked = c.clone();
    unmarked.nulls.set(external_id, false);
    assert!(unmarked.to_json().get("external_id").is_none());
    c.locale = Some("de".into());
    let back = c.to_json();
    assert_eq!(back["locale"], json!("de"));
    assert_eq!(back["external_id"], Value::Null);
    assert_eq!(
        to_vec(&c).windows(8).filter(|w| w == b"\"locale\"").count(),
        1
    );
    // Absent stays absent.
    let v = without(individual_json(), "locale");
    let Customer::Individual(c) = round_trip::<Customer>(&v) else {
        panic!("expected an individual customer")
    };
    assert!(c.to_json().get("locale").is_none());
}

// ---------------------------------------------------------------------------------------------
// 10. Bad input
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_input_is_an_error_naming_the_path() {
    // A wrong-typed field deep in a list.
    let list = json!({
        "items": [individual_json(), with(team_json(), json!({"created_at": 42}))],
        "pagination": {"total_count": 2, "max_page": 1}
    });
    let err = from_slice::<ListResourceCustomer>(&serde_json::to_vec(&list).expect("JSON"))
        .expect_err("a number is not a date-time");
    assert_eq!(err.path, "$.items[1].created_at");
    assert!(err.message.contains("a number"), "{}", err.message);
    assert!(
        err.to_string()
            .starts_with("invalid JSON at $.items[1].created_at:"),
        "{err}"
    );

    // Inside a discriminated union inside a webhook payload.
    let payload = json!({
        "type": "customer.created",
        "timestamp": "2025-01-02T03:04:05Z",
        "data": with(individual_json(), json!({"email": ["not", "a", "string"]}))
    });
    let err = decode_err::<WebhookPayload>(&payload);
    assert_eq!(err.path, "$.data.email");

    // Inside a nested discriminator (Event -> SystemEvent) with a nested customer.
    let event = json!({
        "id": "e0e0e0e0-0000-4000-8000-000000000000",
        "timestamp": "2025-03-04T05:06:07Z",
        "organization_id": ORG,
        "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "customer": with(individual_json(), json!({"email": 5})),
        "external_customer_id": null,
        "label": "Meter reset",
        "source": "system",
        "name": "meter.reset",
        "metadata": {"meter_id": "m"}
    });
    assert_eq!(decode_err::<Event>(&event).path, "$.customer.email");

    // A key that is not an identifier is quoted in the path.
    let err = decode_err::<DiscountUpdate>(&json!({"amounts": {"us-d": "ten"}}));
    assert_eq!(err.path, r#"$.amounts["us-d"]"#);
}

#[test]
fn metadata_value_of_another_type_is_unknown_not_an_error() {
    // MetadataValue is string | integer | number | boolean; anything else is kept.
    let v = with(individual_json(), json!({"metadata": {"my key": [1]}}));
    let Customer::Individual(c) = round_trip::<Customer>(&v) else {
        panic!("expected an individual customer")
    };
    assert_eq!(
        c.metadata.get("my key"),
        Some(&MetadataValue::Unknown(json!([1])))
    );
}

#[test]
fn truncated_json_is_a_syntax_error() {
    let full = serde_json::to_vec(&individual_json()).expect("JSON");
    for cut in [0, 1, full.len() / 2, full.len() - 1] {
        let err = from_slice::<Customer>(&full[..cut]).expect_err("truncated");
        assert_eq!(err.path, "$");
        assert!(err.message.starts_with("not valid JSON"), "{}", err.message);
    }
    let err =
        from_slice::<ListResourceCustomer>(b"<html>502 Bad Gateway</html>").expect_err("HTML");
    assert_eq!(err.path, "$");
}

#[test]
fn missing_required_field_names_the_field() {
    let err = decode_err::<Customer>(&without(individual_json(), "email"));
    assert_eq!(err.path, "$");
    assert!(err.message.contains("`email`"), "{}", err.message);

    let list = json!({
        "items": [team_json(), without(individual_json(), "organization_id")],
        "pagination": {"total_count": 2, "max_page": 1}
    });
    let err = decode_err::<ListResourceCustomer>(&list);
    assert_eq!(err.path, "$.items[1]");
    assert!(
        err.message.contains("missing field `organization_id`"),
        "{}",
        err.message
    );

    let err = decode_err::<ListResourceCustomer>(&json!({"items": []}));
    assert!(err.message.contains("`pagination`"), "{}", err.message);
}

#[test]
fn nothing_a_server_sends_panics() {
    let inputs: [&[u8]; 12] = [
        b"",
        b"null",
        b"true",
        b"0",
        b"-1e400",
        b"\"x\"",
        b"[]",
        b"{}",
        b"[{}]",
        b"{\"type\":null}",
        b"{\"type\":7,\"source\":[],\"name\":{}}",
        b"\xff\xfe",
    ];
    for input in inputs {
        let _ = from_slice::<Customer>(input);
        let _ = from_slice::<Event>(input);
        let _ = from_slice::<WebhookPayload>(input);
        let _ = from_slice::<Discount>(input);
        let _ = from_slice::<SubscriptionUpdate>(input);
        let _ = from_slice::<Product>(input);
        let _ = from_slice::<Filter>(input);
        let _ = from_slice::<MetricsLimits>(input);
        let _ = from_slice::<ListResourceCustomer>(input);
    }
    // A struct given a non-object is an error at the root, not a panic.
    let err = from_slice::<Pagination>(b"[1,2]").expect_err("array");
    assert_eq!(err.path, "$");
    assert!(err.message.contains("an object"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// 11. serde integration
// ---------------------------------------------------------------------------------------------

#[test]
fn serde_goes_through_the_same_code() {
    let text = individual_json().to_string();
    let c: Customer = serde_json::from_str(&text).expect("serde decodes");
    assert_eq!(c, decode::<Customer>(&individual_json()));
    assert!(matches!(c, Customer::Individual(_)));

    let out = serde_json::to_string(&c).expect("serde encodes");
    let back: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(back, individual_json());
    assert_eq!(serde_json::to_value(&c).expect("to_value"), c.to_json());

    // Serde's containers compose with the generated impls.
    let many: Vec<Customer> =
        serde_json::from_value(json!([individual_json(), team_json(), {"type": "robot"}]))
            .expect("a list of customers");
    assert!(matches!(many[1], Customer::Team(_)));
    assert_eq!(many[2], Customer::Unknown(json!({"type": "robot"})));
    let by_id: BTreeMap<String, CustomerUpdate> =
        serde_json::from_str(r#"{"c1": {"name": null}, "c2": {}}"#).expect("a map");
    assert_eq!(by_id["c1"].name, Patch::Null);
    assert_eq!(by_id["c2"].name, Patch::Absent);
    assert_eq!(
        serde_json::to_string(&by_id).expect("encodes"),
        r#"{"c1":{"name":null},"c2":{}}"#
    );

    // Enums serialize as their wire string.
    assert_eq!(
        serde_json::to_string(&CustomerSortProperty::CreatedAtDesc).expect("encodes"),
        r#""-created_at""#
    );

    // Errors carry the JSON path.
    let bad = with(individual_json(), json!({"email": 5})).to_string();
    let err = serde_json::from_str::<Customer>(&bad).expect_err("bad email");
    assert!(err.to_string().contains("$.email"), "{err}");
}

#[test]
fn error_body_matching_no_member_is_unknown() {
    let v = json!({"error": "BrandNewError", "detail": "Something new went wrong."});
    let body: polarsh_core::models::ErrorBody = decode(&v);
    assert_eq!(body, polarsh_core::models::ErrorBody::Unknown(v.clone()));
}

#[test]
fn error_responses_decode_with_the_model_declared_for_their_status() {
    use polarsh_core::models::{ErrorBody, HttpValidationError, ResourceNotFound};
    use polarsh_core::Operation;
    type Get = polarsh_core::operations::customers::Get;
    let response = |status: u16, body: &Value| {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes())
            .expect("response")
    };
    let api_error = |status: u16, body: &Value| match Get::parse(&response(status, body)) {
        Err(e) => e.api_error().cloned().expect("a declared error"),
        Ok(c) => panic!("expected an API error, got {c:?}"),
    };

    // customers:get declares 404 ResourceNotFound and 422 HTTPValidationError.
    let not_found = json!({"error": "ResourceNotFound", "detail": "Not found"});
    let e = api_error(404, &not_found);
    assert_eq!(e.status, 404);
    assert!(
        matches!(&e.body, ErrorBody::ResourceNotFound(ResourceNotFound { detail, .. }) if detail == "Not found"),
        "{:?}",
        e.body
    );

    let invalid =
        json!({"detail": [{"loc": ["path", "id"], "msg": "bad id", "type": "uuid_parsing"}]});
    assert!(matches!(
        api_error(422, &invalid).body,
        ErrorBody::HttpValidationError(HttpValidationError { .. })
    ));

    // A body in the shape of another error model than the one declared for the status is
    // kept whole as Unknown, not forced into a model the spec does not promise there.
    let other = json!({"error": "NotPermitted", "detail": "No"});
    assert_eq!(
        api_error(404, &other).body,
        ErrorBody::Unknown(other.clone())
    );
    assert_eq!(
        api_error(422, &not_found).body,
        ErrorBody::Unknown(not_found.clone())
    );
}

/// The values of the enum at `pointer` in the vendored spec.
fn spec_enum(pointer: &str) -> Vec<String> {
    let spec: Value =
        serde_json::from_str(include_str!("../../spec/polar-2026-10.openapi.json")).expect("spec");
    spec.pointer(pointer)
        .and_then(|s| s.get("enum"))
        .and_then(Value::as_array)
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().expect("a string value").to_owned())
        .collect()
}

#[test]
fn long_enums_know_every_spec_value_and_keep_others() {
    use polarsh_core::models::{CountryAlpha2, Scope, TaxIdFormat, Timezone};
    fn check<E: for<'a> From<&'a str> + std::fmt::Debug>(
        values: &[String],
        as_str: fn(&E) -> &str,
        is_unknown: fn(&E) -> bool,
    ) {
        for v in values {
            let e = E::from(v.as_str());
            assert!(!is_unknown(&e), "{v} is a known value");
            assert_eq!(as_str(&e), v);
        }
        for v in ["", "a", "ZZZZ", "\u{7f}", "~~~"] {
            if !values.iter().any(|k| k == v) {
                let e = E::from(v);
                assert!(is_unknown(&e), "{v:?} -> {e:?}");
                assert_eq!(as_str(&e), v);
            }
        }
    }
    check::<CountryAlpha2>(
        &spec_enum("/components/schemas/Address/properties/country"),
        CountryAlpha2::as_str,
        |e| matches!(e, CountryAlpha2::Unknown(_)),
    );
    check::<Scope>(
        &spec_enum("/components/schemas/Scope"),
        Scope::as_str,
        |e| matches!(e, Scope::Unknown(_)),
    );
    check::<TaxIdFormat>(
        &spec_enum("/components/schemas/TaxIDFormat"),
        TaxIdFormat::as_str,
        |e| matches!(e, TaxIdFormat::Unknown(_)),
    );
    check::<Timezone>(
        &spec_enum("/paths/~1v1~1meters~1{id}~1quantities/get/parameters/4/schema"),
        Timezone::as_str,
        |e| matches!(e, Timezone::Unknown(_)),
    );
    // A country also decodes from JSON through the same lookup.
    assert_eq!(
        from_slice::<CountryAlpha2>(br#""ZW""#).expect("ZW"),
        CountryAlpha2::Zw
    );
}
